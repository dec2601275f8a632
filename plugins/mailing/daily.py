"""The daily run's own parts: the store's lock, the outbox's plans, the private run report.

The steps themselves are the existing commands (bounces import, build, send,
purge, backup); `vivier daily` runs them in order with these around them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from pathlib import Path

from talentpool.config import is_database
from talentpool.private import make_private_dir, write_private

# Exit codes of `vivier daily` (docs/operations.md).
DAILY_LOCK = "vivier-daily"  # the advisory lock's name on a PostgreSQL store
EX_OK = 0
EX_STEP = 1  # a step other than sending failed (bounces, purge, backup): see the report
EX_LOCKED = 73  # another `vivier daily` holds the store: nothing was done
EX_CONTENT = 65  # a content error stopped planning: nothing was sent
EX_SESSION = 69  # the relay refused the session (authentication, sender, quota): sending stopped, the rest is pending
EX_CONFIG = 78  # sysexits EX_CONFIG: a setting is missing or invalid (VIVIER_SECRET…): nothing was sent
EX_PARTIAL = 75  # done, but some plans were refused or deferred, or the relay was unreachable: run again / read the report

# A send step's outcome from `vivier send`'s exit code (a 75 that stopped the session is "relay-later").
SEND_OUTCOMES = {0: "done", 1: "session-error", 2: "settings-error", 3: "later", 75: "later"}
STOPS_SENDING = ("session-error", "settings-error", "relay-later")  # the next plans would meet the same stop


class Locked(RuntimeError):
    pass


@contextlib.contextmanager
def store_lock(store_path):
    """One daily run per store. An SQLite store: an OS lock on `<store>.daily.lock`, which the OS releases
    when the process dies. A PostgreSQL store: a session advisory lock on its database, seen from every
    host, which the server releases when the run's connection ends (the process dying included)."""
    if is_database(store_path):
        with _database_lock(store_path) as held:
            yield held
        return
    lock_path = Path(str(store_path) + ".daily.lock")
    make_private_dir(lock_path.parent)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Locked(f"another `vivier daily` holds {store_path} (lock {lock_path}); nothing done") from None
        yield lock_path
    finally:
        os.close(fd)


@contextlib.contextmanager
def _database_lock(url):
    from talentpool.db import PostgresDatabase

    database = PostgresDatabase(url)
    try:
        if not database.try_session_lock(DAILY_LOCK):
            raise Locked(f"another `vivier daily` holds {url} (a PostgreSQL advisory lock, from this host or "
                         "another); nothing done")
        yield url
    finally:
        database.close()


def outbox_plans(outbox: Path) -> list[str]:
    """The plan folders of the outbox, by name."""
    if not outbox.is_dir():
        return []
    return sorted(folder.name for folder in outbox.iterdir() if (folder / "plan.json").is_file())


def exit_code(steps: list[dict]) -> int:
    """The run's exit code from its steps' outcomes (the most serious wins)."""
    outcomes = {step["outcome"] for step in steps}
    for outcome, code in (("content-error", EX_CONTENT), ("settings-error", EX_CONFIG), ("session-error", EX_SESSION),
                          ("failed", EX_STEP), ("refused", EX_PARTIAL), ("later", EX_PARTIAL),
                          ("relay-later", EX_PARTIAL)):
        if outcome in outcomes:
            return code
    return EX_OK


def unknown_in_ledger(store, plan_id: str) -> int:
    """Deliveries of this plan still `unknown` in the ledger, whichever run left them."""
    with store.transaction() as conn:
        return conn.scalar("SELECT COUNT(*) FROM deliveries WHERE plan_id = :plan AND status = 'unknown'",
                           {"plan": plan_id})


def write_report(folder: Path, day: str, report: dict, at: dt.datetime) -> tuple[Path, str]:
    """The run report, JSON and text, private (0600): counts and outcomes only, no addresses.

    One pair of files per run, `daily-DAY-HHMMSS` (the run's start, a suffix if two start
    in the same second): a later run of the same day never overwrites an earlier one's.
    """
    make_private_dir(folder)
    text = render(report)
    stem = f"daily-{day}-{at:%H%M%S}"
    for number in range(1, 1000):
        name = stem if number == 1 else f"{stem}-{number}"
        try:  # reserve the name: the .json exists from here on, so no other run takes it
            os.close(os.open(folder / f"{name}.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        break
    write_private(folder / f"{name}.txt", text)
    write_private(folder / f"{name}.json", json.dumps(report, indent=2, sort_keys=True) + "\n")
    return folder / f"{name}.json", text


def render(report: dict) -> str:
    lines = [f"vivier daily {report['day']}: exit {report['exit']} ({report['result']})"]
    for step in report["steps"]:
        counts = ", ".join(f"{key} {value}" for key, value in sorted(step.get("counts", {}).items()))
        lines.append(f"  {step['step']:<24} {step['outcome']}" + (f" ({counts})" if counts else "")
                     + (f": {step['detail']}" if step.get("detail") else ""))
    return "\n".join(lines) + "\n"
