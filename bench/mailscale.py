"""The mail side at scale (issue 21): every kind planned over pools of 10k, 100k and 1,000,000 members.

    mailscale.py engine CONTENT POOL OUTBOX      one measurement, in its own process: one JSON line

`curve()` (called by `run.py`'s `mail` part) generates each pool
(`synth_pool.write_pool`), then runs `engine` in a fresh process per size:
the build's mail side as `vivier build` runs it — every kind of the
registry reads the site's content, plans on one budget, finishes, and the
plan folders are written (`mailing.engine.steps`) — and prints members,
planning time, the whole mail side's time, peak RSS and messages planned,
with the targets (≤ 60 s, ≤ 500 MB at 1,000,000 members) beside them.
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TARGET_MEMBERS = 1_000_000
TARGET_SECONDS = 60.0
TARGET_MB = 500.0


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def engine(content: str, pool: str, outbox: str) -> dict:
    """Every kind read, planned on one budget, finished and written, as in a build's mail child."""
    from careers.build import read_all
    from careers.output import Writer
    from mailing.engine import steps
    from mailing.kinds.base import MessageKind
    from talentpool.store import Store
    from vivier.config import load_settings

    settings = load_settings(ROOT / "pelicanconf.py", PATH=content, MAILING_BACKGROUND=False)
    timings = {"plan_s": 0.0}
    allocate = steps.allocate

    def timed_allocate(kinds, settings):
        start = time.perf_counter()
        try:
            return allocate(kinds, settings)
        finally:
            timings["plan_s"] += time.perf_counter() - start

    steps.allocate = timed_allocate
    with Store(pool) as store:
        members = store.count()
    base = rss_mb()
    start = time.perf_counter()
    generators = read_all(settings)
    timings["read_plan_s"] = time.perf_counter() - start
    kinds = [g for g in generators if isinstance(g, MessageKind)]
    start = time.perf_counter()
    steps.write(kinds, settings, Writer(str(Path(outbox) / "public"), settings=settings))
    timings["write_s"] = time.perf_counter() - start
    plans = {}
    for meta_path in sorted(Path(outbox).glob("*/plan.json")):
        with open(meta_path.parent / "manifest.jsonl", "rb") as handle:
            plans[meta_path.parent.name] = sum(1 for _ in handle)
    return {**timings, "members": members, "plans": plans, "messages": sum(plans.values()),
            "kinds": sorted({json.loads(p.read_text())["message_kind"] for p in Path(outbox).glob("*/plan.json")}),
            "base_mb": base, "peak_mb": rss_mb()}


def main(argv: list[str]) -> None:
    logging.disable(logging.WARNING)
    task, args = argv[0], argv[1:]
    print(json.dumps({"engine": engine}[task](*args)))


if __name__ == "__main__":
    main(sys.argv[1:])
