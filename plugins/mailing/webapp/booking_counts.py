"""The only thing Vivier keeps of a reverse-interview booking: a count per ambassador and month.

No name, address, question or date of a request is stored. The counts live
in the member store (`booking_counts`, migration 10), so that every web
application host sharing a PostgreSQL store counts against one monthly cap;
they were a small SQLite file per host before, where two hosts let each
ambassador take twice their cap. `reserve` takes a place under the cap in
one statement (two candidates, on one host or two, cannot both take the
last place); `release` gives it back when the request could not be
delivered. A host's counts file of an earlier Vivier is added to the store
exactly once (`import_file`) and then renamed, so that the month's places
taken before the upgrade still count.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import sqlite3
from contextlib import closing
from pathlib import Path

log = logging.getLogger(__name__)

# A place is taken unless the cap is reached: the insert, or the update of a count still under it.
_RESERVE = """INSERT INTO booking_counts(ambassador, month, count) VALUES (:ambassador, :month, 1)
              ON CONFLICT(ambassador, month) DO UPDATE SET count = booking_counts.count + 1"""
_UNDER_CAP = " WHERE booking_counts.count < :cap"
IMPORTED_SUFFIX = ".imported"


def counts_path(settings: dict) -> Path:
    """Where an earlier Vivier kept this host's counts: AMBASSADORS_BOOKINGS_PATH, else $VIVIER_BOOKINGS,
    else var/bookings.sqlite3 (from the project root). Read once, by `import_file`."""
    value = settings.get("AMBASSADORS_BOOKINGS_PATH") or os.environ.get("VIVIER_BOOKINGS") or "var/bookings.sqlite3"
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(settings.get("PROJECT_ROOT") or os.getcwd()) / path


class BookingCounts:
    """Counts of every web application sharing the member store; `open_store` opens it (the app's)."""

    def __init__(self, open_store, legacy: Path | None = None):
        self._open_store = open_store
        if legacy is not None:
            self.import_file(legacy)

    def count(self, ambassador: str, month: str) -> int:
        with self._open_store() as store:
            found = store.connection.scalar(
                "SELECT count FROM booking_counts WHERE ambassador = :ambassador AND month = :month",
                {"ambassador": ambassador, "month": month})
        return found or 0

    def reserve(self, ambassador: str, month: str, cap: int | None) -> bool:
        """Count one more booking unless `cap` is reached (None: no cap); True when counted."""
        if cap is not None and cap <= 0:
            return False
        params = {"ambassador": ambassador, "month": month, "cap": cap}
        with self._open_store() as store, store.transaction() as conn:
            taken = conn.execute(_RESERVE + (_UNDER_CAP if cap is not None else ""), params).rowcount
        return taken == 1

    def release(self, ambassador: str, month: str) -> None:
        """Give back a place taken by `reserve` (the request was not delivered)."""
        with self._open_store() as store, store.transaction() as conn:
            conn.execute("UPDATE booking_counts SET count = count - 1 WHERE ambassador = :ambassador "
                         "AND month = :month AND count > 0", {"ambassador": ambassador, "month": month})

    def import_file(self, path: Path) -> int:
        """Add the counts of an earlier Vivier's file to the store, once, then rename the file (`.imported`).

        Exactly once: the rows and a `meta` record of the file (this host,
        its path and its bytes) are written in one transaction, and a file
        already recorded is only renamed (a crash before the rename). Returns
        the number of rows added (0: no such file, or already added).
        """
        path = Path(path)
        if not path.is_file():
            return 0
        data = path.read_bytes()
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            try:
                rows = db.execute("SELECT ambassador, month, count FROM bookings WHERE count > 0").fetchall()
            except sqlite3.DatabaseError as exc:
                raise RuntimeError(f"{path}: not a booking counts file ({exc}); move it away to start counting "
                                   "in the member store") from None
        identity = hashlib.sha256(b"\0".join([socket.gethostname().encode(), str(path.resolve()).encode(), data]))
        key = "booking-counts-imported:" + identity.hexdigest()
        added = 0
        with self._open_store() as store, store.transaction() as conn:
            if conn.scalar("SELECT value FROM meta WHERE key = :key", {"key": key}) is None:
                for ambassador, month, count in rows:
                    conn.execute("""INSERT INTO booking_counts(ambassador, month, count) VALUES (:a, :m, :c)
                                    ON CONFLICT(ambassador, month) DO UPDATE SET count = booking_counts.count + :c""",
                                 {"a": ambassador, "m": month, "c": count})
                conn.execute("INSERT INTO meta(key, value) VALUES (:key, :value)", {"key": key, "value": str(path)})
                added = len(rows)
        done = path.with_name(path.name + IMPORTED_SUFFIX)
        os.replace(path, done)
        log.info("booking counts of %s added to the member store (%d row(s)); the file is now %s", path, added, done.name)
        return added
