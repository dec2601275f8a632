"""Synthetic talent pools (10k, 100k members…) written straight into a temporary SQLite store.

Vocabularies come from the fictional sample (`talentpool.sample`); addresses
use reserved example domains and are unique by index. Deterministic per size.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from talentpool.models import CONSENT_KINDS, SENIORITIES, SOURCES, STAGES, Member
from talentpool.sample import DEPARTMENTS, DOMAINS, EN_FIRST, EN_LAST, EN_PLACES, FR_FIRST, FR_LAST, FR_PLACES, TAGS
from talentpool.store import Store

TODAY = dt.date(2026, 11, 22)
# Extra skills so profiles are varied (members rarely share their exact skill set).
EXTRA_SKILLS = ["git", "ci/cd", "agile", "anglais", "rust", "go", "scala", "c#", ".net", "php", "vue.js", "node.js",
                "graphql", "mongodb", "elasticsearch", "redis", "kafka", "gcp", "openshift", "helm", "prometheus",
                "grafana", "tableau", "looker", "sas", "r", "machine learning", "nlp", "itil", "prince2"]


def _day(rng: random.Random, oldest: int, newest: int = 0) -> dt.date:
    return TODAY - dt.timedelta(days=rng.randint(newest, oldest))


def member(i: int, rng: random.Random) -> Member:
    english = i % 10 in (3, 7, 9)
    first = rng.choice(EN_FIRST if english else FR_FIRST)
    last = rng.choice(EN_LAST if english else FR_LAST)
    city, country = rng.choice(EN_PLACES if english else FR_PLACES)
    department = rng.choice(list(DEPARTMENTS))
    skill_pool, role_pool = DEPARTMENTS[department]
    skills = rng.sample(skill_pool, rng.randint(2, 4)) + rng.sample(EXTRA_SKILLS, rng.randint(0, 3))
    created = _day(rng, 1000, 3)
    age = (TODAY - created).days
    consents = {kind: _day(rng, age) for kind in CONSENT_KINDS if rng.random() < 0.6}
    stage = rng.choices(STAGES, weights=[6, 4, 5, 1, 2, 1, 1, 2, 4, 3])[0]
    return Member(
        id=f"m-{i:012x}",
        email=f"membre.{i}@{DOMAINS[i % len(DOMAINS)]}",
        first_name=first, last_name=last, language="en" if english else "fr",
        city=city, country=country, skills=skills,
        departments=[department] + ([rng.choice(list(DEPARTMENTS))] if rng.random() < 0.2 else []),
        roles=[rng.choice(role_pool)], seniority=rng.choices(SENIORITIES, [1, 4, 4, 3, 1])[0], stage=stage,
        source=rng.choice(SOURCES), tags=rng.sample(TAGS, rng.randint(0, 2)), consents=consents,
        last_contact=None if rng.random() < 0.3 else _day(rng, age),
        created=created, stage_changed=None if stage == "sourced" else _day(rng, min(age, 200)),
        unsubscribed=_day(rng, 90) if rng.random() < 0.04 else None,
    )


def write_pool(path: Path, size: int, seed: int = 2026) -> Path:
    """A store of `size` members (one in twelve with a recent marketing message).

    The store and its schema come from `Store`; the rows go in with `sqlite3`'s
    `executemany`, 20,000 a statement, in one transaction (the store's own
    `add` and `record_message`, one statement each, took 2 minutes at
    1,000,000 members): the same members and messages as before, faster."""
    import sqlite3

    from talentpool import store as store_module

    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    rng = random.Random(seed + size)
    at = dt.datetime(2026, 11, 10, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))).isoformat()
    with Store(path) as store:
        store.suppress("efface.0@example.com", "erased", TODAY)  # a non-empty suppression list, as in real life
        encode = store._row  # the store's own encoding of a member's row
        columns = store_module._COLUMNS
    insert_member = f"INSERT INTO members ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    insert_message = "INSERT INTO messages(member_id, kind, plan_id, at) VALUES (?, ?, ?, ?)"
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("BEGIN IMMEDIATE")
        for start in range(0, size, 20_000):
            rows, messages = [], []
            for i in range(start, min(size, start + 20_000)):
                m = member(i, rng)
                row = encode(m)
                rows.append(tuple(row[c] for c in columns))
                if i % 12 == 5 and m.consents:
                    messages.append((m.id, "newsletter", "bench-2026-11", at))
            connection.executemany(insert_member, rows)
            connection.executemany(insert_message, messages)
        connection.execute("COMMIT")
    finally:
        connection.close()
    return path
