"""Signed unsubscribe, preferences and forecast-answer tokens (HMAC-SHA256), verifiable without a database.

The secret comes from the `VIVIER_SECRET` environment variable. Development
builds without it fall back to `INSECURE_DEVELOPMENT_SECRET`, which is public
(it is in this file) and refused by production builds (see `mailing.settings`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
from dataclasses import dataclass

logger = logging.getLogger(__name__)

INSECURE_DEVELOPMENT_SECRET = "vivier-INSECURE-development-secret-never-use-in-production"
PURPOSES = ("unsubscribe", "preferences", "forecast")  # forecast: campaign is the forecast id
_VERSION = "v1"


class InvalidToken(ValueError):
    """A token that was not made by us, was altered, or is for another purpose."""


@dataclass(frozen=True)
class TokenData:
    purpose: str
    member_id: str
    campaign: str


def secret_from_env(required: bool = False) -> bytes:
    """The signing secret; the insecure default only when allowed and unset."""
    value = os.environ.get("VIVIER_SECRET")
    if value:
        return value.encode("utf-8")
    if required:
        raise RuntimeError("VIVIER_SECRET is not set; production builds need it to sign unsubscribe links")
    logger.warning("VIVIER_SECRET is not set: using the insecure development secret")
    return INSECURE_DEVELOPMENT_SECRET.encode("utf-8")


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> str:
    # base64.urlsafe_b64encode, without its two Python-level calls.
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Makes and checks tokens with one secret; cheap enough to call per member."""

    def __init__(self, secret: bytes):
        if not secret:
            raise ValueError("an empty secret cannot sign tokens")
        self._key = hashlib.sha256(b"vivier-tokens:" + secret).digest()
        # Keyed once; each signature copies it (bulk sending signs two tokens per message).
        self._mac = hmac.new(self._key, digestmod=hashlib.sha256)

    def _sign(self, payload: bytes) -> str:
        mac = self._mac.copy()
        mac.update(payload)
        return _b64(mac.digest()[:18])

    def make(self, purpose: str, member_id: str, campaign: str = "") -> str:
        """A URL-safe token naming the member and the campaign it came from."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown token purpose {purpose!r}")
        payload = "\x1f".join((_VERSION, purpose, member_id, campaign)).encode("utf-8")
        return f"{_b64(payload)}.{self._sign(payload)}"

    def verify(self, token: str, purpose: str) -> TokenData:
        """The data inside a genuine token for `purpose`; InvalidToken otherwise."""
        try:
            body, signature = token.split(".")
            if not (body.isascii() and signature.isascii()):  # compare_digest raises TypeError on non-ASCII text
                raise ValueError("non-ASCII token")
            payload = _unb64(body)
        except (ValueError, TypeError):
            raise InvalidToken("malformed token") from None
        if not hmac.compare_digest(self._sign(payload), signature):
            raise InvalidToken("bad signature")
        parts = payload.decode("utf-8", "replace").split("\x1f")
        if len(parts) != 4 or parts[0] != _VERSION:
            raise InvalidToken("unknown token version")
        if parts[1] != purpose:
            raise InvalidToken(f"token is for {parts[1]!r}, not {purpose!r}")
        return TokenData(parts[1], parts[2], parts[3])
