"""The send ledger: one row per (plan, member) in the talent-pool store, so a re-run sends once.

Every change is its own committed transaction: `pending` before the SMTP
transaction starts, `sent` right after the server's 250 to DATA (together with
the frequency-budget record, atomically). A re-run skips `sent` and `failed`
rows and retries the others with the same Message-ID; the only possible
duplicate is a message the server accepted just before a crash, which
receivers deduplicate on that Message-ID.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

PENDING = "pending"
SENT = "sent"
DEFERRED = "deferred"
FAILED = "failed"
SKIPPED = "skipped"
STATUSES = (PENDING, SENT, DEFERRED, FAILED, SKIPPED)
# A re-run never touches these again.
FINAL = (SENT, FAILED)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


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


class Ledger:
    """The rows of one plan; `now` gives aware datetimes (the CLI passes careers.dates.now)."""

    def __init__(self, store, plan_id: str, *, now: Callable[[], dt.datetime] = _utc_now):
        self.store = store
        self.plan_id = str(plan_id)
        self.now = now

    def _stamp(self) -> str:
        return self.now().isoformat(timespec="seconds")

    def get(self, member_id: str) -> Entry | None:
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT plan_id, member_id, message_id, status, attempts, last_error, created, updated"
                " FROM deliveries WHERE plan_id = ? AND member_id = ?",
                (self.plan_id, member_id),
            ).fetchone()
        return Entry(*row) if row else None

    def status(self, member_id: str) -> str | None:
        entry = self.get(member_id)
        return entry.status if entry else None

    def is_final(self, member_id: str) -> bool:
        return self.status(member_id) in FINAL

    def _write(self, conn, member_id: str, status: str, *, message_id: str = "", error: str = "", attempt: bool = False):
        stamp = self._stamp()
        conn.execute(
            """INSERT INTO deliveries(plan_id, member_id, message_id, status, attempts, last_error, created, updated)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(plan_id, member_id) DO UPDATE SET
                 status = excluded.status,
                 message_id = CASE WHEN excluded.message_id != '' THEN excluded.message_id ELSE message_id END,
                 attempts = attempts + ?,
                 last_error = excluded.last_error,
                 updated = excluded.updated""",
            (self.plan_id, member_id, message_id, status, int(attempt), error[:500], stamp, stamp, int(attempt)),
        )

    def begin(self, member_id: str, message_id: str) -> None:
        """Mark an attempt as started (committed before the SMTP transaction)."""
        with self.store.transaction() as conn:
            self._write(conn, member_id, PENDING, message_id=message_id, attempt=True)

    def sent(self, member_id: str, *, kind: str, at: dt.datetime | None = None) -> None:
        """The server accepted the message: mark it sent and count it in the frequency budget, atomically."""
        with self.store.transaction() as conn:
            self._write(conn, member_id, SENT)
            self.store.record_message(member_id, kind, self.plan_id, at or self.now())

    def deferred(self, member_id: str, error: str) -> None:
        """Temporary failure after every retry: a re-run tries again."""
        with self.store.transaction() as conn:
            self._write(conn, member_id, DEFERRED, error=error)

    def failed(self, member_id: str, error: str) -> None:
        """Permanent failure (5xx): recorded, never retried."""
        with self.store.transaction() as conn:
            self._write(conn, member_id, FAILED, error=error)

    def skipped(self, member_id: str, reason: str) -> None:
        """Not sent on purpose (unsubscribed, over budget…); re-checked on the next run."""
        with self.store.transaction() as conn:
            self._write(conn, member_id, SKIPPED, error=reason)

    def counts(self) -> dict[str, int]:
        """Rows of this plan by status."""
        with self.store.transaction() as conn:
            rows = conn.execute(
                "SELECT status, COUNT(*) FROM deliveries WHERE plan_id = ? GROUP BY status", (self.plan_id,)
            ).fetchall()
        return {status: count for status, count in rows}

    def entries(self) -> Iterator[Entry]:
        """Every row of this plan, by member id."""
        with self.store.transaction() as conn:
            rows = conn.execute(
                "SELECT plan_id, member_id, message_id, status, attempts, last_error, created, updated"
                " FROM deliveries WHERE plan_id = ? ORDER BY member_id",
                (self.plan_id,),
            ).fetchall()
        return iter(Entry(*row) for row in rows)
