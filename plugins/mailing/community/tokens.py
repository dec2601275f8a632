"""Signed confirmation links with an expiry (HMAC-SHA256), checkable without a database lookup.

Made with the same `VIVIER_SECRET` as the unsubscribe tokens but under a key
of their own, so a token of one kind can never pass for the other.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

_VERSION = "c1"


class InvalidLink(ValueError):
    """A confirmation token we did not make, or one that was altered."""


class ExpiredLink(InvalidLink):
    """A genuine confirmation token used after its expiry."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ConfirmSigner:
    """Makes and checks the double opt-in links of one secret."""

    def __init__(self, secret: bytes):
        if not secret:
            raise ValueError("an empty secret cannot sign confirmation links")
        self._key = hashlib.sha256(b"vivier-community-confirm:" + secret).digest()

    def _sign(self, payload: bytes) -> str:
        return _b64(hmac.new(self._key, payload, hashlib.sha256).digest()[:18])

    def make(self, signup_id: str, expires: dt.datetime) -> str:
        """A URL-safe token naming the pending sign-up and when the link stops working."""
        if expires.tzinfo is None:
            raise ValueError("a link's expiry must be time-zone aware")
        payload = f"{_VERSION}\x1f{signup_id}\x1f{int(expires.timestamp())}".encode("utf-8")
        return f"{_b64(payload)}.{self._sign(payload)}"

    def verify(self, token: str, now: dt.datetime) -> str:
        """The sign-up id inside a genuine, unexpired token; InvalidLink or ExpiredLink otherwise."""
        try:
            body, signature = token.split(".")
            if not (body.isascii() and signature.isascii()):  # compare_digest raises TypeError on non-ASCII text
                raise ValueError("non-ASCII token")
            payload = _unb64(body)
        except (ValueError, TypeError, AttributeError):
            raise InvalidLink("malformed token") from None
        if not hmac.compare_digest(self._sign(payload), signature):
            raise InvalidLink("bad signature")
        parts = payload.decode("utf-8", "replace").split("\x1f")
        if len(parts) != 3 or parts[0] != _VERSION or not parts[2].isdigit():
            raise InvalidLink("unknown token version")
        if now.timestamp() >= int(parts[2]):
            raise ExpiredLink("the link has expired")
        return parts[1]
