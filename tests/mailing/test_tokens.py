"""Signed unsubscribe/preferences tokens."""

from __future__ import annotations

import pytest

from mailing.tokens import INSECURE_DEVELOPMENT_SECRET, InvalidToken, Signer, secret_from_env


def test_token_round_trip_and_tampering():
    signer = Signer(b"s3cret")
    token = signer.make("unsubscribe", "m-123", "2026-12-data")
    data = signer.verify(token, "unsubscribe")
    assert (data.member_id, data.campaign) == ("m-123", "2026-12-data")
    assert "m-123" not in token  # base64url, not the raw id
    body, sig = token.split(".")
    with pytest.raises(InvalidToken):
        signer.verify(body + "." + ("A" if sig[0] != "A" else "B") + sig[1:], "unsubscribe")
    with pytest.raises(InvalidToken):
        signer.verify(token, "preferences")
    with pytest.raises(InvalidToken):
        Signer(b"another").verify(token, "unsubscribe")
    with pytest.raises(InvalidToken):
        signer.verify("garbage", "unsubscribe")


def test_secret_comes_from_env_and_production_refuses_the_default(monkeypatch):
    monkeypatch.setenv("VIVIER_SECRET", "from-env")
    assert secret_from_env(required=True) == b"from-env"
    monkeypatch.delenv("VIVIER_SECRET")
    assert secret_from_env(required=False) == INSECURE_DEVELOPMENT_SECRET.encode()
    with pytest.raises(RuntimeError, match="VIVIER_SECRET"):
        secret_from_env(required=True)


def test_tokens_equal_a_freshly_keyed_hmac_however_many_are_made():
    """The signer keys its HMAC once and copies it per token: same tokens as keying every time."""
    import base64
    import hashlib
    import hmac

    def reference(secret, purpose, member_id, campaign):
        key = hashlib.sha256(b"vivier-tokens:" + secret).digest()
        payload = "\x1f".join(("v1", purpose, member_id, campaign)).encode("utf-8")
        b64 = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")  # noqa: E731
        return f"{b64(payload)}.{b64(hmac.new(key, payload, hashlib.sha256).digest()[:18])}"

    signers = {secret: Signer(secret) for secret in (b"s3cret", b"another", "clé-été".encode())}
    ids = ["m-1", "m-1", "", "m-é", "x" * 200, "m-" + "9" * 31, "m-" + "9" * 32, "m-" + "9" * 33]
    for _ in range(2):  # a second round: the keyed HMAC is never consumed by a signature
        for secret, signer in signers.items():
            for member_id in ids:
                for purpose in ("unsubscribe", "preferences"):
                    for campaign in ("", "2026-12-data", "campagne-été"):
                        token = signer.make(purpose, member_id, campaign)
                        assert token == reference(secret, purpose, member_id, campaign)
                        assert signer.verify(token, purpose).member_id == member_id
