"""The only thing Vivier keeps of a reverse-interview booking: a count per ambassador and month.

No name, address, question or date of a request is stored. `reserve` takes
a place under the ambassador's monthly cap in one SQLite transaction (two
candidates cannot both take the last place); `release` gives it back when
the request could not be delivered.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

SCHEMA = """CREATE TABLE IF NOT EXISTS bookings (
    ambassador TEXT NOT NULL,
    month TEXT NOT NULL,            -- YYYY-MM
    count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ambassador, month)
)"""


def counts_path(settings: dict) -> Path:
    """AMBASSADORS_BOOKINGS_PATH, else $VIVIER_BOOKINGS, else var/bookings.sqlite3 (from the project root)."""
    value = settings.get("AMBASSADORS_BOOKINGS_PATH") or os.environ.get("VIVIER_BOOKINGS") or "var/bookings.sqlite3"
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(settings.get("PROJECT_ROOT") or os.getcwd()) / path


class BookingCounts:
    """Counts of one web application, in their own small SQLite file (private, like the member store)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 30000")
        return db

    def count(self, ambassador: str, month: str) -> int:
        with closing(self._connect()) as db:
            row = db.execute("SELECT count FROM bookings WHERE ambassador = ? AND month = ?", (ambassador, month)).fetchone()
        return row[0] if row else 0

    def reserve(self, ambassador: str, month: str, cap: int | None) -> bool:
        """Count one more booking unless `cap` is reached (None: no cap); True when counted."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT count FROM bookings WHERE ambassador = ? AND month = ?", (ambassador, month)).fetchone()
                taken = row[0] if row else 0
                if cap is not None and taken >= cap:
                    db.execute("ROLLBACK")
                    return False
                db.execute("INSERT INTO bookings (ambassador, month, count) VALUES (?, ?, 1) "
                           "ON CONFLICT (ambassador, month) DO UPDATE SET count = count + 1", (ambassador, month))
                db.execute("COMMIT")
                return True
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def release(self, ambassador: str, month: str) -> None:
        """Give back a place taken by `reserve` (the request was not delivered)."""
        with closing(self._connect()) as db:
            db.execute("UPDATE bookings SET count = count - 1 WHERE ambassador = ? AND month = ? AND count > 0",
                       (ambassador, month))
