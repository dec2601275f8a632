"""Drive a send: for each planned message, check the ledger, pace, claim, transmit, record.

Fed by any iterable of `Outgoing` (member id, Message-ID, bytes), `Skip` or
`Lazy` items (composed only when the ledger says the member still needs the
message), so newsletters, invitations and sequences share one sender.

A refusal of one recipient marks that member (`failed`, and a bounce record);
a temporary refusal puts the member in a retry queue with backoff while the
rest of the plan flows; anything about the send itself (`TransportError`)
stops it, leaving everyone not yet delivered pending. With several
connections, the plan is read and composed here and worker threads, each with
its own connection and store connection, run the SMTP transactions; the
claims keep each member to one delivery.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import getaddresses

from . import bounces, smtp
from .ledger import BUSY, DEFERRED, FAILED, SENT, SKIPPED, UNKNOWN, Ledger
from .ratelimit import DomainRates, RateLimiter, backoff_delays
from .smtp import TransportError
from .workers import run_parallel

log = logging.getLogger(__name__)

# A relay that defers or refuses this many recipients in a row is refusing the
# send, not the recipients: stop (a re-run, or --retry-failed, carries on).
MAX_DEFERRALS_IN_A_ROW = 20
MAX_REFUSALS_IN_A_ROW = 10
_ADDRESS = re.compile(r"[^@\s<>\x00-\x1f\x7f]+@[^@\s<>\x00-\x1f\x7f]+")


@dataclass
class Outgoing:
    """A composed message for one member: one recipient, a deterministic Message-ID."""

    member_id: str
    message_id: str
    data: bytes
    recipient: str | None = None  # None: read from the To header
    kind: str | None = None  # None: the send's kind
    # Why the member may no longer receive it (None: they may), asked again inside the claim's
    # transaction through the claiming connection's store.
    recheck: Callable[[object], str | None] | None = None


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
    deferred: int = 0  # still deferred after this run's retries
    failed: int = 0
    unknown: int = 0  # no answer after the end of the message, in this run
    busy: int = 0  # claimed by another sender at the time
    retried: int = 0  # deferrals retried in this run
    skipped: Counter = field(default_factory=Counter)
    already: Counter = field(default_factory=Counter)  # final in the ledger before this run
    suppressed: Counter = field(default_factory=Counter)  # addresses put on the suppression list now, by reason
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (member, status, detail)
    aborted: str = ""
    temporary: bool = False  # the stop may be cured by waiting (421, 4xx, connection)
    retry_at: float | None = None  # epoch seconds after which deferred members may be retried
    seconds: float = 0.0

    @property
    def handled(self) -> int:
        return (self.sent + self.deferred + self.failed + self.unknown + self.busy + sum(self.skipped.values())
                + sum(self.already.values()))

    @property
    def ok(self) -> bool:
        """True when nothing is left to do: no deferral, no abort, nobody busy elsewhere."""
        return not self.deferred and not self.aborted and not self.busy


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


@dataclass
class _Job:
    """A message ready to go, with what it came from (rebuilt when retried) and its tries so far."""

    original: object
    message: Outgoing
    tries: int = 0


@dataclass
class Channel:
    """What one connection sends with: its transport and its own ledger (its own store connection)."""

    transport: object
    ledger: Ledger


class Sender:
    """Sends a stream of planned messages through one or more connections, recording each in the ledger."""

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
        verp: bool = False,
        soft_bounce_limit: int = 3,
        dkim: Callable[[bytes], bytes] | None = None,
        domain_rate: float | None = None,
        connections: int = 1,
        open_channel: Callable | None = None,
    ):
        self.transport = transport
        self.ledger = ledger
        self.kind = kind
        self.limiter = limiter
        self.domains = DomainRates(domain_rate) if domain_rate else None
        self.retries = retries
        self.delays = backoff_delays(retries + 1, backoff, backoff_max)  # the last one: when a re-run may retry
        self.envelope_from = envelope_from
        self.verp = verp and bool(envelope_from)
        self.soft_bounce_limit = soft_bounce_limit
        self.dkim = dkim
        self.sleep = sleep
        self.connections = connections
        self.open_channel = open_channel
        if connections > 1 and open_channel is None:
            raise ValueError("several connections need open_channel (a transport and a ledger per connection)")
        self.on_result = on_result or (lambda member_id, status, detail: None)
        self.summary = Summary()
        self.lock = threading.RLock()
        self._retries: list = []  # heap of (due, seq, job)
        self._seq = itertools.count()
        self._deferred_in_a_row = 0
        self._refused_in_a_row = 0

    # --- bookkeeping (thread-safe) -----------------------------------------------------

    def _report(self, member_id: str, status: str, detail: str = "") -> None:
        with self.lock:
            if status in (FAILED, DEFERRED, UNKNOWN):
                self.summary.problems.append((member_id, status, detail))
            self.on_result(member_id, status, detail)

    def _count(self, name: str, key: str | None = None) -> None:
        with self.lock:
            if key is None:
                setattr(self.summary, name, getattr(self.summary, name) + 1)
            else:
                getattr(self.summary, name)[key] += 1

    # --- the run -----------------------------------------------------------------------

    def run(self, items: Iterable) -> Summary:
        """Send every item (constant memory); returns the summary, also kept on `self.summary`."""
        started = time.monotonic()
        try:
            if self.connections > 1:
                run_parallel(self, items)
            else:
                self._run_inline(items)
        except TransportError as exc:
            self.summary.aborted, self.summary.temporary = str(exc), exc.temporary
            log.error("stopping the send: %s", exc)
        finally:
            self.summary.seconds = time.monotonic() - started
        return self.summary

    def _run_inline(self, items: Iterable) -> None:
        channel = Channel(self.transport, self.ledger)
        for item in items:
            job = self.prepare(item)
            if job is not None:
                self.deliver(job, channel)
            while (job := self.next_retry(wait=False)) is not None:
                self.retry_job(job, lambda ready: self.deliver(ready, channel))
        while (job := self.next_retry(wait=True)) is not None:
            self.retry_job(job, lambda ready: self.deliver(ready, channel))

    def retry_due_at(self) -> float | None:
        """When the first queued retry is due (`time.monotonic()` seconds), or None when none is queued."""
        with self.lock:
            return self._retries[0][0] if self._retries else None

    def next_retry(self, wait: bool):
        """The first queued retry that is due (waiting for it when `wait`), or None."""
        with self.lock:
            if not self._retries:
                return None
            due = self._retries[0][0] - time.monotonic()
            if due > 0 and not wait:
                return None
        if due > 0:
            self.sleep(due)
        with self.lock:
            return heapq.heappop(self._retries)[2] if self._retries else None

    def retry_job(self, job: _Job, deliver: Callable[[_Job], None]) -> None:
        """Decide again (the ledger, the member's choices may have changed) and send a deferred message."""
        self._count("retried")
        ready = self.prepare(job.original, job.tries)
        if ready is not None:
            deliver(ready)

    # --- one member --------------------------------------------------------------------

    def prepare(self, item, tries: int = 0) -> _Job | None:
        """Check the ledger, compose, check the addresses and the suppression list; a job to send, or None if done."""
        if isinstance(item, tuple):
            item = Outgoing(*item)
        due, status = self.ledger.due(item.member_id)
        if not due:
            if status == BUSY:
                self._count("busy")
                self._report(item.member_id, BUSY, "claimed by another sender")
            elif status == UNKNOWN and item.member_id in self.ledger.reaped:
                self._count("unknown")
                self._report(item.member_id, UNKNOWN, "interrupted during an earlier send: the relay may have it")
            else:
                self._count("already", status)
                self.on_result(item.member_id, "already", status)
            return None
        original = item
        if isinstance(item, Lazy):
            item = item.build()
        if isinstance(item, Skip):
            self._skip(item.member_id, item.reason)
            return None
        recipient = item.recipient or header_address(item.data, "To")
        sender = self.envelope_from or header_address(item.data, "From")
        if not valid_address(recipient) or not valid_address(sender):
            which = "recipient" if not valid_address(recipient) else "sender"
            detail = f"invalid {which} address {recipient if which == 'recipient' else sender!r}"
            self.ledger.failed(item.member_id, detail)
            self._count("failed")
            self._report(item.member_id, FAILED, detail)
            return None
        entry = bounces.suppressed(self.ledger.store, recipient)
        if entry is not None:
            self._skip(item.member_id, entry["reason"])
            return None
        item.recipient = recipient
        return _Job(original, item, tries)

    def _skip(self, member_id: str, reason: str, ledger: Ledger | None = None) -> None:
        (ledger or self.ledger).skipped(member_id, reason)
        self._count("skipped", reason)
        self._report(member_id, SKIPPED, reason)

    def _envelope(self, item: Outgoing) -> str:
        sender = self.envelope_from or header_address(item.data, "From")
        return bounces.verp_address(sender, item.member_id, self.ledger.plan_id) if self.verp else sender

    def deliver(self, job: _Job, channel: Channel) -> None:
        """One SMTP transaction, the claim taken just before DATA, the outcome recorded by `channel`'s ledger."""
        item, ledger = job.message, channel.ledger
        self.limiter.wait()
        if self.domains is not None:
            self.domains.wait(item.recipient.rpartition("@")[2].lower())
        data = self.dkim(item.data) if self.dkim else item.data
        claimed, refused = [False], [None]

        def still_allowed(store) -> bool:
            refused[0] = item.recheck(store)
            return refused[0] is None

        def claim() -> bool:
            claimed[0] = ledger.claim(item.member_id, item.message_id, still_allowed if item.recheck else None)
            return claimed[0]

        try:
            result = channel.transport.send(self._envelope(item), item.recipient, data, claim)
        except TransportError as exc:
            if claimed[0]:
                ledger.release(item.member_id, str(exc))
            raise
        if refused[0]:  # unsubscribed, erased, paused… since it was composed: nothing was handed over
            self._skip(item.member_id, refused[0], ledger)
            return
        self._record(job, result, ledger)

    def _record(self, job: _Job, result, ledger: Ledger) -> None:
        item, outcome = job.message, result.outcome
        with self.lock:
            self._deferred_in_a_row = self._deferred_in_a_row + 1 if outcome == smtp.DEFERRED else 0
            self._refused_in_a_row = self._refused_in_a_row + 1 if outcome == smtp.REFUSED else 0
            deferred_run, refused_run = self._deferred_in_a_row, self._refused_in_a_row
        if outcome == smtp.ACCEPTED:
            ledger.sent(item.member_id, kind=item.kind or self.kind)
            self._count("sent")
            self._report(item.member_id, SENT)
        elif outcome == smtp.BUSY:
            self._count("busy")
            self._report(item.member_id, BUSY, result.detail)
        elif outcome == smtp.UNKNOWN:
            ledger.unknown(item.member_id, result.describe())
            self._count("unknown")
            self._report(item.member_id, UNKNOWN, result.describe())
        elif outcome == smtp.REFUSED:
            ledger.failed(item.member_id, result.describe())
            self._count("failed")
            self._report(item.member_id, FAILED, result.describe())
            self._bounce(item, result, ledger)
            if refused_run >= MAX_REFUSALS_IN_A_ROW:
                raise TransportError(f"the relay refused {refused_run} recipients in a row (last: {result.describe()}); "
                                     "if the relay is at fault, fix it and run again with --retry-failed")
        else:
            self._defer(job, result, ledger)
            if deferred_run >= MAX_DEFERRALS_IN_A_ROW:
                raise TransportError(f"the relay deferred {deferred_run} recipients in a row (last: {result.describe()}); "
                                     "run the same command again later", temporary=True)

    def _defer(self, job: _Job, result, ledger: Ledger) -> None:
        """Queue a retry after the next backoff delay; after the last one, leave it to a re-run."""
        item, delay = job.message, self.delays[min(job.tries, len(self.delays) - 1)]
        ledger.deferred(item.member_id, result.describe(), retry_after=time.time() + delay)
        if job.tries < self.retries:
            log.info("temporary refusal for %s (try %d): %s", item.member_id, job.tries + 1, result.describe())
            with self.lock:
                heapq.heappush(self._retries, (time.monotonic() + delay, next(self._seq),
                                               _Job(job.original, item if not isinstance(job.original, Lazy) else None,
                                                    job.tries + 1)))
            self.on_result(item.member_id, "retrying", result.describe())
            return
        with self.lock:
            self.summary.deferred += 1
            self.summary.retry_at = max(self.summary.retry_at or 0.0, time.time() + delay)
        self._report(item.member_id, DEFERRED, result.describe())

    def _bounce(self, item: Outgoing, result, ledger: Ledger) -> None:
        """A refusal at send time is a bounce too: hard ones suppress the address at once."""
        enhanced = ".".join(map(str, result.enhanced)) if result.enhanced else str(result.code or "")
        reason = bounces.record(
            ledger.store, member_id=item.member_id, email=item.recipient, plan_id=ledger.plan_id,
            type=bounces.HARD if result.hard else bounces.SOFT, status=enhanced, detail=result.describe(),
            at=ledger.now().date(), soft_limit=self.soft_bounce_limit,
        )
        if reason:
            self._count("suppressed", reason)
