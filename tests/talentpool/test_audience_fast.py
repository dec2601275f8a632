"""The whole-pool walk on rows (`audience._walk_rows`) gives exactly what the straightforward walk gives.

The straightforward evaluation is written out here, independent of the fast
code: every member decoded by `Store.get`, `member_view` for the rules, the
first matching segment, `Policy.decide` for the decision. It is compared with
`evaluate` on varied random pools (consents given, withdrawn before and after,
unsubscribed, retention over by the pool or the rejection clock, month-end
dates, budgets used by sent and planned messages, erased addresses, empty and
missing fields), for every operator of the segment language, every message
kind and several policies: same members, same order, same segments, same
reasons.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random

import pytest

import talentpool.audience as audience_mod
from talentpool.audience import evaluate, stream
from talentpool.models import CONSENT_KINDS, SENIORITIES, SOURCES, STAGES, Member, normalise_email
from talentpool.policy import Policy, add_months
from talentpool.segments import (FIELDS, OPERATORS, VIEW_KEYS, Segment, compile_segments, member_view, parse_segment,
                                 row_view, row_viewer)
from talentpool.store import ROW_COLUMNS, Store, _loads, member_from_row
from tests.talentpool.conftest import DAY

CITIES = ["Lyon", " lyon ", "LYON", "Villeurbanne", "Nantes", "Rezé", "REZÉ", "Paris", "", "Saint-Herblain"]
SKILLS = ["Python", "python", "SQL", "java", "Kubernetes", "terraform", "AWS", " Go ", "c#", "Data Science", "rust"]
DEPARTMENTS = ["data", "Cloud", "cloud", "dev", "design", "sales"]
ROLES = ["data engineer", "SRE", "developer", "designer"]
TAGS = ["finaliste", "Finaliste", "alumni", "vip", "école"]
KINDS = ("newsletter", "invitation", "job_alert", "follow_up", "event_update", "confirmation")

# Every operator on every field type it applies to, combinators, includes, missing values.
RULES = [
    {"field": "email", "equals": "MEMBRE.3@example.com"},
    {"field": "email", "in": ["membre.4@example.org", "Membre.5@Example.COM", "nobody@example.com"]},
    {"field": "email", "exists": True},
    {"field": "city", "equals": "lyon"},
    {"field": "city", "in": ["Lyon", "Villeurbanne", "rezé"]},
    {"field": "city", "exists": False},
    {"field": "country", "in": ["FR"]},
    {"field": "country", "exists": True},
    {"field": "language", "equals": "en"},
    {"field": "language", "in": ["fr"]},
    {"field": "stage", "in": ["rejected", "silver_medalist"]},
    {"field": "stage", "equals": "sourced"},
    {"field": "source", "equals": "school"},
    {"field": "source", "exists": True},
    {"field": "seniority", "equals": "junior"},
    {"field": "seniority", "in": ["senior", "expert"]},
    {"field": "seniority", "greater_than": "junior"},
    {"field": "seniority", "less_than": "confirmed"},
    {"field": "seniority", "exists": False},
    {"field": "skills", "contains_any": ["python", "SQL"]},
    {"field": "skills", "contains_all": ["python", "sql"]},
    {"field": "skills", "exists": False},
    {"field": "departments", "contains_any": ["cloud"]},
    {"field": "roles", "contains_all": ["sre"]},
    {"field": "tags", "contains_any": ["finaliste"]},
    {"field": "tags", "exists": True},
    {"field": "consents", "contains_any": ["newsletter"]},
    {"field": "consents", "contains_all": ["events", "job_alerts"]},
    {"field": "consents", "exists": False},
    {"field": "consent.newsletter", "within_days": 200},
    {"field": "consent.events", "older_than_days": 300},
    {"field": "consent.job_alerts", "exists": True},
    {"field": "last_contact", "equals": "2026-11-12"},
    {"field": "last_contact", "before": "today"},
    {"field": "last_contact", "after": "2026-06-01"},
    {"field": "last_contact", "greater_than": "2026-01-01"},
    {"field": "last_contact", "less_than": "2025-01-01"},
    {"field": "last_contact", "within_days": 90},
    {"field": "last_contact", "older_than_days": 365},
    {"field": "last_contact", "exists": False},
    {"field": "created", "equals": "today"},
    {"field": "created", "after": "today"},
    {"field": "stage_changed", "within_days": 365},
    {"field": "stage_changed", "exists": True},
    {"field": "unsubscribed", "exists": True},
    {"field": "unsubscribed", "older_than_days": 10},
    {"all": [{"field": "skills", "contains_any": ["python", "sql"]}, {"field": "city", "in": ["Lyon", "Villeurbanne"]},
             {"not": {"field": "stage", "in": ["hired"]}}]},
    {"any": [{"field": "departments", "contains_any": ["cloud"]}, {"field": "skills", "contains_any": ["kubernetes", "aws"]}]},
    {"not": {"field": "language", "equals": "fr"}},
    {"all": [{"segment": "r4"}, {"not": {"segment": "r22"}}]},  # includes: the city and departments rules
    {"any": [{"segment": "r49"}, {"field": "consent.events", "before": "2026-01-01"}]},  # an include of an include
]


def _segments() -> dict[str, Segment]:
    found = {}
    for i, rule in enumerate(RULES):
        segment, problems = parse_segment({"name": f"r{i}", "description": f"Rule {i}.", "rule": rule})
        assert not problems
        found[segment.name] = segment
    return compile_segments(found)


def test_the_rules_cover_every_operator_and_field_type():
    seen = set()
    for rule in RULES:
        if "field" in rule:
            op = next(k for k in rule if k != "field")
            seen.add((op, FIELDS[rule["field"]][0]))
    wanted = {(op, kind) for op, kinds in OPERATORS.items() for kind in kinds}
    assert wanted <= seen, wanted - seen


def _day(rng: random.Random, today: dt.date, oldest: int, newest: int = 0) -> dt.date:
    return today - dt.timedelta(days=rng.randint(newest, oldest))


def _near(rng: random.Random, day: dt.date, spread: int) -> dt.date:
    return day + dt.timedelta(days=rng.randint(-spread, spread))


def _member(i: int, rng: random.Random, today: dt.date) -> Member:
    pool_end = add_months(today, -24)  # activity around this day is just in or just out of retention
    created = rng.choice([_day(rng, today, 1200, 0), dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 12, 31), today,
                          _near(rng, pool_end, 25), _near(rng, pool_end, 25)])
    age = max(0, (today - created).days)
    consents, withdrawn = {}, {}
    for kind in CONSENT_KINDS:
        if rng.random() < 0.65:
            consents[kind] = _day(rng, today, age)
            if rng.random() < 0.25:  # withdrawn before, on the same day, or after the consent
                withdrawn[kind] = consents[kind] + dt.timedelta(days=rng.choice([-30, 0, 0, 5, 40]))
        elif rng.random() < 0.1:
            withdrawn[kind] = _day(rng, today, age)
    stage = rng.choice(STAGES)
    spaces = rng.choice(["", "", " "])
    email = f"{spaces}{rng.choice(['membre', 'Membre', 'MEMBRE'])}.{i}@{rng.choice(['example.com', 'Example.COM', 'example.org'])}{spaces}"
    return Member(
        id=f"m-{i:06d}", email=email, first_name=rng.choice(["Zoé", "", "Rhys"]), last_name="Testeur",
        # Stored values are not always canonical (an import or an old version may have written " Junior").
        language=rng.choice(["fr", "en", "fr", "en", "EN"]), city=rng.choice(CITIES), country=rng.choice(["FR", "fr ", "", "GB"]),
        skills=rng.sample(SKILLS, rng.randint(0, 4)), departments=rng.sample(DEPARTMENTS, rng.randint(0, 2)),
        roles=rng.sample(ROLES, rng.randint(0, 2)), seniority=rng.choice([*SENIORITIES, "", " Junior"]), stage=stage,
        source=rng.choice([*SOURCES, "School"]), tags=rng.sample(TAGS, rng.randint(0, 2)), consents=consents,
        withdrawn=withdrawn, created=created,
        last_contact=None if rng.random() < 0.3 else rng.choice([_day(rng, today, age), dt.date(2026, 11, 12),
                                                                 _near(rng, pool_end, 25)]),
        stage_changed=None if rng.random() < 0.3 else rng.choice([_day(rng, today, min(age, 400)), dt.date(2026, 8, 31),
                                                                  _near(rng, add_months(today, -3), 10)]),
        unsubscribed=_day(rng, today, 60) if rng.random() < 0.12 else None,
    )


def _pool(path, seed: int, size: int = 260):
    """A random pool, its members as added, and planned messages for some of them."""
    rng = random.Random(seed)
    store = Store(path)
    members = [store.add(_member(i, rng, DAY)) for i in range(size)]
    for member in members:
        for _ in range(rng.choice([0, 0, 0, 1, 2, 3])):
            at = rng.choice([
                _day(rng, DAY, 45),  # a date, inside or outside the 30-day window
                dt.datetime.combine(_day(rng, DAY, 40), dt.time(9, 30), dt.timezone(dt.timedelta(hours=1))),
            ])
            store.record_message(member.id, rng.choice(KINDS), f"plan-{rng.randint(0, 99)}", at)
        if rng.random() < 0.06:
            store.suppress(member.email, rng.choice(["erased", "erased", "unsubscribed", "bounced", "complained"]), DAY)
    planned = {}
    for member in rng.sample(members, size // 5):
        planned[member.id] = [rng.choice([kind, (kind, "plan-x", DAY)]) for kind in rng.choices(KINDS[:5], k=rng.randint(1, 3))]
    return store, members, planned


_DECODED: dict = {}
_FIELDS = [f.name for f in dataclasses.fields(Member)]


def snapshot(member: Member) -> tuple:
    """Every field of a member (as dataclasses.asdict would compare them, without its copies)."""
    return (type(member), *(getattr(member, name) for name in _FIELDS))


def straightforward(store, ids, names, kind, today, segments, policy, planned) -> dict:
    """The plain evaluation: decode each member with get(), view, first matching segment, decide."""
    key = (id(store), tuple(ids))
    if key not in _DECODED:  # decoded and viewed once per pool: the slow part of this reference
        members = sorted((store.get(member_id) for member_id in ids), key=lambda m: normalise_email(m.email))
        _DECODED[key] = [(m, member_view(m), store.suppression_hash(m.email)) for m in members]
    recent = store.messages_by_member(policy.window_start(today))
    blocked = {h: r for h, r in store.connection.execute("SELECT hash, reason FROM suppression")}
    eligible, excluded = [], {}
    for member, view, hashed in _DECODED[key]:
        name = next((n for n in names if segments[n].predicate(view, today)), None)
        if name is None:
            continue
        decision = policy.decide(member, kind, today, recent.get(member.id, ()), planned=planned.get(member.id, ()),
                                 suppressed=blocked.get(hashed))
        if decision.allowed:
            eligible.append((snapshot(member), name))
        else:
            excluded.setdefault(decision.reason, []).append(snapshot(member))
    return {"eligible": eligible, "excluded": excluded}


def fast(store, names, kind, today, segments, policy, planned) -> dict:
    audience = evaluate(store, names, kind, today, segments=segments, policy=policy, planned=planned)
    return {"eligible": [(snapshot(m), name) for m, name in audience.eligible],
            "excluded": {reason: [snapshot(m) for m in members] for reason, members in audience.excluded.items() if members}}


def streamed(store, names, kind, today, segments, policy, planned) -> dict:
    """`stream` (what a build's planning consumes): the eligible as yielded, the excluded as `on_excluded`
    saw them; its counts must agree with what it reported."""
    seen: dict = {}
    found = stream(store, names, kind, today, segments=segments, policy=policy, planned=planned,
                   on_excluded=lambda member, reason: seen.setdefault(reason, []).append(snapshot(member)))
    eligible = [(snapshot(m), name) for m, name in found]
    assert found.eligible == len(eligible)
    assert {reason: n for reason, n in found.excluded.items() if n} == {reason: len(ms) for reason, ms in seen.items()}
    assert found.matched == len(eligible) + sum(map(len, seen.values()))
    return {"eligible": eligible, "excluded": seen}


POLICIES = {
    "default": Policy(),
    "strict": Policy(max_messages=1, window_days=7, pool_months=13, rejected_months=0, pool_consents=("events",),
                     active_stages=("interviewing", "offer", "shortlisted"), rejected_stages=("rejected", "silver_medalist")),
    "no-consent-kind": Policy(consents={"newsletter": None, "invitation": "events", "job_alert": "job_alerts",
                                        "follow_up": "newsletter", "event_update": "events"}, max_messages=0),
}


@pytest.fixture(scope="module")
def pools(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fast-pools")
    opened = [_pool(folder / f"pool-{seed}.sqlite3", seed) for seed in (1, 2, 3)]
    yield opened
    _DECODED.clear()
    for store, _members, _planned in opened:
        store.close()


@pytest.fixture(scope="module")
def rule_segments():
    return _segments()


def test_every_rule_alone_gives_the_same_audience(pools, rule_segments):
    """Each rule as the only segment, every pool: a newsletter and an invitation with planned messages."""
    for store, members, planned in pools:
        ids = [m.id for m in members]
        for name in rule_segments:
            for kind in ("newsletter", "invitation"):
                expected = straightforward(store, ids, [name], kind, DAY, rule_segments, POLICIES["default"], planned)
                assert fast(store, [name], kind, DAY, rule_segments, POLICIES["default"], planned) == expected, (name, kind)


@pytest.mark.parametrize("policy_name", list(POLICIES))
@pytest.mark.parametrize("kind", KINDS)
def test_several_segments_every_kind_and_policy(pools, rule_segments, policy_name, kind):
    """First matching segment wins; each kind checks its consent and budget; policies change every threshold."""
    policy = POLICIES[policy_name]
    names = ["r0", "r46", "r47", "r24", "r28", "r5", "r2"]  # overlapping, the last one matches everyone
    for today in (DAY, dt.date(2026, 2, 28), dt.date(2026, 12, 31)):
        for store, members, planned in pools:
            expected = straightforward(store, [m.id for m in members], names, kind, today, rule_segments, policy, planned)
            got = fast(store, names, kind, today, rule_segments, policy, planned)
            assert got == expected, (policy_name, kind, today)
            assert streamed(store, names, kind, today, rule_segments, policy, planned) == expected, (policy_name, kind, today)
            if kind == "newsletter" and today == DAY:
                assert set(got["excluded"]) == {"erased", "undeliverable", "unsubscribed", "retention_expired", "no_consent", "active_process",
                                                "over_budget"} - ({"no_consent"} if policy_name == "no-consent-kind" else set())


def test_the_real_segments_and_policy(pools, segments, policy):
    for store, members, planned in pools:
        ids = [m.id for m in members]
        for names in (["all-newsletter"], ["data-lyon", "cloud-devops", "nantes"], sorted(segments)):
            for kind in ("newsletter", "invitation", "job_alert"):
                expected = straightforward(store, ids, names, kind, DAY, segments, policy, planned)
                assert fast(store, names, kind, DAY, segments, policy, planned) == expected, (names, kind)
                assert streamed(store, names, kind, DAY, segments, policy, planned) == expected, (names, kind)


def test_the_fast_walk_is_the_one_taken_and_decodes_only_matched_members(pools, rule_segments, monkeypatch):
    """Otherwise the comparisons above would compare the straightforward walk with itself."""
    store, members, planned = pools[0]

    def refuse(*args, **kwargs):
        raise AssertionError("the straightforward walk was used")
    decoded = []

    def counting(row):
        decoded.append(row[0])
        return member_from_row(row)
    monkeypatch.setattr(audience_mod, "_walk", refuse)
    monkeypatch.setattr(audience_mod, "member_from_row", counting)
    audience = evaluate(store, ["r46"], "newsletter", DAY, segments=rule_segments, policy=Policy(), planned=planned)
    assert 0 < audience.matched < len(members) and len(decoded) == audience.matched


def test_hand_written_predicates_and_other_policies_take_the_straightforward_walk(pools, rule_segments):
    store, members, planned = pools[0]
    by_hand = Segment("by-hand", "Lyon, tested by hand.", rule=None,
                      predicate=lambda view, today: view.get("city") == "lyon" and "python" in view["skills"])

    class OwnPolicy(Policy):
        pass
    segments = {**rule_segments, "by-hand": by_hand}
    for names, policy in ((["by-hand", "r3"], Policy()), (["r3"], OwnPolicy())):
        assert row_viewer([segments[n] for n in names]) is None or type(policy) is not Policy
        expected = straightforward(store, [m.id for m in members], names, "newsletter", DAY, segments, policy, planned)
        assert fast(store, names, "newsletter", DAY, segments, policy, planned) == expected
        assert streamed(store, names, "newsletter", DAY, segments, policy, planned) == expected


def test_rows_decode_and_view_like_get_and_member_view(pools):
    store, members, _ = pools[1]
    rows = [row for batch in store.member_row_batches(size=7) for row in batch]
    assert len(rows) == len(members) and list(ROW_COLUMNS) == [f.name for f in dataclasses.fields(Member)]
    assert [row[0] for row in rows] == [m.id for m in sorted(members, key=lambda m: normalise_email(m.email))]
    some = store.get(members[0].id)
    assert set(VIEW_KEYS) == set(member_view(some)) and set(FIELDS) <= set(VIEW_KEYS)
    for row in rows:
        member = store.get(row[0])
        decoded = member_from_row(row)
        assert dataclasses.asdict(decoded) == dataclasses.asdict(member) and decoded == member
        assert decoded.skills is not member_from_row(row).skills  # fresh lists every time
        expected = member_view(member)
        assert dict(row_view(row)) == expected
        lazy = row_view(row, keys=())
        assert {key: lazy[key] for key in VIEW_KEYS} == expected  # every key computed on demand


def test_the_walks_pages_equal_sqlalchemys_rows(store_location):
    """`Store.member_row_batches` reads its pages with `Database.fetch_all` (on SQLite, the driver's cursor
    itself): the same rows, values and order as SQLAlchemy's `execute(...).fetchall()`, page after page;
    a failing query raises the store's `DatabaseError` as `execute` does."""
    from talentpool import store as store_mod
    from talentpool.db import DatabaseError

    rng = random.Random(7)
    with Store(store_location) as store:
        with store.transaction():
            for i in range(40):
                store.add(_member(i, rng, DAY))
        db = store.connection
        pages, after, sql = [], "", store_mod._FIRST_MEMBER_PAGE
        while rows := [tuple(row) for row in db.execute(sql, {"after": after, "size": 7}).fetchall()]:
            pages.append(rows)
            after, sql = rows[-1][-1], store_mod._MEMBER_PAGE
        assert len(pages) == 6 and [list(map(tuple, page)) for page in store.member_row_batches(size=7)] == pages
        if not store.is_postgres:  # plain tuples from the driver (PostgreSQL keeps SQLAlchemy's rows)
            assert all(type(row) is tuple for row in db.fetch_all(store_mod._MEMBER_PAGE, {"after": "", "size": 3}))
        with pytest.raises(DatabaseError):
            db.fetch_all("SELECT no_such_column FROM members WHERE email_key > :after", {"after": ""})


def test_many_rows_written_through_the_driver_equal_sqlalchemys_executemany(store_location):
    """`Database.execute_many` (on SQLite, the driver's `executemany` itself) writes what `execute(sql, rows)`
    writes: the same rows, values and types, ON CONFLICT honoured; an empty list writes nothing; a failing
    statement raises the store's `DatabaseError` and, inside a transaction, leaves nothing behind."""
    from talentpool.db import DatabaseError

    insert = ("INSERT INTO job_alerts(member_id, job_reference, plan_id, planned, position)"
              " VALUES (:member, :reference, :plan, :planned, :position) ON CONFLICT DO NOTHING")
    rows = [{"member": f"m-{n % 5}", "reference": f"CC-é-{n % 3}", "plan": "p", "planned": "2026-11-22", "position": n}
            for n in range(60)]
    select = "SELECT member_id, job_reference, plan_id, planned, position FROM job_alerts ORDER BY position"
    with Store(store_location) as store:
        db = store.connection
        with store.transaction():
            db.execute(insert, rows)
        expected = [tuple(row) for row in db.execute(select)]
        with store.transaction():
            db.execute("DELETE FROM job_alerts")
            db.execute_many(insert, [])
            db.execute_many(insert, rows)
        assert [tuple(row) for row in db.execute(select)] == expected and len(expected) == 5 * 3
        with pytest.raises(DatabaseError), store.transaction():
            db.execute_many(insert.replace("job_alerts(", "job_alerts(no_such_column, "), rows)
        assert [tuple(row) for row in db.execute(select)] == expected


@pytest.mark.parametrize("skills, consents", [
    ('["Python", "SQL"]', '{"newsletter": "2026-01-02", "events": "2025-12-31"}'), ("[]", "{}"),
    ('["é", "a\\"b", "Data  Science"]', '{"job_alerts": "2024-02-29"}'), ('"py"', '{"a": "2026-01-02"}'),
    ('{"python": 1}', "{}"), (' ["a"] ', ' {} '), ("null", "{}"), ('["a"', "{}"), ("[]", '{"newsletter": ""}'),
    ("[]", '["newsletter"]'), ("[]", '{"newsletter": "2026-01-02T10:00"}'), ("[]", "null")])
def test_skills_and_consents_parsed_every_time_decode_as_the_cached_texts(skills, consents):
    """The skills and consents of a row are parsed every time (`store.fresh_list`, `fresh_dates`), the other
    lists and dates through the caches: the same Member and view as `get()`'s decoding, or the same error."""
    from talentpool import store as store_mod
    from talentpool.segments import _consent_entries

    row = ("m-1", "a@example.com", "", "", "fr", "Lyon", "FR", skills, '["data"]', "[]", "junior", "sourced", "other",
           "[]", consents, None, "2025-01-01", None, None, "{}", "a@example.com")
    try:
        expected = store_mod._decode(dict(zip((*ROW_COLUMNS, "email_key"), row)))
    except Exception as exc:  # noqa: BLE001 - the same error is expected from the walk's decoding
        with pytest.raises(type(exc)):
            member_from_row(row)
        return
    decoded = member_from_row(row)
    assert dataclasses.asdict(decoded) == dataclasses.asdict(expected)
    view = member_view(expected)
    assert row_view(row, keys=("skills",))["skills"] == view["skills"]
    assert {key: value for key, value in _consent_entries(row).items()} == {
        key: view[key] for key in view if key == "consents" or key.startswith("consent.")}


def test_row_viewer_fills_what_the_rules_and_their_includes_read(rule_segments):
    viewer = row_viewer([rule_segments["r50"]])
    assert rule_segments["r50"].predicate.view_keys == {"city", "departments", "consent.events"}
    assert rule_segments["r2"].predicate.view_keys == {"email"}
    row = (*("m-1", "a@example.com", "", "", "fr", " Lyon", "FR", '["python"]', '["cloud"]', '[]', "", "sourced", "other",
             '[]', '{"events": "2025-01-01"}', None, "2025-01-01", None, None, "{}"),)
    assert dict(viewer(row)) == {"city": "lyon", "departments": frozenset({"cloud"}), "consent.events": dt.date(2025, 1, 1)}


def test_decider_gives_decides_first_reason_for_every_member(pools):
    """Every member (matched or not), every kind, every policy, with and without messages, each suppression reason."""
    for store, members, planned in pools:
        recent = store.messages_by_member(Policy().window_start(DAY) - dt.timedelta(days=40))
        for policy in POLICIES.values():
            for today in (DAY, dt.date(2026, 3, 31), dt.date(2028, 2, 29)):
                for kind in KINDS:
                    reason_of = policy.decider(kind, today)
                    for member in members:
                        for suppressed in (None, "erased", "bounced", "complained", "unsubscribed"):
                            args = (recent.get(member.id, ()), planned.get(member.id, ()))
                            decision = policy.decide(member, kind, today, args[0], planned=args[1], suppressed=suppressed)
                            assert reason_of(member, *args, suppressed) == decision.reason, (member, kind, today)
    with pytest.raises(ValueError, match="unknown message kind"):
        Policy().decider("mailing", DAY)


def test_decider_counts_each_shared_planned_tuple_once_and_decides_as_decide(pools, monkeypatch):
    """Members with nothing sent in the window are decided by their planned messages alone: given as the
    build's budget gives them (a few shared tuples), each tuple is counted once, with `decide`'s reasons."""
    real, counted = Policy.budget_used, []

    def counting(self, *args, **kwargs):
        counted.append(args)
        return real(self, *args, **kwargs)
    for store, members, planned in pools:
        shared: dict = {}
        as_tuples = {m: shared.setdefault(tuple(tuple(i) if isinstance(i, list) else i for i in items), tuple(items))
                     for m, items in planned.items()}
        recent = store.messages_by_member(Policy().window_start(DAY))
        calls = [(member, recent.get(member.id, ()), as_tuples.get(member.id, ())) for member in members]
        for policy in POLICIES.values():
            for kind in KINDS:
                for plan_id in (None, "plan-x"):
                    expected = [policy.decide(m, kind, DAY, sent, planned=due, plan_id=plan_id).reason
                                for m, sent, due in calls]
                    counted.clear()
                    with monkeypatch.context() as patched:
                        patched.setattr(Policy, "budget_used", counting)
                        reason_of = policy.decider(kind, DAY, plan_id)
                        assert [reason_of(m, sent, due) for m, sent, due in calls] == expected, (kind, plan_id)
                    if policy.counts(kind):  # once per member with messages sent, once per distinct tuple otherwise
                        distinct = {due for _, sent, due in calls if due and not sent}
                        assert len(counted) == sum(1 for _, sent, _ in calls if sent) + len(distinct)
                        assert len(distinct) < sum(1 for _, sent, due in calls if due and not sent)


@pytest.mark.parametrize("text", ['["python", "sql"]', "[]", "{}", '{"events": "2026-01-02"}', '["é", "\\u00e9", "a\\"b"]',
                                  ' ["a"]', '["a"] ', '["a"]\n', '["a"] ["b"]', '["a"', "", "nope", "\ufeff[]", b'["a"]'])
def test_the_stores_json_reading_is_json_loads(text):
    """The walk reads stored JSON with json's scanner directly; anything unusual goes through json.loads."""
    try:
        expected = json.loads(text)
    except json.JSONDecodeError as exc:
        with pytest.raises(json.JSONDecodeError) as caught:
            _loads(text)
        assert str(caught.value) == str(exc)
    else:
        assert _loads(text) == expected and type(_loads(text)) is type(expected)
