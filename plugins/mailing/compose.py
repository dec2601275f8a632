"""Complete RFC 5322 / MIME messages, one recipient each, fast enough for bulk sending.

Per variant, `Composer` pre-encodes everything that does not depend on the
member (headers, the quoted-printable literal pieces of both parts; each job
card of the matched-jobs region the first time a member needs it) and
flattens both parts into one list of byte strings and slots, adjacent
literals joined, for a member with matched jobs and for one without; per
member it only encodes the member's few values and joins bytes. Quoted-
printable pieces end with a soft line break, so they can be concatenated in
any order and lines stay under 76 characters. The boundary contains "=_",
which quoted-printable text can never contain.

Values that repeat from member to member (greetings, first names, the
reason of a match) are encoded once and remembered (`_memo_qp`, bounded);
links, unique to each member, are encoded each time, once for both parts
when HTML escaping leaves them unchanged. The bytes are the same as the
straightforward assembly (`personalise.Assembler` over `qp`):
`tests/mailing/test_compose_fast.py` compares them.

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

from .cards import FilledCards
from .matching import Match
from .personalise import candidate_index, clean_name, member_values
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
    # Each word holds as many characters as fit in 33 bytes of UTF-8: base64 makes 33 bytes
    # 44 characters and 34 bytes 48, and 12 + 45 + 2 < 75 ("=?utf-8?b?" … "?=").
    words, chunk, size = [], "", 0
    for char in text:
        width = len(char.encode("utf-8"))
        if size + width > 33:
            words.append(chunk)
            chunk, size = char, width
        else:
            chunk += char
            size += width
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
    if "\n" in text or "\r" in text:
        data = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
        encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
        # b2a_qp uses LF for soft breaks when the piece has no CRLF of its own.
        encoded = encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    else:
        # One line (every member value): no line break to normalise, and the only
        # LFs b2a_qp writes are its own soft breaks. Same defaults as above.
        encoded = _b2a_qp(text.encode("utf-8"))
        if b"\n" in encoded:
            encoded = encoded.replace(b"\n", b"\r\n")
    start = encoded.rfind(b"\n") + 1
    if len(encoded) - start > 75:  # room for our own soft break: 76 characters at most
        cut = start + 72
        while encoded[cut - 2:cut].find(b"=") >= 0:  # never split an =XX escape
            cut -= 1
        encoded = encoded[:cut] + SOFT + encoded[cut:]
    return encoded + SOFT


_b2a_qp = binascii.b2a_qp
_MEMO_LIMIT = 20_000  # distinct values per memo (names, greetings, reasons); emptied when full
_TEXT_MEMO: dict[str, bytes] = {}
_HTML_MEMO: dict[str, bytes] = {}


def _memo_qp(value: str, memo: dict[str, bytes] = _TEXT_MEMO) -> bytes:
    """`qp(value)`, remembered: greetings, names and reasons repeat across members."""
    encoded = memo.get(value)
    if encoded is None:
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        encoded = memo[value] = qp(value)
    return encoded


def _memo_qp_html(value: str, memo: dict[str, bytes] = _HTML_MEMO) -> bytes:
    """`qp(html.escape(value))`, remembered."""
    encoded = memo.get(value)
    if encoded is None:
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        encoded = memo[value] = qp(html.escape(value, quote=True))
    return encoded


# The names of `personalise.member_values` (and `answer_url`, given by a kind's composer as `extra`);
# the links are unique to each member.
_VALUES = frozenset(("first_name", "greeting", "unsubscribe_url", "preferences_url", "answer_url"))
_LINKS = ("unsubscribe_url", "preferences_url", "answer_url")
_REASON = -1  # in an item's program: the match's reason
# Characters `urllib.parse.quote` never escapes: a token made only of them is quoted as is.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")


class _Items:
    """The matched-jobs slot of a program: one entry per candidate, for one part.

    An entry is encoded the first time a member's matches use it (a variant has
    hundreds of candidates; a preview or a small send uses a few): until then
    it is the region's list of pieces, then a tuple of bytes, value slots
    (int ≥ 0) and `_REASON`.
    """

    __slots__ = ("entries", "is_html", "slots")

    def __init__(self, items: list[list[str]], is_html: bool, slots: dict[tuple[bool, str], int]):
        if type(items) is FilledCards:  # job cards not filled yet: each is filled when a message first uses it
            self.entries: list = _Unfilled(items)
            names = items.placeholder_names()
        else:
            self.entries = list(items)  # a copy: the compiled variant's own lists stay as they are
            names = (name for parts in items for name in parts[1::2])
        self.is_html = is_html
        self.slots = slots
        for name in names:  # slots are known before the first message
            if name in _VALUES:
                slots.setdefault((is_html, name), len(slots))

    def encode(self, position: int) -> tuple:
        ops: list = []
        for i, part in enumerate(self.entries[position]):
            if i % 2 == 0:
                ops.append(qp(part))
            elif part == "reason":
                ops.append(_REASON)
            else:
                ops.append(self.slots.get((self.is_html, part), part))  # an unknown name stays a str
        self.entries[position] = entry = tuple(ops)
        return entry


class _Unfilled(list):
    """`_Items.entries` for job cards not filled yet: an entry is the card's pieces (a list) the first time
    it is read, filled then; once encoded, the tuple."""

    __slots__ = ("cards",)

    def __init__(self, cards: FilledCards):
        super().__init__([None] * len(cards))
        self.cards = cards

    def __getitem__(self, position):
        entry = list.__getitem__(self, position)
        if entry is None:
            entry = self.cards[position]
            list.__setitem__(self, position, entry)
        return entry


class _Program:
    """A message's parts as `Assembler` walks them, flattened once per variant.

    `ops` holds literal bytes (already quoted-printable, adjacent ones joined),
    value slots (an int: index in the message's encoded values) and `_Items`.
    Names are resolved as `Assembler` resolves them: a body name "region.X"
    is region X, any other name is a member value; inside an item "reason" is
    the match's reason. A name that is no member value stays a str and raises
    `KeyError` when a message reaches it, as `Assembler` does.
    """

    def __init__(self):
        self.ops: list = []
        self.slots: dict[tuple[bool, str], int] = {}  # (is_html, name) -> slot
        self.items: dict[tuple[bool, int], _Items] = {}  # (is_html, id of the region) -> its entries

    def literal(self, data: bytes) -> None:
        if data:
            if self.ops and self.ops[-1].__class__ is bytes:
                self.ops[-1] += data
            else:
                self.ops.append(data)

    def value(self, is_html: bool, name: str) -> None:
        self.ops.append(self.slots.setdefault((is_html, name), len(self.slots)) if name in _VALUES else name)

    def pieces(self, parts: list[str], is_html: bool) -> None:
        for i in range(0, len(parts), 2):
            self.literal(qp(parts[i]))
            if i + 1 < len(parts):
                self.value(is_html, parts[i + 1])

    def part(self, rendered, is_html: bool, with_items: bool) -> None:
        body = rendered.body
        for i in range(0, len(body), 2):
            self.literal(qp(body[i]))
            if i + 1 < len(body):
                name = body[i + 1]
                if name.startswith("region."):
                    self.region(rendered, name[7:], is_html, with_items)
                else:
                    self.value(is_html, name)

    def region(self, rendered, name: str, is_html: bool, with_items: bool) -> None:
        region = rendered.regions.get(name)
        if region is None or (name == "matched" and not with_items) or (name == "nomatch" and with_items):
            return
        self.pieces(region.prefix, is_html)
        if name == "matched":
            key = (is_html, id(region))
            if key not in self.items:
                self.items[key] = _Items(region.items, is_html, self.slots)
            self.ops.append(self.items[key])
        self.pieces(region.suffix, is_html)


class Composer:
    """Builds complete messages for one compiled variant; make one per variant."""

    def __init__(self, compiled: CompiledVariant, config: MailConfig, signer: Signer, plan_id: str):
        self.compiled = compiled
        self.config = config
        self.signer = signer
        self.plan_id = plan_id
        seed = hashlib.sha256(f"{plan_id}|{compiled.key}".encode()).hexdigest()[:24]
        self.boundary = f"=_vivier_{seed}"
        sender = format_address(config.from_name, config.from_address)
        fixed = [
            f"From: {sender}",
            *( [f"Reply-To: {config.reply_to.replace('{plan}', plan_id)}"] if config.reply_to else [] ),
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
        # Everything after the member's own headers, for a member without matched jobs and with:
        # (ops, the (is_html, value name) of each slot in slot order).
        self._programs = []
        for with_items in (False, True):
            program = _Program()
            program.literal(self.text_head)
            program.part(compiled.text, False, with_items)
            program.literal(self.html_head)
            program.part(compiled.html, True, with_items)
            program.literal(self.closing)
            self._programs.append((program.ops, sorted(program.slots, key=program.slots.get)))
        self._index = candidate_index(compiled)
        self._unsubscribe_base = f"{config.unsubscribe_url}?t="
        self._preferences_base = f"{config.preferences_url}?t="
        # Tokens are base64url and ".": HTML escaping leaves a link unchanged when its base has nothing to escape.
        self._escape_links = any(html.escape(base, quote=True) != base
                                 for base in (self._unsubscribe_base, self._preferences_base))
        self._mailto = f"mailto:{config.unsubscribe_mailto}?subject="
        self._id_hash = hashlib.sha256(f"{plan_id}\x1f".encode("utf-8"))
        self._id_suffix = f".vivier@{config.domain}>"

    def links(self, member_id: str) -> tuple[str, str, str]:
        """(one-click unsubscribe URL, preferences URL, unsubscribe token) for a member."""
        slug = self.compiled.slug
        token = self.signer.make("unsubscribe", member_id, slug)
        prefs = self.signer.make("preferences", member_id, slug)
        return (f"{self._unsubscribe_base}{token}", f"{self._preferences_base}{prefs}", token)

    def _date(self, when: dt.datetime) -> bytes:
        if when.tzinfo is None:
            raise ValueError("the Date of a message must be time-zone aware")
        if self._date_cache[0] != when:
            self._date_cache = (when, f"Date: {format_datetime(when)}\r\n".encode("ascii"))
        return self._date_cache[1]

    def _message_id(self, member_id: str) -> str:
        """`message_id(plan_id, member_id, domain)`, the plan's part of the hash computed once."""
        digest = self._id_hash.copy()
        digest.update(member_id.encode("utf-8"))
        return f"<{digest.hexdigest()[:32]}{self._id_suffix}"

    def compose(self, member, matches: list[Match], when: dt.datetime, extra: dict[str, str] | None = None) -> tuple[str, bytes]:
        """(Message-ID, message bytes) for one member; AddressError for an unusable address.

        `extra` adds the member's other values (`answer_url`); a variant using one not given raises KeyError."""
        member_id = str(member.id)
        first_name = getattr(member, "first_name", "")
        to = format_address(f"{first_name} {getattr(member, 'last_name', '')}", member.email)
        slug = self.compiled.slug
        token = self.signer.make("unsubscribe", member_id, slug)
        prefs = self.signer.make("preferences", member_id, slug)
        unsubscribe = f"{self._unsubscribe_base}{token}"
        preferences = f"{self._preferences_base}{prefs}"
        plain = _UNQUOTED.fullmatch(token) is not None
        subject = f"unsubscribe%20{token}" if plain else quote("unsubscribe " + token)
        # A link is the same HTML-escaped when neither its base nor its token has anything to escape.
        escape_links = self._escape_links or not plain or _UNQUOTED.fullmatch(prefs) is None
        mid = self._message_id(member_id)
        date = self._date(when)
        head = (
            f"To: {to}\r\nMessage-ID: {mid}\r\n"
            f"List-Unsubscribe: <{unsubscribe}>,\r\n <{self._mailto}{subject}>\r\n"
        ).encode("utf-8")
        # Only the values the parts use are encoded.
        mine = member_values(self.compiled, member, matches, unsubscribe, preferences, self._index)
        raw, items = mine.values, mine.matches
        if extra:
            raw = {**raw, **extra}
        ops, slots = self._programs[1 if items else 0]
        encoded = []
        links: dict[str, bytes] = {}
        for is_html, name in slots:
            value = raw[name]
            if name in _LINKS:
                if is_html and (escape_links or name == "answer_url"):
                    value = html.escape(value, quote=True)
                piece = links.get(value)
                if piece is None:
                    piece = links[value] = qp(value)
                encoded.append(piece)
            else:
                encoded.append(_memo_qp_html(value) if is_html else _memo_qp(value))
        out = [self.fixed_headers, date, head]
        append = out.append
        for op in ops:
            kind = op.__class__
            if kind is bytes:
                append(op)
            elif kind is int:
                append(encoded[op])
            elif kind is str:
                raise KeyError(op)
            else:
                entries, memo = op.entries, (_memo_qp_html if op.is_html else _memo_qp)
                for position, why in items:
                    why = memo(why)
                    entry = entries[position]
                    if entry.__class__ is list:
                        entry = op.encode(position)
                    for piece in entry:
                        if piece.__class__ is bytes:
                            append(piece)
                        elif piece == _REASON:
                            append(why)
                        elif piece.__class__ is str:
                            raise KeyError(piece)
                        else:
                            append(encoded[piece])
        return mid, b"".join(out)


def compose_message(compiled: CompiledVariant, member, matches: list[Match], *, config: MailConfig,
                    signer: Signer, plan_id: str, when: dt.datetime) -> tuple[str, bytes]:
    """One complete message for one member (convenience; reuse a `Composer` for bulk)."""
    return Composer(compiled, config, signer, plan_id).compose(member, matches, when)
