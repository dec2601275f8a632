"""Stops a throwaway PostgreSQL cluster of the tests when the process that started it is gone.

Started by tests/postgres.py next to the cluster, in a session of its own, with
no standard streams (it never holds pytest's output open). It polls the watched
process; once that process has exited, or was killed with `kill -9`, it stops
the postmaster with `pg_ctl stop -m immediate` and removes the cluster's folder.
It exits on its own when the folder is removed (the normal stop at session end).
Standard library only, so it starts in a few milliseconds:

    python postgres_watchdog.py PID START_TICKS PG_CTL DATA_DIR BASE_DIR [RUN_AS_USER]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

POLL_SECONDS = 0.5


def start_ticks(pid: int) -> str | None:
    """The start time of process `pid` (clock ticks since boot), None if it is gone or a zombie.

    Compared with the value taken at start, it tells a reused pid from the watched process."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # fields[0] is the state (after "pid (comm)"); the start time is the 22nd field overall.
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]


def alive(pid: int, ticks: str) -> bool:
    if os.path.isdir("/proc"):
        return start_ticks(pid) == ticks
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop(pg_ctl: str, data_dir: str, base_dir: str, run_as: str | None) -> None:
    command = [pg_ctl, "-D", data_dir, "-m", "immediate", "-w", "-t", "30", "stop"]
    if run_as:
        command = ["runuser", "-u", run_as, "--", *command]
    subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd="/", check=False)
    shutil.rmtree(base_dir, ignore_errors=True)


def main(argv: list[str]) -> int:
    pid, ticks, pg_ctl, data_dir, base_dir = argv[:5]
    run_as = argv[5] if len(argv) > 5 else None
    while os.path.isdir(base_dir):
        if not alive(int(pid), ticks):
            stop(pg_ctl, data_dir, base_dir, run_as)
            return 0
        time.sleep(POLL_SECONDS)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
