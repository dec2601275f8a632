"""The daily run's own parts: the store's lock, the outbox's plans, the private run report.

The steps themselves are the existing commands (bounces import, build, send,
purge, backup); `vivier daily` runs them in order with these around them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path

from talentpool.private import make_private_dir, write_private

# Exit codes of `vivier daily` (docs/operations.md).
EX_OK = 0
EX_STEP = 1  # a step other than sending failed (bounces, purge, backup): see the report
EX_LOCKED = 73  # another `vivier daily` holds the store: nothing was done
EX_CONTENT = 65  # a content error stopped planning: nothing was sent
EX_SESSION = 69  # a send stopped on the relay (auth, sender, quota, connection): the rest is still pending
EX_PARTIAL = 75  # done, but some plans were refused, deferred or left unknown: run again / read the report


class Locked(RuntimeError):
    pass


@contextlib.contextmanager
def store_lock(store_path: Path):
    """An OS lock on `<store>.daily.lock`: one daily run per store; the OS releases it when the process dies."""
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


def outbox_plans(outbox: Path) -> list[str]:
    """The plan folders of the outbox, by name."""
    if not outbox.is_dir():
        return []
    return sorted(folder.name for folder in outbox.iterdir() if (folder / "plan.json").is_file())


def exit_code(steps: list[dict]) -> int:
    """The run's exit code from its steps' outcomes (the most serious wins)."""
    outcomes = {step["outcome"] for step in steps}
    for outcome, code in (("content-error", EX_CONTENT), ("session-error", EX_SESSION), ("failed", EX_STEP),
                          ("refused", EX_PARTIAL), ("later", EX_PARTIAL)):
        if outcome in outcomes:
            return code
    return EX_OK


def write_report(folder: Path, day: str, report: dict) -> tuple[Path, str]:
    """The run report, JSON and text, private (0600): counts and outcomes only, no addresses."""
    make_private_dir(folder)
    text = render(report)
    write_private(folder / f"daily-{day}.json", json.dumps(report, indent=2, sort_keys=True) + "\n")
    write_private(folder / f"daily-{day}.txt", text)
    return folder / f"daily-{day}.json", text


def render(report: dict) -> str:
    lines = [f"vivier daily {report['day']}: exit {report['exit']} ({report['result']})"]
    for step in report["steps"]:
        counts = ", ".join(f"{key} {value}" for key, value in sorted(step.get("counts", {}).items()))
        lines.append(f"  {step['step']:<24} {step['outcome']}" + (f" ({counts})" if counts else "")
                     + (f": {step['detail']}" if step.get("detail") else ""))
    return "\n".join(lines) + "\n"
