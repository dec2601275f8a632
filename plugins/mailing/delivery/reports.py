"""Read bounce and complaint reports from a mailbox and apply them: `vivier bounces import SOURCE`.

Delivery status notifications are `multipart/report; report-type=delivery-status`
(RFC 3464): one `message/delivery-status` part with a block per recipient
(`Action`, `Final-Recipient`, `Status`, `Diagnostic-Code`) and the original
message or its headers. Complaints from feedback loops are
`multipart/report; report-type=feedback-report` (ARF, RFC 5965), with a
`message/feedback-report` part and the original. The stdlib `email` package
parses both structures; what matters is matching each report to a member and
a plan without guessing, in this order: the VERP envelope the report was sent
to (`MAILING_VERP`), the original Message-ID found in the ledger, then the
recipient address found in the store. `Action: delayed` is a warning, not a
bounce, and is ignored.

Sources: an mbox file, a Maildir folder, one `.eml` file, or an IMAP mailbox
(`imaps://user@host[:port]/MAILBOX`, password from `VIVIER_IMAP_PASSWORD`),
read without changing it; importing the same reports twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import email
import email.parser
import email.policy
import logging
import mailbox
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import bounces

log = logging.getLogger(__name__)

ENV_IMAP_PASSWORD = "VIVIER_IMAP_PASSWORD"
_ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")


class SourceError(ValueError):
    """The source cannot be read at all; the message says which and why."""


@dataclass(frozen=True)
class Report:
    """One bounced recipient or one complaint, as found in a message."""

    type: str  # bounces.HARD, SOFT or COMPLAINT
    address: str
    status: str = ""
    detail: str = ""
    message_id: str = ""
    verp: tuple[str, str] | None = None


@dataclass
class ImportSummary:
    """What an import found and did; `problems` are (where, what)."""

    messages: int = 0
    reports: Counter = field(default_factory=Counter)  # by type
    suppressed: Counter = field(default_factory=Counter)  # new suppressions by reason
    unmatched: int = 0  # reports about no member (the address is still suppressed when hard or a complaint)
    ignored: int = 0  # messages that are not reports (replies, auto-replies, delays)
    problems: list[tuple[str, str]] = field(default_factory=list)


def _address(value: str) -> str:
    """The address of an RFC 3464 recipient field (`rfc822; someone@example.org`)."""
    value = str(value or "")
    if ";" in value:
        value = value.split(";", 1)[1]
    return value.strip().strip("<>").strip()


def _original_message_id(report: Message) -> str:
    for part in report.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            inner = part.get_payload(0) if part.is_multipart() else None
            if isinstance(inner, Message) and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip()
        elif ctype in ("text/rfc822-headers", "text/global-headers"):
            headers = email.parser.HeaderParser().parsestr(part.get_payload(decode=True).decode("utf-8", "replace"))
            if headers.get("Message-ID"):
                return str(headers["Message-ID"]).strip()
    return ""


def _verp(message: Message) -> tuple[str, str] | None:
    for name in _ENVELOPE_HEADERS:
        for value in message.get_all(name) or []:
            for _, addr in getaddresses([str(value)]):
                found = bounces.parse_verp(addr)
                if found:
                    return found
    return None


def _fields(part: Message) -> list[Message]:
    """The header blocks of a `message/delivery-status` or `message/feedback-report` part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    text = payload if isinstance(payload, str) else ""
    return [email.parser.HeaderParser().parsestr(block) for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]


def parse(message: Message) -> list[Report]:
    """The reports a message carries (none for anything that is not a DSN failure or an ARF complaint)."""
    if message.get_content_type() != "multipart/report":
        return []
    kind = (message.get_param("report-type") or "").lower()
    message_id, verp = _original_message_id(message), _verp(message)
    found = []
    for part in message.walk():
        ctype = part.get_content_type()
        if kind == "delivery-status" and ctype in ("message/delivery-status", "message/global-delivery-status"):
            for block in _fields(part)[1:]:  # the first block is about the message, the others one recipient each
                action = str(block.get("Action", "")).strip().lower()
                if action != "failed":
                    continue
                status = str(block.get("Status", "")).strip()
                recipient = _address(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
                found.append(Report(bounces.kind_of(status, action), recipient, status,
                                    " ".join(str(block.get("Diagnostic-Code", "")).split()), message_id, verp))
        elif kind == "feedback-report" and ctype == "message/feedback-report":
            fields = _fields(part)[0] if _fields(part) else Message()
            feedback = str(fields.get("Feedback-Type", "abuse")).strip().lower()
            recipient = _address(fields.get("Original-Rcpt-To") or "")
            if not recipient:  # some feedback loops redact it; the original's To may remain
                recipient = _original_to(message)
            found.append(Report(bounces.COMPLAINT, recipient, feedback, f"feedback-type {feedback}", message_id, verp))
    return found


def _original_to(report: Message) -> str:
    for part in report.walk():
        if part.get_content_type() == "message/rfc822" and part.is_multipart():
            inner = part.get_payload(0)
            addresses = getaddresses([str(inner.get("To", ""))])
            if addresses and addresses[0][1]:
                return addresses[0][1]
    return ""


# --- sources ---------------------------------------------------------------------------------------


def _from_bytes(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=email.policy.compat32)


def read_source(source: str) -> Iterator[tuple[str, Message]]:
    """(where, message) for each message of an mbox file, a Maildir folder, an .eml file or an IMAP URL."""
    if source.startswith(("imap://", "imaps://")):
        yield from _imap(source)
        return
    path = Path(source).expanduser()
    if path.is_dir():
        if not all((path / sub).is_dir() for sub in ("cur", "new")):
            raise SourceError(f"{path}: a folder, but not a Maildir (no cur/ and new/ inside)")
        box = mailbox.Maildir(str(path), factory=None, create=False)
        for key in sorted(box.keys()):
            yield f"{path}/{key}", _from_bytes(box.get_bytes(key))
        return
    if not path.is_file():
        raise SourceError(f"{source}: no such file or folder (give an mbox file, a Maildir folder, an .eml file or imaps://user@host/INBOX)")
    with path.open("rb") as handle:
        first = handle.readline()
    if not first.startswith(b"From "):  # one message, not an mbox
        yield str(path), _from_bytes(path.read_bytes())
        return
    box = mailbox.mbox(str(path), factory=None, create=False)
    for index, key in enumerate(box.keys(), start=1):
        yield f"{path}#{index}", _from_bytes(box.get_bytes(key))


def _imap(url: str) -> Iterator[tuple[str, Message]]:
    import imaplib

    parts = urlsplit(url)
    user, host = unquote(parts.username or ""), parts.hostname or ""
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    password = os.environ.get(ENV_IMAP_PASSWORD)
    if not user or not host:
        raise SourceError(f"{url}: write it as imaps://user@host/INBOX")
    if not password:
        raise SourceError(f"{url}: set {ENV_IMAP_PASSWORD} to the mailbox's password")
    if parts.scheme == "imap" and host not in ("127.0.0.1", "localhost", "::1"):
        raise SourceError(f"{url}: plain imap:// would send the password in clear; use imaps://")
    try:
        client = (imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4)(host, parts.port or (993 if parts.scheme == "imaps" else 143))
    except OSError as exc:
        raise SourceError(f"{url}: cannot connect ({exc})") from exc
    try:
        try:
            client.login(user, password)
        except imaplib.IMAP4.error as exc:
            raise SourceError(f"{url}: the server refused the login of {user} ({exc})") from exc
        status, _ = client.select(folder, readonly=True)
        if status != "OK":
            raise SourceError(f"{url}: no mailbox {folder!r}")
        _, data = client.search(None, "ALL")
        for number in (data[0] or b"").split():
            _, fetched = client.fetch(number, "(BODY.PEEK[])")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw is not None:
                yield f"{url}#{number.decode()}", _from_bytes(raw)
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


# --- applying ----------------------------------------------------------------------------------------


def _match(store, report: Report) -> tuple[str | None, str, str]:
    """(member id or None, plan id or '', address to suppress) of a report."""
    with store.transaction() as conn:
        if report.verp is not None:
            member_id, tag = report.verp
            plan_id = bounces.plan_for_tag(store, tag) or ""
            member = store.get(member_id)
            if member is not None:
                return member.id, plan_id, member.email
        if report.message_id:
            row = conn.execute("SELECT member_id, plan_id FROM deliveries WHERE message_id = :message_id LIMIT 1",
                               {"message_id": report.message_id}).first()
            member = store.get(row[0]) if row else None
            if member is not None:
                return member.id, row[1], member.email
    member = store.find_by_email(report.address) if report.address else None
    return (member.id, "", member.email) if member else (None, "", report.address)


def apply(store, source: str, today: dt.date, *, soft_limit: int, dry_run: bool = False) -> ImportSummary:
    """Read every message of `source` and record its bounces and complaints (nothing written on a dry run)."""
    summary = ImportSummary()
    for where, message in read_source(source):
        summary.messages += 1
        try:
            found = parse(message)
        except Exception as exc:  # noqa: BLE001 - a malformed message must not stop the others
            summary.problems.append((where, f"cannot be read as a report ({exc})"))
            continue
        if not found:
            summary.ignored += 1
            continue
        for report in found:
            summary.reports[report.type] += 1
            member_id, plan_id, address = _match(store, report)
            if member_id is None:
                summary.unmatched += 1
                if not address or report.type == bounces.SOFT:
                    summary.problems.append((where, f"{report.type} bounce for {report.address or 'a redacted address'}: "
                                                    "no member, no known Message-ID"))
                    continue
            if dry_run:
                continue
            reason = bounces.record(store, member_id=member_id, email=address, plan_id=plan_id, type=report.type,
                                    status=report.status, detail=report.detail, at=today, soft_limit=soft_limit)
            if reason:
                summary.suppressed[reason] += 1
    return summary
