"""The send ledger: one row per (plan, member) in the talent-pool store, and the claims that make a send exactly-once.

A member's delivery is **claimed** (owner, lease, attempt) in a committed
transaction after the relay accepted the recipient and before DATA; only the
owner of a live claim may hand the message over, so a second `vivier send`
from any folder or machine sharing the store never sends to a claimed or sent
member. After the relay's answer to the end of the message the row becomes
`sent` (with the frequency-budget record, atomically), `failed`, `deferred`,
or `unknown` when no answer came. A claim whose owner died (same host, process
gone) or whose lease ran out is `unknown` too: the relay may have queued the
message, so it is not re-sent unless asked (`resend_unknown`, same Message-ID).

Commits are durable (SQLite's `synchronous = FULL`), so a power cut keeps them.
On PostgreSQL, claims run side by side: each takes its ledger row with
`SELECT … FOR UPDATE SKIP LOCKED` (a row another sender is claiming right now
is busy), while every other write waits for them (`Store.transaction(claim=True)`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

PENDING = "pending"  # released: nothing was handed over, a re-run sends it
CLAIMED = "claimed"  # a sender owns it and may be in DATA right now
SENT = "sent"
UNKNOWN = "unknown"  # the end of the message went out, no answer came back
DEFERRED = "deferred"
FAILED = "failed"
SKIPPED = "skipped"
STATUSES = (PENDING, CLAIMED, SENT, UNKNOWN, DEFERRED, FAILED, SKIPPED)
# A re-run does not send these again (failed and unknown only when asked).
FINAL = (SENT, FAILED, UNKNOWN)
BUSY = "busy"  # what `due` answers for a live claim of another sender

_COLUMNS = "plan_id, member_id, message_id, status, attempts, last_error, created, updated, owner, lease, retry_after"
_ROW = f"SELECT {_COLUMNS} FROM deliveries WHERE plan_id = :plan AND member_id = :member"


@cache
def _claim_row():
    """The claim's read of its row: FOR UPDATE SKIP LOCKED where the database locks rows (PostgreSQL),
    plain on SQLite, whose single writer already excludes any other claim; SQLAlchemy writes it for each.
    Built on first use: a site build imports this module without opening a store (nor SQLAlchemy)."""
    import sqlalchemy as sa

    deliveries = sa.table("deliveries", *(sa.column(name) for name in _COLUMNS.split(", ")))
    return (sa.select(*deliveries.c)
            .where(deliveries.c.plan_id == sa.bindparam("plan"), deliveries.c.member_id == sa.bindparam("member"))
            .with_for_update(skip_locked=True))

_HOST = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())  # also goes into SQL guards


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def new_owner() -> str:
    """Who claims: host, process id and a random part (two senders never share one)."""
    return f"{_HOST}:{os.getpid()}:{secrets.token_hex(4)}"


def owner_alive(owner: str) -> bool | None:
    """False when the owner was a process of this host that is gone; None when this host cannot tell."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != _HOST or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Entry:
    """One ledger row."""

    plan_id: str
    member_id: str
    message_id: str
    status: str
    attempts: int
    last_error: str
    created: str
    updated: str
    owner: str = ""
    lease: str = ""
    retry_after: str = ""


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).isoformat(timespec="seconds")


class Ledger:
    """The rows of one plan, seen by one sender (`owner`).

    `now` stamps rows (the CLI passes careers.dates.now); leases and retry
    times use the real clock (`clock`, seconds since the epoch), since they are
    compared between processes.
    """

    def __init__(self, store, plan_id: str, *, now: Callable[[], dt.datetime] = _utc_now, owner: str | None = None,
                 lease: float = 300.0, clock: Callable[[], float] = time.time, retry_failed: bool = False,
                 resend_unknown: bool = False, durable: bool = True):
        self.store = store
        self.plan_id = str(plan_id)
        self.now = now
        self.owner = owner or new_owner()
        self.lease = lease
        self.clock = clock
        self.retry_failed = retry_failed
        self.resend_unknown = resend_unknown
        self.reaped: set[str] = set()  # members whose stale claim this ledger turned `unknown`
        if durable:
            store.durable_commits()

    def _stamp(self) -> str:
        return self.now().isoformat(timespec="seconds")

    def _row(self, conn, member_id: str, sql=_ROW) -> Entry | None:
        row = conn.execute(sql, {"plan": self.plan_id, "member": member_id}).first()
        return Entry(*row) if row else None

    def get(self, member_id: str) -> Entry | None:
        with self.store.transaction() as conn:
            return self._row(conn, member_id)

    def status(self, member_id: str) -> str | None:
        entry = self.get(member_id)
        return entry.status if entry else None

    def is_final(self, member_id: str) -> bool:
        return self.status(member_id) in FINAL

    def stale(self, entry: Entry) -> bool:
        """A claim nobody will finish: its process is gone, or its lease ran out."""
        if entry.status != CLAIMED or entry.owner == self.owner:
            return False
        if owner_alive(entry.owner) is False:
            return True
        return not entry.lease or entry.lease < _iso(self.clock())

    def _blocking(self, conn, entry: Entry | None) -> str | None:
        """Why this sender must not send now (a status, or BUSY), or None; turns a stale claim into `unknown`."""
        if entry is None:
            return None
        status = entry.status
        if status == CLAIMED and entry.owner != self.owner:
            if not self.stale(entry):
                return BUSY
            self._set(conn, entry.member_id, UNKNOWN, error=f"interrupted during delivery (claimed by {entry.owner})")
            self.reaped.add(entry.member_id)
            status = UNKNOWN
        if status == SENT or (status == FAILED and not self.retry_failed) or (status == UNKNOWN and not self.resend_unknown):
            return status
        return None

    def due(self, member_id: str) -> tuple[bool, str | None]:
        """(True, status) when this sender should try the member now; else (False, why: a final status or BUSY)."""
        with self.store.transaction() as conn:
            entry = self._row(conn, member_id)
            why = self._blocking(conn, entry)
        return why is None, (why or (entry.status if entry else None))

    def claim(self, member_id: str, message_id: str, still_allowed: Callable[[object], bool] | None = None) -> bool:
        """Own the member's delivery before DATA (one committed transaction); False if another sender has it,
        it is done, or `still_allowed(store)`, asked inside the same transaction, says no: a write made before
        the claim (an unsubscribe from the web application) is seen, one made after it waits for the claim."""
        with self.store.transaction(claim=True) as conn:
            entry = self._row(conn, member_id, _claim_row())
            if entry is None and self._row(conn, member_id) is not None:
                return False  # another sender holds the row right now (skipped as locked): busy
            if self._blocking(conn, entry) is not None:
                return False
            if still_allowed is not None and not still_allowed(self.store):
                return False
            stamp = self._stamp()
            values = {"plan": self.plan_id, "member": member_id, "message_id": message_id, "status": CLAIMED,
                      "stamp": stamp, "owner": self.owner, "lease": _iso(self.clock() + self.lease)}
            if entry is None:  # a first claim: a sender inserting the same row at the same time makes this one lose
                return conn.execute(
                    f"""INSERT INTO deliveries({_COLUMNS})
                        VALUES (:plan, :member, :message_id, :status, 1, '', :stamp, :stamp, :owner, :lease, '')
                        ON CONFLICT DO NOTHING""", values).rowcount == 1
            conn.execute(
                """UPDATE deliveries SET status = :status, message_id = :message_id, attempts = attempts + 1,
                     updated = :stamp, owner = :owner, lease = :lease, retry_after = ''
                   WHERE plan_id = :plan AND member_id = :member""", values)
        return True

    def _set(self, conn, member_id: str, status: str, *, error: str = "", retry_after: str = "", guard: str = "") -> int:
        """Write a status (no owner, no lease); `guard` is an SQL condition on the existing row
        (one of the `_GUARDS`, whose `:owner`, `:claimed`, `:sent` parameters are always given)."""
        stamp = self._stamp()
        cursor = conn.execute(
            f"""INSERT INTO deliveries({_COLUMNS}) VALUES (:plan, :member, '', :status, 0, :error, :stamp, :stamp, '', '',
                  :retry_after)
                ON CONFLICT(plan_id, member_id) DO UPDATE SET status = excluded.status,
                  last_error = excluded.last_error, updated = excluded.updated, owner = '', lease = '',
                  retry_after = excluded.retry_after {('WHERE ' + guard) if guard else ''}""",
            {"plan": self.plan_id, "member": member_id, "status": status, "error": error[:500], "stamp": stamp,
             "retry_after": retry_after, "owner": self.owner, "claimed": CLAIMED, "sent": SENT},
        )
        return cursor.rowcount

    # Rows this sender may settle: its own claims, or unclaimed rows not yet sent.
    _MINE = "(deliveries.status != :claimed OR deliveries.owner = :owner) AND deliveries.status != :sent"

    def _settle(self, member_id: str, status: str, error: str = "", retry_after: str = "") -> None:
        with self.store.transaction() as conn:
            self._set(conn, member_id, status, error=error, retry_after=retry_after, guard=self._MINE)

    def sent(self, member_id: str, *, kind: str, at: dt.datetime | None = None) -> None:
        """The relay accepted the message: mark it sent and count it in the frequency budget, atomically."""
        with self.store.transaction() as conn:
            self._set(conn, member_id, SENT)
            self.store.record_message(member_id, kind, self.plan_id, at or self.now())

    def failed(self, member_id: str, error: str) -> None:
        """The relay refused this recipient for good: recorded, not retried unless asked (`retry_failed`)."""
        self._settle(member_id, FAILED, error)

    def deferred(self, member_id: str, error: str, retry_after: float | None = None) -> None:
        """A temporary refusal for this recipient: retried later in the run, then by a re-run after `retry_after`."""
        self._settle(member_id, DEFERRED, error, _iso(retry_after) if retry_after is not None else "")

    def unknown(self, member_id: str, error: str) -> None:
        """The end of the message went out and no answer came: the relay may have it."""
        self._settle(member_id, UNKNOWN, error)

    def release(self, member_id: str, error: str = "") -> None:
        """Give a claim back when nothing was handed over (the relay refused before or at the end of DATA)."""
        with self.store.transaction() as conn:
            self._set(conn, member_id, PENDING, error=error,
                      guard="deliveries.status = :claimed AND deliveries.owner = :owner")

    def abandon(self) -> int:
        """On interruption: every claim this sender still holds becomes `unknown` (it may have been in DATA)."""
        with self.store.transaction() as conn:
            cursor = conn.execute(
                "UPDATE deliveries SET status = :unknown, owner = '', lease = '', last_error = :error, updated = :stamp"
                " WHERE plan_id = :plan AND status = :claimed AND owner = :owner",
                {"unknown": UNKNOWN, "error": "interrupted during delivery", "stamp": self._stamp(),
                 "plan": self.plan_id, "claimed": CLAIMED, "owner": self.owner},
            )
            return cursor.rowcount

    def skipped(self, member_id: str, reason: str) -> None:
        """Not sent on purpose (unsubscribed, over budget, suppressed…); re-checked on the next run."""
        with self.store.transaction() as conn:
            self._set(conn, member_id, SKIPPED, error=reason,
                      guard=f"deliveries.status IN ('{PENDING}', '{SKIPPED}', '{DEFERRED}')")

    def counts(self) -> dict[str, int]:
        """Rows of this plan by status."""
        with self.store.transaction() as conn:
            rows = conn.execute(
                "SELECT status, COUNT(*) FROM deliveries WHERE plan_id = :plan GROUP BY status", {"plan": self.plan_id}
            ).fetchall()
        return {status: count for status, count in rows}

    def entries(self, status: str | None = None) -> Iterator[Entry]:
        """Every row of this plan (or those of one status), by member id."""
        query = f"SELECT {_COLUMNS} FROM deliveries WHERE plan_id = :plan" + (" AND status = :status" if status else "")
        with self.store.transaction() as conn:
            rows = conn.execute(query + " ORDER BY member_id", {"plan": self.plan_id, "status": status}).fetchall()
        return iter(Entry(*row) for row in rows)
