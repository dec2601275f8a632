"""Optional aggregate click counts (MAILING_CLICK_COUNTS, off by default): per link and variant, never per person.

When on, each link of an email to our own site goes through the web
application's redirect endpoint (`MAILING_CLICK_URL`, `/r` on the public
host) with a signed link id: the plan, the variant and the target URL, signed
so that the endpoint redirects only to links we wrote (no open redirect). The
link id is the same for every member of a variant and holds no member id, so
a click cannot be traced to a person; the endpoint stores one counter per
(plan, variant, link) and nothing else (no time, no IP, no cookie).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from urllib.parse import urlencode

from ..tokens import InvalidToken, secret_from_env

_VERSION = "c1"


def _key(secret: bytes) -> bytes:
    return hashlib.sha256(b"vivier-clicks:" + secret).digest()


def _sign(key: bytes, payload: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest()[:18]).decode("ascii").rstrip("=")


def link_id(secret: bytes, plan_id: str, variant: str, url: str) -> str:
    """The signed, URL-safe id of one link of one plan's variant."""
    payload = "\x1f".join((_VERSION, plan_id, variant, url)).encode("utf-8")
    body = base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")
    return f"{body}.{_sign(_key(secret), payload)}"


def read_link_id(secret: bytes, token: str) -> tuple[str, str, str]:
    """(plan id, variant, target URL) of a genuine link id; InvalidToken otherwise."""
    try:
        body, signature = token.split(".")
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError, binascii.Error):
        raise InvalidToken("malformed link id") from None
    if not hmac.compare_digest(_sign(_key(secret), payload), signature):
        raise InvalidToken("bad signature")
    parts = payload.decode("utf-8", "replace").split("\x1f")
    if len(parts) != 4 or parts[0] != _VERSION or not parts[3].startswith("https://"):
        raise InvalidToken("unknown link id")
    return parts[1], parts[2], parts[3]


def counted_link(settings, url: str, plan_id: str, variant: str) -> str:
    """`url` through the counting redirect when MAILING_CLICK_COUNTS is on, else `url` itself."""
    if not settings.get("MAILING_CLICK_COUNTS") or not str(url).startswith("https://"):
        return url
    secret = secret_from_env(required=bool(settings.get("MAILING_REQUIRE_SECRET")))
    return f"{settings['MAILING_CLICK_URL']}?{urlencode({'l': link_id(secret, plan_id, variant, str(url))})}"
