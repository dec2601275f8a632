"""Complete RFC 5322 / MIME messages, one recipient each, fast enough for bulk sending.

Per variant, `Composer` pre-encodes everything that does not depend on the
member (headers, the quoted-printable literal pieces of both parts); per
member it only encodes the member's few values and joins bytes. Quoted-
printable pieces end with a soft line break, so they can be concatenated in
any order and lines stay under 76 characters. The boundary contains "=_",
which quoted-printable text can never contain.

Headers carry no member text except the display name in To, which is
cleaned of control characters and RFC 2047-encoded: no header injection.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import html
import re
from dataclasses import dataclass
from email.utils import format_datetime
from urllib.parse import quote

from .matching import Match
from .personalise import Assembler, clean_name, member_values
from .pipeline import CompiledVariant
from .tokens import Signer

CRLF = b"\r\n"
SOFT = b"=\r\n"
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
_ATOM_SAFE = re.compile(r"[A-Za-z0-9 !#$%&'*+/=?^_`{|}~.-]*")


class AddressError(ValueError):
    """A recipient address that cannot be written into a header safely."""


@dataclass(frozen=True)
class MailConfig:
    """The sender's side of every message (from settings), the same for a whole plan."""

    from_name: str
    from_address: str
    list_id: str
    list_name: str
    unsubscribe_url: str
    preferences_url: str
    unsubscribe_mailto: str
    reply_to: str = ""

    @property
    def domain(self) -> str:
        return self.from_address.rsplit("@", 1)[1]

    @classmethod
    def from_settings(cls, settings) -> "MailConfig":
        return cls(
            from_name=settings["MAILING_FROM_NAME"],
            from_address=settings["MAILING_FROM_ADDRESS"],
            list_id=settings["MAILING_LIST_ID"],
            list_name=settings["CAREERS_COMPANY"]["name"],
            unsubscribe_url=settings["MAILING_UNSUBSCRIBE_URL"],
            preferences_url=settings["MAILING_PREFERENCES_URL"],
            unsubscribe_mailto=settings["MAILING_UNSUBSCRIBE_MAILTO"],
            reply_to=settings.get("MAILING_REPLY_TO") or "",
        )


# --- Header encoding ---------------------------------------------------------------


def encode_words(text: str, used: int = 0) -> str:
    """RFC 2047 'B' encoded-words (≤ 75 chars each), folded; plain when ASCII-safe."""
    text = clean_name(text) if len(text) < 200 else " ".join(text.split())
    if text.isascii() and len(text) + used <= 76 and "=?" not in text:
        return text
    words, chunk = [], ""
    for char in text:
        candidate = chunk + char
        if len(base64.b64encode(candidate.encode("utf-8"))) > 45:  # 12 + 45 + 2 < 75
            words.append(chunk)
            candidate = char
        chunk = candidate
    if chunk:
        words.append(chunk)
    return "\r\n ".join("=?utf-8?b?" + base64.b64encode(w.encode("utf-8")).decode("ascii") + "?=" for w in words)


def format_address(name: str, address: str) -> str:
    """'Name <address>' for a header; the name encoded or quoted, never raw."""
    address = address.strip()
    if not _ADDRESS.fullmatch(address) or len(address) > 254:
        raise AddressError(f"{address!r} is not an address we can write into a header")
    name = clean_name(name)
    if not name:
        return address
    if name.isascii() and _ATOM_SAFE.fullmatch(name):
        return f"{name} <{address}>" if re.fullmatch(r"[A-Za-z0-9 !#$%&'*+/=?^_`{|}~-]*", name) else f'"{name}" <{address}>'
    if name.isascii():
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{quoted}" <{address}>'
    encoded = encode_words(name)
    last = encoded.rsplit("\n", 1)[-1]
    return f"{encoded}\r\n <{address}>" if len(last) + len(address) > 66 else f"{encoded} <{address}>"


def message_id(plan_id: str, member_id: str, domain: str) -> str:
    """Deterministic per plan and member: a re-run sends the same Message-ID."""
    digest = hashlib.sha256(f"{plan_id}\x1f{member_id}".encode("utf-8")).hexdigest()[:32]
    return f"<{digest}.vivier@{domain}>"


# --- Quoted-printable pieces ----------------------------------------------------------


def qp(text: str) -> bytes:
    """One piece, quoted-printable, CRLF line breaks, ending with a soft break."""
    if not text:
        return b""
    data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    # b2a_qp uses LF for soft breaks when the piece has no CRLF of its own.
    encoded = encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    start = encoded.rfind(b"\n") + 1
    if len(encoded) - start > 75:  # room for our own soft break: 76 characters at most
        cut = start + 72
        while encoded[cut - 2:cut].find(b"=") >= 0:  # never split an =XX escape
            cut -= 1
        encoded = encoded[:cut] + SOFT + encoded[cut:]
    return encoded + SOFT


class Composer:
    """Builds complete messages for one compiled variant; make one per variant."""

    def __init__(self, compiled: CompiledVariant, config: MailConfig, signer: Signer, plan_id: str):
        self.compiled = compiled
        self.config = config
        self.signer = signer
        self.plan_id = plan_id
        self.html = Assembler(compiled.html, qp)
        self.text = Assembler(compiled.text, qp)
        seed = hashlib.sha256(f"{plan_id}|{compiled.key}".encode()).hexdigest()[:24]
        self.boundary = f"=_vivier_{seed}"
        sender = format_address(config.from_name, config.from_address)
        fixed = [
            f"From: {sender}",
            *( [f"Reply-To: {config.reply_to}"] if config.reply_to else [] ),
            f"Subject: {encode_words(compiled.subject, used=9)}",
            "MIME-Version: 1.0",
            f"List-Id: {encode_words(config.list_name)} <{config.list_id}>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            f"Content-Language: {compiled.lang}",
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"',
        ]
        self.fixed_headers = ("\r\n".join(fixed) + "\r\n").encode("ascii")
        self.text_head = (
            f"\r\n--{self.boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode("ascii")
        self.html_head = (
            f"\r\n--{self.boundary}\r\nContent-Type: text/html; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode("ascii")
        self.closing = f"\r\n--{self.boundary}--\r\n".encode("ascii")
        self._date_cache: tuple[dt.datetime | None, bytes] = (None, b"")

    def links(self, member_id: str) -> tuple[str, str, str]:
        """(one-click unsubscribe URL, preferences URL, unsubscribe token) for a member."""
        slug = self.compiled.slug
        token = self.signer.make("unsubscribe", member_id, slug)
        prefs = self.signer.make("preferences", member_id, slug)
        return (f"{self.config.unsubscribe_url}?t={token}", f"{self.config.preferences_url}?t={prefs}", token)

    def _date(self, when: dt.datetime) -> bytes:
        if when.tzinfo is None:
            raise ValueError("the Date of a message must be time-zone aware")
        if self._date_cache[0] != when:
            self._date_cache = (when, f"Date: {format_datetime(when)}\r\n".encode("ascii"))
        return self._date_cache[1]

    def compose(self, member, matches: list[Match], when: dt.datetime) -> tuple[str, bytes]:
        """(Message-ID, message bytes) for one member; AddressError for an unusable address."""
        member_id = str(member.id)
        to = format_address(f"{getattr(member, 'first_name', '')} {getattr(member, 'last_name', '')}", member.email)
        unsubscribe, preferences, token = self.links(member_id)
        values = member_values(self.compiled, member, matches, unsubscribe, preferences)
        mid = message_id(self.plan_id, member_id, self.config.domain)
        mailto = f"mailto:{self.config.unsubscribe_mailto}?subject={quote('unsubscribe ' + token)}"
        head = (
            f"To: {to}\r\nMessage-ID: {mid}\r\n"
            f"List-Unsubscribe: <{unsubscribe}>,\r\n <{mailto}>\r\n"
        ).encode("utf-8")
        raw = values.values
        text_values = {k: qp(v) for k, v in raw.items()}
        html_values = {k: qp(html.escape(v, quote=True)) for k, v in raw.items()}
        out = [self.fixed_headers, self._date(when), head, self.text_head]
        self.text.assemble(text_values, [(i, qp(why)) for i, why in values.matches], out)
        out.append(self.html_head)
        self.html.assemble(html_values, [(i, qp(html.escape(why, quote=True))) for i, why in values.matches], out)
        out.append(self.closing)
        return mid, b"".join(out)


def compose_message(compiled: CompiledVariant, member, matches: list[Match], *, config: MailConfig,
                    signer: Signer, plan_id: str, when: dt.datetime) -> tuple[str, bytes]:
    """One complete message for one member (convenience; reuse a `Composer` for bulk)."""
    return Composer(compiled, config, signer, plan_id).compose(member, matches, when)
