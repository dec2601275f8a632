"""Count replies to a plan from an mbox file or a Maildir folder of the reply-to mailbox.

Each plan's messages carry a reply-to address tagged with the plan id
(`MAILING_REPLY_TO = "carrieres+r-{plan}@…"`), so a reply names its plan
without any tracking. Delivery reports (RFC 3464), complaint reports
(RFC 5965) and automatic answers (RFC 3834 `Auto-Submitted`, vacation
messages) are not replies and are left out. A reply is counted once per
Message-ID, so importing the same mailbox twice counts nothing twice; a
reply from a member is also their action ("last contact") for retention.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
import hashlib
import logging
import mailbox
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import queries

log = logging.getLogger(__name__)

_RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc", "Envelope-To")


class RepliesError(ValueError):
    """The source or the setting cannot be read; the message says what to do."""


@dataclass
class ReplyCount:
    """What one import found."""

    counted: dict[str, int] = field(default_factory=dict)  # plan id -> new replies
    already: int = 0
    automatic: int = 0  # bounces, complaints, auto-replies
    untagged: int = 0  # no plan tag in the recipient address

    def summary(self) -> str:
        total = sum(self.counted.values())
        return (f"{total} new repl{'y' if total == 1 else 'ies'} in {len(self.counted)} plan(s), {self.already} already counted, "
                f"{self.automatic} automatic (bounces, complaints, auto-replies) left out, {self.untagged} without a plan tag")


def tag_pattern(reply_to: str) -> re.Pattern:
    """The regular expression that finds the plan id in a recipient address, from MAILING_REPLY_TO."""
    if "{plan}" not in (reply_to or ""):
        raise RepliesError("MAILING_REPLY_TO must contain {plan} (e.g. carrieres+r-{plan}@cardamome.example) "
                           f"for replies to be matched to their plan; it is {reply_to!r}")
    before, after = reply_to.split("{plan}", 1)
    return re.compile(re.escape(before) + r"(?P<plan>[A-Za-z0-9._-]+?)" + re.escape(after), re.IGNORECASE)


def open_mailbox(source: Path):
    """An mbox file or a Maildir folder (with cur/ new/ tmp/)."""
    if source.is_dir():
        if not all((source / sub).is_dir() for sub in ("cur", "new")):
            raise RepliesError(f"{source}: a folder must be a Maildir (with cur/ and new/ inside)")
        return mailbox.Maildir(source, factory=None, create=False)
    if source.is_file():
        return mailbox.mbox(source, create=False)
    raise RepliesError(f"{source}: no such mbox file or Maildir folder")


def is_automatic(message) -> bool:
    """True for delivery/complaint reports and automatic answers (never counted as replies)."""
    if message.get_content_type() == "multipart/report":
        return True
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return True
    if str(message.get("Precedence", "")).strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    sender = email.utils.parseaddr(str(message.get("From", "")))[1].lower()
    return not sender or sender.split("@")[0] in ("mailer-daemon", "postmaster")


def plan_of(message, pattern: re.Pattern) -> str | None:
    for header in _RECIPIENT_HEADERS:
        for value in message.get_all(header) or ():
            for _name, address in email.utils.getaddresses([str(value)]):
                found = pattern.fullmatch(address.strip())
                if found:
                    return found.group("plan")
    return None


def _when(message, fallback: dt.datetime) -> dt.datetime:
    try:
        when = email.utils.parsedate_to_datetime(str(message.get("Date", "")))
    except (TypeError, ValueError):
        return fallback
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def import_replies(store, source: Path, reply_to: str, now: dt.datetime) -> ReplyCount:
    """Count the replies of a mailbox in the store; returns what was found."""
    pattern = tag_pattern(reply_to)
    box = open_mailbox(Path(source))
    result = ReplyCount()
    try:
        for raw in box:
            message = email.message_from_bytes(bytes(raw), policy=email.policy.default)
            if is_automatic(message):
                result.automatic += 1
                continue
            plan_id = plan_of(message, pattern)
            if not plan_id:
                result.untagged += 1
                continue
            identity = str(message.get("Message-ID", "")).strip() or bytes(raw).decode("utf-8", "replace")
            key = hashlib.sha256(identity.encode("utf-8")).hexdigest()
            sender = email.utils.parseaddr(str(message.get("From", "")))[1]
            member = store.find_by_email(sender)
            at = _when(message, now)
            if queries.record_reply(store, plan_id, key, member.id if member else "", at):
                result.counted[plan_id] = result.counted.get(plan_id, 0) + 1
                if member is not None:
                    store.record_contact(member.id, at)
            else:
                result.already += 1
    finally:
        box.close()
    log.info("%s: %s", source, result.summary())
    return result
