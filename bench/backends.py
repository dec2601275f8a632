"""The member store on SQLite and on PostgreSQL, side by side: segment evaluation and the whole send path.

The same synthetic pool (100,000 members; 10,000 with `--quick`) is written to an SQLite file, then
copied into a database of a throwaway PostgreSQL cluster on 127.0.0.1 (the one the tests start:
tests/postgres.py, Debian's `postgresql`). Then, on each, in its own process:

- segment evaluation (talentpool.audience.evaluate over the whole pool, and the newsletter's segments);
- the whole send path to a local relay (bench/relay.py): manifest, decide, compose, claim, SMTP,
  ledger, with 4 connections, the newsletter planned once from the SQLite pool (the same members).

`make bench` runs it as its `backends` part; alone: `python bench/backends.py [--quick] [--keep DIR]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "plugins"), str(HERE.parent)]

import run as bench  # noqa: E402  (bench/run.py: the processes, the tables, the relay)


def copy_into_postgres(pool: Path, url: str) -> float:
    """Copy the SQLite pool into the empty database `url`; returns the seconds it took."""
    from talentpool.copying import copy_store
    from talentpool.store import Store

    start = time.perf_counter()
    with Store(pool, create=False) as source, Store(url) as target:
        copy_store(source, target)
    return time.perf_counter() - start


def compare(work: Path, size: int, messages: int, env: dict) -> None:
    """Both tables of the comparison, for a pool of `size` members and `messages` sent on each store."""
    from tests.postgres import start_cluster

    pool, folder, mail_env = bench._planned(work, [100], 100, size, env)
    cluster = start_cluster(watch_pid=os.getpid())
    try:
        url = cluster.url(cluster.create_database("vivier_bench"))
        print(f"  pool of {size} copied into PostgreSQL in {copy_into_postgres(pool, url):.1f} s", flush=True)
        stores = {"SQLite": str(pool), "PostgreSQL": url}
        rows = []
        for name, location in stores.items():
            result, _ = bench.worker("segments", location, env={**mail_env, "VIVIER_POOL": location})
            rows.append([name, size, f"{result['all_s']:.2f} s", result["all_eligible"], f"{result['campaign_s']:.2f} s",
                         result["campaign_eligible"], f"{result['peak_mb'] - result['base_mb']:.0f} MB"])
        bench.table(f"Segment evaluation on each store ({size} members, the same pool)",
                    ["store", "members", "whole pool", "eligible", "3 segments", "eligible", "RSS growth"], rows)
        rows = []
        for name, location in stores.items():
            result, received = bench.relay_once(work, folder, location, 4, 0.0, "full", messages,
                                                {**mail_env, "VIVIER_POOL": location})
            rows.append([name, result["sent"], f"{result['seconds']:.2f} s", f"{result['per_s']:.0f}/s",
                         received["messages"], received["most_copies"], f"{result['peak_mb']:.0f} MB"])
        bench.table(f"Whole send path to a local relay on each store ({bench.NEWSLETTER}, pool of {size}, 4 connections, "
                    "durable ledger commits; first messages of the plan)",
                    ["store", "sent", "time", "throughput", "relay received", "most copies", "peak RSS"], rows)
        print("  the PostgreSQL cluster is a throwaway one on this machine (fsync off): a real server adds its disk and"
              " network round trips")
    finally:
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a pool of 10,000 and 1,000 messages")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary folder)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="vivier-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        compare(work, 10_000 if args.quick else 100_000, 1000 if args.quick else 5000, bench.bench_env(work))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
