"""One measurement in a fresh process: prints one JSON line with times, counts and peak memory.

    worker.py segments POOL
    worker.py plan CONTENT POOL OUTBOX
    worker.py compose PLAN_FOLDER POOL [LIMIT]
    worker.py send PLAN_FOLDER POOL
    worker.py relay PLAN_FOLDER POOL PORT CONNECTIONS LIMIT [SYNC]

`run.py` starts it with the environment (VIVIER_POOL, VIVIER_OUTBOX,
VIVIER_TODAY) already set; peak RSS is this process's own high-water mark.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)
CAMPAIGN_SEGMENTS = ["data-lyon", "cloud-devops", "nantes"]


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settings_for(content: str | None = None) -> dict:
    from vivier.config import load_settings

    overrides = {"PATH": content} if content else {}
    return load_settings(ROOT / "pelicanconf.py", **overrides)


def segments(pool: str) -> dict:
    """Whole-pool audience evaluation (segment rules + policy), as newsletters and invitations use it."""
    from talentpool import config
    from talentpool.audience import evaluate
    from talentpool.store import Store

    settings = settings_for()
    segs = config.load_segments(settings)
    policy = config.load_policy(settings)
    result = {}
    with Store(pool) as store:
        result["members"] = store.count()
        base = rss_mb()
        for label, names in (("all", ["all-newsletter"]), ("campaign", CAMPAIGN_SEGMENTS)):
            start = time.perf_counter()
            audience = evaluate(store, names, "newsletter", TODAY, segments=segs, policy=policy)
            result[f"{label}_s"] = time.perf_counter() - start
            result[f"{label}_eligible"] = len(audience.eligible)
            result[f"{label}_matched"] = audience.matched
    result["base_mb"] = base
    result["peak_mb"] = rss_mb()
    return result


def plan(content: str, pool: str, outbox: str) -> dict:
    """Newsletter planning through the real generators: compile every variant, plan, write the outbox."""
    from mailing.kinds.newsletter.kind import NewsletterGenerator, draft_of
    from mailing.plan.writer import write_plan
    from mailing.kinds.newsletter.service import build_newsletters

    timings = {"compile_s": 0.0, "plan_s": 0.0}

    def timed(name, method):
        def wrapper(self, *args, **kwargs):
            start = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                timings[name] += time.perf_counter() - start
        return wrapper

    NewsletterGenerator._compile = timed("compile_s", NewsletterGenerator._compile)
    NewsletterGenerator._plan = timed("plan_s", NewsletterGenerator._plan)
    settings = settings_for(content)
    start = time.perf_counter()
    builds = build_newsletters(settings)
    timings["context_s"] = time.perf_counter() - start
    start = time.perf_counter()
    recipients = 0
    for build in builds:
        if build.plan is not None:
            write_plan(settings, draft_of(build))
            recipients += len(build.plan.entries)
    timings["write_s"] = time.perf_counter() - start
    variants = sum(len(b.compiled) for b in builds)
    candidates = max((len(c.candidates) for b in builds for c in b.compiled.values()), default=0)
    return {**timings, "variants": variants, "recipients": recipients, "candidates": candidates,
            "campaigns": [b.slug for b in builds if b.plan is not None], "peak_mb": rss_mb()}


def _plan_and_store(folder: str, pool: str):
    from mailing.delivery.plan import PlanMessages, open_plan
    from talentpool import config
    from talentpool.store import Store

    settings = settings_for()
    store = Store(pool)
    plan_obj = open_plan(settings, folder)
    when = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    messages = PlanMessages(plan_obj, settings, store, config.load_policy(settings), TODAY, lambda: when)
    return settings, store, plan_obj, messages, when


def compose(folder: str, pool: str, limit: str = "20000") -> dict:
    """Composition alone on one core: members already in memory, complete messages per second."""
    settings, store, plan_obj, messages, when = _plan_and_store(folder, pool)
    work = []
    for entry in plan_obj.entries():
        member = store.get(entry["member"])
        if member is not None:
            work.append((messages.composer(entry), member, entry))
        if len(work) >= int(limit):
            break
    start = time.perf_counter()
    size = 0
    for composer, member, entry in work:
        _mid, data = composer.compose(member, entry, when)
        size += len(data)
    seconds = time.perf_counter() - start
    check = _check_message(data)
    # The same messages again through `mailing.compose.Composer` alone: the planned jobs scored
    # for each member beforehand (NewsletterComposer.matches, part of the figure above).
    scored = [(composer.composer, member, composer.matches(member, entry)) for composer, member, entry in work]
    start = time.perf_counter()
    for composer, member, matches in scored:
        composer.compose(member, matches, when)
    bare = time.perf_counter() - start
    return {"messages": len(work), "seconds": seconds, "per_s": len(work) / seconds if seconds else 0.0,
            "avg_kb": size / max(1, len(work)) / 1024, "check": check, "peak_mb": rss_mb(),
            "composer_per_s": len(work) / bare if bare else 0.0}


def send(folder: str, pool: str) -> dict:
    """The send path without SMTP: stream the manifest, look up, decide, compose, drop."""
    from mailing.delivery.sender import Outgoing

    settings, store, plan_obj, messages, when = _plan_and_store(folder, pool)
    start = time.perf_counter()
    sent = skipped = 0
    last = None
    for item in messages:
        result = item.build()
        if isinstance(result, Outgoing):
            sent += 1
            last = result.data
        else:
            skipped += 1
    seconds = time.perf_counter() - start
    return {"composed": sent, "skipped": skipped, "seconds": seconds,
            "per_s": (sent + skipped) / seconds if seconds else 0.0,
            "check": _check_message(last) if last else "none", "peak_mb": rss_mb()}


def relay(folder: str, pool: str, port: str, connections: str, limit: str, sync: str = "full") -> dict:
    """The whole send path to a local relay: manifest, decide, compose, claim, SMTP, ledger (on a copy of the pool,
    or on a PostgreSQL store whose ledger is emptied first).

    `sync` "normal" leaves the store at synchronous=NORMAL, for comparison only:
    `vivier send` always commits its ledger with FULL.
    """
    import contextlib
    import itertools
    import shutil
    import tempfile

    from mailing.delivery.config import load_config
    from mailing.delivery.ledger import Ledger
    from mailing.delivery.ratelimit import RateLimiter
    from mailing.delivery.sender import Channel, Sender
    from mailing.delivery.smtp import SmtpTransport
    from talentpool.location import is_url
    from talentpool.store import Store

    if sync == "normal":
        Store.durable_commits = lambda self: None
    scratch = Path(tempfile.mkdtemp(prefix="vivier-relay-"))
    try:
        if is_url(pool):  # a PostgreSQL store: a fresh ledger by emptying it (a file store is copied)
            copy = pool
            with Store(pool, create=False) as fresh:
                for table in ("deliveries", "messages"):
                    fresh.connection.execute(f"DELETE FROM {table}")
        else:
            copy = scratch / "pool.sqlite3"
            shutil.copy(pool, copy)  # a fresh ledger for every run
        settings, store, plan_obj, messages, when = _plan_and_store(folder, str(copy))
        config = load_config({**settings, "MAILING_SMTP_HOST": "127.0.0.1", "MAILING_SMTP_PORT": int(port),
                              "MAILING_SMTP_SECURITY": "none", "MAILING_RATE": 1_000_000, "MAILING_BACKOFF": 1.0,
                              "MAILING_SMTP_MAX_PER_CONNECTION": 1000, "MAILING_SMTP_CONNECTIONS": int(connections)},
                             environ={})

        @contextlib.contextmanager
        def open_channel():
            with Store(copy) as own, SmtpTransport(config) as transport:
                yield Channel(transport, Ledger(own, plan_obj.plan_id, now=lambda: when, lease=config.lease))

        with SmtpTransport(config) as transport:
            sender = Sender(transport, Ledger(store, plan_obj.plan_id, now=lambda: when, lease=config.lease),
                            kind=plan_obj.kind, limiter=RateLimiter(config.rate), retries=config.retries,
                            backoff=config.backoff, backoff_max=config.backoff_max, connections=config.connections,
                            open_channel=open_channel)
            start = time.perf_counter()
            summary = sender.run(itertools.islice(messages, int(limit)))
            seconds = time.perf_counter() - start
        store.close()
        return {"sent": summary.sent, "skipped": sum(summary.skipped.values()), "deferred": summary.deferred,
                "retried": summary.retried, "aborted": summary.aborted, "seconds": seconds,
                "per_s": summary.sent / seconds if seconds else 0.0, "peak_mb": rss_mb()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _check_message(data: bytes) -> str:
    """'ok' when the email package reads back a multipart/alternative with a text and an HTML part."""
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parsebytes(data)
    parts = [p.get_content_type() for p in message.iter_parts()] if message.is_multipart() else []
    ok = message.get_content_type() == "multipart/alternative" and parts == ["text/plain", "text/html"]
    ok = ok and bool(message["To"]) and bool(message["List-Unsubscribe"])
    ok = ok and all(p.get_content().strip() for p in message.iter_parts())
    return "ok" if ok else f"bad: {message.get_content_type()} {parts}"


def main(argv: list[str]) -> None:
    logging.disable(logging.WARNING)  # the insecure-secret warning and content warnings are expected here
    task, args = argv[0], argv[1:]
    result = {"segments": segments, "plan": plan, "compose": compose, "send": send, "relay": relay}[task](*args)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
