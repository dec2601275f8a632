"""Drive a send: for each planned message, check the ledger, pace, transmit, retry, record.

Fed by any iterable of `Outgoing` (member id, Message-ID, bytes), `Skip` or
`Lazy` items (composed only when the ledger says the member still needs the
message), so newsletters, invitations and sequences share one sender.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import getaddresses

from .ledger import DEFERRED, FAILED, FINAL, SENT, SKIPPED, Ledger
from .ratelimit import RateLimiter, backoff_delays
from .smtp import TransportError

log = logging.getLogger(__name__)

# After this many messages in a row lost to connection trouble, the server is
# unreachable: stop, and let a re-run carry on where this one stopped.
MAX_CONNECTION_FAILURES = 3
_ADDRESS = re.compile(r"[^@\s<>\x00-\x1f\x7f]+@[^@\s<>\x00-\x1f\x7f]+")


@dataclass
class Outgoing:
    """A composed message for one member: one recipient, a deterministic Message-ID."""

    member_id: str
    message_id: str
    data: bytes
    recipient: str | None = None  # None: read from the To header
    kind: str | None = None  # None: the send's kind


@dataclass
class Skip:
    """A planned member who must not receive the message now, and why."""

    member_id: str
    reason: str


@dataclass
class Lazy:
    """A message composed only if the ledger says it is still due."""

    member_id: str
    build: Callable[[], Outgoing | Skip]


@dataclass
class Summary:
    """What one run did: the counts the CLI prints at the end."""

    sent: int = 0
    deferred: int = 0
    failed: int = 0
    skipped: Counter = field(default_factory=Counter)
    already: Counter = field(default_factory=Counter)  # final in the ledger before this run
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (member, status, detail)
    aborted: str = ""
    seconds: float = 0.0

    @property
    def handled(self) -> int:
        return self.sent + self.deferred + self.failed + sum(self.skipped.values()) + sum(self.already.values())

    @property
    def ok(self) -> bool:
        """True when nothing is left to do: no deferral, no abort."""
        return not self.deferred and not self.aborted


def _header_block(data: bytes) -> bytes:
    end = data.find(b"\r\n\r\n")
    if end < 0:
        end = data.find(b"\n\n")
    return data if end < 0 else data[:end]


def header_address(data: bytes, name: str) -> str | None:
    """The bare address of a From/To header of composed message bytes (unfolded, decoded)."""
    wanted = name.lower().encode("ascii") + b":"
    lines = _header_block(data).replace(b"\r\n", b"\n").split(b"\n")
    for index, line in enumerate(lines):
        if line[: len(wanted)].lower() == wanted:
            value = line[len(wanted):]
            for follow in lines[index + 1:]:
                if follow[:1] in (b" ", b"\t"):
                    value += follow
                else:
                    break
            addresses = getaddresses([value.decode("utf-8", "replace")])
            return addresses[0][1] if addresses and addresses[0][1] else None
    return None


def valid_address(address: str | None) -> bool:
    """One plain address, no spaces or control characters (nothing to inject into RCPT TO)."""
    return bool(address) and _ADDRESS.fullmatch(address) is not None


class Sender:
    """Sends a stream of planned messages through a transport, recording each in the ledger."""

    def __init__(
        self,
        transport,
        ledger: Ledger,
        *,
        kind: str,
        limiter: RateLimiter,
        retries: int = 3,
        backoff: float = 2.0,
        backoff_max: float = 60.0,
        envelope_from: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_result: Callable[[str, str, str], None] | None = None,
    ):
        self.transport = transport
        self.ledger = ledger
        self.kind = kind
        self.limiter = limiter
        self.delays = backoff_delays(retries, backoff, backoff_max)
        self.envelope_from = envelope_from
        self.sleep = sleep
        self.on_result = on_result or (lambda member_id, status, detail: None)
        self.summary = Summary()

    def _report(self, member_id: str, status: str, detail: str = "") -> None:
        if status in (FAILED, DEFERRED):
            self.summary.problems.append((member_id, status, detail))
        self.on_result(member_id, status, detail)

    def run(self, items: Iterable) -> Summary:
        """Send every item (constant memory); returns the summary, also kept on `self.summary`."""
        started = time.monotonic()
        lost_in_a_row = 0
        try:
            for item in items:
                if isinstance(item, tuple):
                    item = Outgoing(*item)
                previous = self.ledger.status(item.member_id)
                if previous in FINAL:
                    self.summary.already[previous] += 1
                    self.on_result(item.member_id, "already", previous)
                    continue
                if isinstance(item, Lazy):
                    item = item.build()
                if isinstance(item, Skip):
                    self.ledger.skipped(item.member_id, item.reason)
                    self.summary.skipped[item.reason] += 1
                    self._report(item.member_id, SKIPPED, item.reason)
                    continue
                status, detail, lost = self._deliver(item)
                lost_in_a_row = lost_in_a_row + 1 if lost else 0
                if lost_in_a_row >= MAX_CONNECTION_FAILURES:
                    self.summary.aborted = f"the SMTP server could not be reached {lost_in_a_row} times in a row ({detail})"
                    log.error("stopping the send: %s", self.summary.aborted)
                    break
        except TransportError as exc:
            self.summary.aborted = str(exc)
            log.error("stopping the send: %s", exc)
        finally:
            self.summary.seconds = time.monotonic() - started
        return self.summary

    def _deliver(self, item: Outgoing) -> tuple[str, str, bool]:
        """Send one message with bounded retries; returns (status, detail, lost to connection trouble)."""
        recipient = item.recipient or header_address(item.data, "To")
        sender = self.envelope_from or header_address(item.data, "From")
        if not valid_address(recipient) or not valid_address(sender):
            which = "recipient" if not valid_address(recipient) else "sender"
            detail = f"invalid {which} address {recipient if which == 'recipient' else sender!r}"
            self.ledger.failed(item.member_id, detail)
            self.summary.failed += 1
            self._report(item.member_id, FAILED, detail)
            return FAILED, detail, False
        result = None
        for attempt in range(len(self.delays) + 1):
            if attempt:
                self.sleep(self.delays[attempt - 1])
            self.limiter.wait()
            self.ledger.begin(item.member_id, item.message_id)
            result = self.transport.send(sender, recipient, item.data)
            if result.accepted:
                self.ledger.sent(item.member_id, kind=item.kind or self.kind)
                self.summary.sent += 1
                self._report(item.member_id, SENT)
                return SENT, "", False
            if result.outcome == "permanent":
                self.ledger.failed(item.member_id, result.describe())
                self.summary.failed += 1
                self._report(item.member_id, FAILED, result.describe())
                return FAILED, result.describe(), False
            log.info("temporary failure for %s (attempt %d): %s", item.member_id, attempt + 1, result.describe())
        self.ledger.deferred(item.member_id, result.describe())
        self.summary.deferred += 1
        self._report(item.member_id, DEFERRED, result.describe())
        return DEFERRED, result.describe(), result.connection_lost
