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
