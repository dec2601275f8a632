"""Follow-ups see each member through a lazy view (`segments.LazyMemberView`, `due.viewer`): the same day as `member_view`.

`member_view` computes every key of a member (four folded sets among them);
the lazy view computes a key when a rule first reads it. Compared here: the
lazy view with `member_view` key by key, in any order, on varied random
members; and whole days of follow-ups (`plan_sequences`: steps planned,
every outcome and the tallies) planned with the lazy view and with
`member_view`, on the sample sequences plus sequences whose trigger
conditions, audiences and exits read every kind of field, with steps
recorded between the days so that exits and finished runs occur. A rule
not compiled from the rule language (it may read a view with `.get()`)
gets `member_view`.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from mailing.engine.budget import Budget
from mailing.kinds.follow_up import due
from mailing.kinds.follow_up.rules import load_sequences
from talentpool.policy import load_policy
from talentpool.segments import VIEW_KEYS, lazy_member_view, load_segments, member_view
from talentpool.store import Store
from tests.conftest import ROOT
from tests.talentpool.test_audience_fast import _member

DAY = dt.date(2026, 11, 22)

STEPS = """
max_wait: 40 days
steps:
  - id: first
    after: {after}
    subject: {{fr: "Sujet", en: "Subject"}}
    preheader: {{fr: "Un aperçu du message.", en: "A preview of the message."}}
    body: {{fr: "Bonjour.", en: "Hello."}}
  - id: again
    after: {again}
    every: 60 days
    subject: {{fr: "Sujet", en: "Subject"}}
    preheader: {{fr: "Un aperçu du message.", en: "A preview of the message."}}
    body: {{fr: "Bonjour.", en: "Hello."}}
"""
EXTRA = {
    "consent-newsletter": """trigger:
  date: consent.newsletter
  when: {any: [{field: skills, contains_any: [python, sql]}, {field: city, in: [Lyon, Nantes]}]}
audience: {all: [{not: {field: tags, contains_any: [vip]}}, {field: email, exists: true}]}
exit:
  withdrew: {field: consents, exists: false}
  far: {field: country, in: [GB]}""",
    "last-contact": """trigger:
  date: last_contact
  when: {field: seniority, less_than: senior}
audience: {any: [{field: departments, contains_any: [data, cloud]}, {field: roles, contains_all: [sre]}]}
exit:
  left: {field: unsubscribed, exists: true}
  events: {field: consent.events, within_days: 400}""",
    "stage-changed": """trigger:
  date: stage_changed
  when: {field: language, equals: en}
audience: {segment: lyon}
exit:
  school: {field: source, equals: school}""",
}


@pytest.fixture(scope="module")
def rules_and_policy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sequences")
    for path in (ROOT / "audiences" / "sequences").glob("*.yml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    for n, (name, head) in enumerate(EXTRA.items()):
        text = (f"name: {name}\ndescription: A test sequence reading many fields.\nkind: follow_up\n{head}\n"
                + STEPS.format(after=f"{10 * n} days", again=f"{30 + 10 * n} days"))
        (folder / f"{name}.yml").write_text(text, encoding="utf-8")
    segments = load_segments(ROOT / "audiences" / "segments")
    policy = load_policy(ROOT / "audiences" / "policy.yml")
    return load_sequences(folder, segments, kinds=tuple(policy.consents)), policy


def test_the_lazy_view_is_member_view_key_by_key():
    rng = random.Random(8)
    for i in range(400):
        member = _member(i, rng, DAY)
        expected = member_view(member)
        keys = list(VIEW_KEYS)
        rng.shuffle(keys)
        lazy = lazy_member_view(member)
        assert lazy.get("skills") is None and not lazy  # nothing computed until asked
        for key in keys[: rng.randint(0, len(keys))]:
            assert lazy[key] == expected[key], key
        assert {key: lazy[key] for key in keys} == expected and dict(lazy) == expected
        assert dict(lazy_member_view(member, ("created", "consent.events"))) == {
            key: expected[key] for key in ("created", "consents", *(k for k in VIEW_KEYS if k.startswith("consent.")))}
        with pytest.raises(KeyError):
            lazy["no_such_field"]


def _day_of(store, rules, policy, day):
    result = due.plan_sequences(store, rules, policy, day, Budget())
    planned = [(d.member_id, d.sequence.name, d.step.id, d.anchor, d.occurrence, d.due) for d in result.planned]
    return planned, result.outcomes, dict(result.tally), result


def test_days_of_follow_ups_equal_those_planned_with_member_view(tmp_path, rules_and_policy, monkeypatch):
    rules, policy = rules_and_policy
    assert due.viewer(list(rules.values())) is not due.member_view  # the lazy view is the one taken
    rng = random.Random(21)
    with Store(tmp_path / "pool.sqlite3") as store:
        with store.transaction():
            for i in range(700):
                store.add(_member(i, rng, DAY))
        for day in (DAY - dt.timedelta(days=200), DAY - dt.timedelta(days=61), DAY - dt.timedelta(days=20), DAY,
                    DAY + dt.timedelta(days=45)):
            lazy = _day_of(store, rules, policy, day)
            with monkeypatch.context() as patched:
                patched.setattr(due, "viewer", lambda sequences: member_view)
                assert _day_of(store, rules, policy, day)[:3] == lazy[:3]
            due.commit(store, lazy[3])  # remembered: later days see runs going on, finished or exited
        statuses = {status for (_, status) in lazy[2]}
        assert {due.DUE, due.NOT_YET, due.EXITED} <= statuses


def test_days_of_follow_ups_equal_those_planned_without_remembering_runs(tmp_path, rules_and_policy, monkeypatch):
    """`SequencePlanner` remembers `next_step` of runs with nothing done by (sequence, anchor) (`runs`):
    the same days as `next_step` asked for every member, runs going on, finished or exited included."""
    rules, policy = rules_and_policy
    rng = random.Random(22)
    calls = {"remembered": 0, "every time": 0}
    real_next_step, real_evaluate = due.next_step, due.evaluate_member
    with Store(tmp_path / "pool.sqlite3") as store:
        with store.transaction():
            for i in range(700):
                store.add(_member(i, rng, DAY))
        for day in (DAY - dt.timedelta(days=61), DAY - dt.timedelta(days=20), DAY, DAY + dt.timedelta(days=45)):
            for way in ("remembered", "every time"):
                with monkeypatch.context() as patched:
                    def counted(*args, way=way):
                        calls[way] += 1
                        return real_next_step(*args)
                    patched.setattr(due, "next_step", counted)
                    if way == "every time":
                        patched.setattr(due, "evaluate_member", lambda *args: real_evaluate(*args[:6]))
                    found = _day_of(store, rules, policy, day)
                if way == "remembered":
                    remembered = found
            assert found[:3] == remembered[:3]
            due.commit(store, remembered[3])
    assert calls["remembered"] < calls["every time"] / 2  # what the test is about: the runs were remembered


def test_a_rule_not_compiled_here_gets_member_view(rules_and_policy):
    rules, _ = rules_and_policy
    sequences = list(rules.values())
    sequences[0].exits = {**sequences[0].exits, "by-hand": lambda view, today: view.get("city") == "lyon"}
    try:
        assert due.viewer(sequences) is due.member_view
    finally:
        sequences[0].exits.pop("by-hand")
