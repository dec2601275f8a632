"""One walk of the pool for every kind of a build (`mailing.engine.walk`): the same plans as kind after kind.

The straightforward way is each kind's own `plan`, one kind after the other, each walking the
whole pool (`plan_in_order(..., shared=False)`); a build walks the pool once, each row offered
to every kind in priority order. Compared here:

- a build's whole mail side on the sample content (`bench/mailscale.py engine`: every kind read,
  planned, written) over a synthetic pool, twice on the same store and outbox (the second build
  sees the first one's waiting plans and records): the same outbox, byte for byte, and the same store;
- the invitation rounds for members named beforehand (update, reminder, cancellation, with a
  member erased since), day after day with what was planned sent: the same rounds, in the same
  order, beside job alerts and follow-ups competing for the same budget, which starts empty;
- a kind without a walker plans at its place between two shared walks;
- the same walks in parts (a large pool on several cores: forked processes each walk a part, their
  plans joined in the store's order), and in parts where a child is killed (`kill -9`), fails
  mid-walk or cannot be forked: its part walked by the parent, no member lost or planned twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import os
import shutil
import signal
import sqlite3
import sys
from pathlib import Path
from types import SimpleNamespace

from mailing.delivery.ledger import Ledger
from mailing.engine import walk
from mailing.engine.budget import Budget
from mailing.kinds.follow_up import due as sequences
from mailing.kinds.follow_up.rules import load_sequences
from mailing.kinds.invitation import records as invitation_records
from mailing.kinds.invitation import rounds
from mailing.kinds.job_alert import digests as alerts
from talentpool import config as pool_config
from talentpool.policy import Policy
from talentpool.store import Store
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import mailscale  # noqa: E402  (the benchmark's build of the mail side)
import synth_pool  # noqa: E402  (the benchmark's synthetic members)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _dump(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_a_build_plans_the_same_outbox_and_store_in_one_walk_and_in_parts(tmp_path, monkeypatch, caplog):
    from mailing.engine import steps

    pristine = synth_pool.write_pool(tmp_path / "pristine.sqlite3", 3000)
    walked, joined = [], []
    real_walk, real_join = walk.walk, Budget.join

    def recording(store, walkers, **options):
        if walkers:
            walked.append((sorted(type(w).__name__ for w in walkers), options["parts"]))
        real_walk(store, walkers, **options)

    def joining(budget, planned):
        joined.append(len(planned))
        real_join(budget, planned)

    real_child_part = walk._child_part

    def failing(how):
        """A child that plans part of its part, then is killed (`kill -9`) or fails."""
        def child_part(store, walkers, budget, start, stop):
            visit, seen = walkers[0].visit, [0]

            def visit_then_fail(row, member):
                seen[0] += 1
                if seen[0] == 200:
                    if how == "killed":
                        os.kill(os.getpid(), signal.SIGKILL)
                    raise RuntimeError("a walker's error in the child")
                return visit(row, member)

            walkers[0].visit = visit_then_fail
            return real_child_part(store, walkers, budget, start, stop)
        return child_part

    monkeypatch.setattr(walk, "walk", recording)
    monkeypatch.setattr(Budget, "join", joining)
    _may_fork(monkeypatch)
    results = {}
    from careers import forking

    real_start = forking.Child.start
    for way in ("one-by-one", "one walk", "in parts", "killed", "failed", "refused"):
        base = tmp_path / way
        base.mkdir()
        pool, outbox = base / "pool.sqlite3", base / "outbox"
        shutil.copyfile(pristine, pool)
        monkeypatch.setenv("VIVIER_POOL", str(pool))
        monkeypatch.setenv("VIVIER_OUTBOX", str(outbox))
        monkeypatch.setattr(steps, "plan_in_order", functools.partial(walk.plan_in_order, shared=way != "one-by-one"))
        monkeypatch.setattr(steps, "walk_parts", lambda settings, store, way=way: 1 if way == "one walk" else 3)
        monkeypatch.setattr(walk, "_child_part", failing(way) if way in ("killed", "failed") else real_child_part)
        # The system refuses the fork (out of memory or processes): Child.start gives None.
        monkeypatch.setattr(forking.Child, "start", classmethod(lambda cls, *a, **k: None) if way == "refused" else real_start)
        del walked[:], joined[:]
        caplog.clear()
        first = mailscale.engine(str(ROOT / "content"), str(pool), str(outbox))
        first_tree, first_store = _tree(outbox), _dump(pool)
        second = mailscale.engine(str(ROOT / "content"), str(pool), str(outbox))  # on the first one's outbox and store
        results[way] = (first["plans"], first_tree, first_store, second["plans"], _tree(outbox), _dump(pool))
        kinds = ["AlertsWalker", "InvitationsWalker", "SequencesWalker", "_CampaignsWalker"]
        if way == "one-by-one":
            assert walked == [] and joined == []
        elif way == "one walk":
            assert walked == [(kinds, 1)] * 2 and joined == []
        else:  # two children a build, each planning for some members (the budget's additions joined)
            assert walked == [(kinds, 3)] * 2
            walked_here = [r for r in caplog.records if "was walked here" in r.getMessage()]
            if way == "in parts":
                assert len(joined) == 4 and all(joined) and not walked_here
            else:  # every child failed: each part walked again here, said for each part (once: the log drops repeats)
                assert joined == [] and len({r.getMessage() for r in walked_here}) == 2
                assert {"killed": "ended without an answer", "failed": "a walker's error",
                        "refused": "could not be started"}[way] in walked_here[0].getMessage()
    # The same plans and store, however walked: no member lost, none planned twice.
    for way in ("one walk", "in parts", "killed", "failed", "refused"):
        assert results[way] == results["one-by-one"], way
    # What the test is about: every kind planned, each build.
    plans, tree = results["in parts"][0], results["in parts"][1]
    assert {json.loads(data)["message_kind"] for name, data in tree.items() if name.endswith("plan.json")} == \
        {"newsletter", "invitation", "job_alert", "follow_up"}
    assert len(plans) == 6 and all(plans.values())
    for name, data in tree.items():
        if name.endswith("manifest.jsonl"):
            members = [json.loads(line)["member"] for line in data.splitlines()]
            assert len(members) == len(set(members)), name


# --- invitation rounds for members named beforehand, day after day ----------------------------------------

DAY0 = dt.date(2026, 11, 2)
SIZE = 600


def _event(reference, segment_names, start, *, sequence=0, status="confirmed"):
    return SimpleNamespace(uid=f"{reference}@vivier", reference=reference, segments=segment_names, start=start,
                           status=status, sequence=sequence, lang="fr", is_past=False, translations=[],
                           source_path=f"content/events/{reference}.md")


class _Kind:
    """What the engine asks of a kind, around the planning functions the real kinds call."""

    def __init__(self, name, plan, walker=None):
        self.name, self._plan, self._walker, self.result = name, plan, walker, None

    def plan(self, budget, store, policy, day):
        self.result = self._plan(budget, store, policy, day)

    def walker(self, budget, store, policy, day):
        if self._walker is None:
            return None
        return self._walker(budget, store, policy, day, lambda result: setattr(self, "result", result))


def _kinds(events, segments, rules, jobs, options, reference=False):
    def invitations(budget, store, policy, day):
        plan = _reference_plan_invitations if reference else rounds.plan_invitations
        return plan(store, events, segments, policy, day, planned=budget, options=options)

    def invitations_walker(budget, store, policy, day, then):
        return rounds.InvitationsWalker(rounds.event_planners(store, events, segments, policy, day, planned=budget,
                                                              options=options), then)

    def job_alerts(budget, store, policy, day):
        return alerts.plan_alerts(store, jobs, policy, day, max_jobs=3, max_age_days=30, planned=budget)

    def alerts_walker(budget, store, policy, day, then):
        return alerts.AlertsWalker(alerts.AlertPlanner(store, jobs, policy, day, max_jobs=3, max_age_days=30,
                                                       planned=budget), then)

    def follow_ups(budget, store, policy, day):
        return sequences.plan_sequences(store, rules, policy, day, budget)

    def follow_ups_walker(budget, store, policy, day, then):
        return sequences.SequencesWalker(sequences.SequencePlanner(store, rules, policy, day, budget), then)

    return [_Kind("invitation", invitations, None if reference else invitations_walker), _Kind("job_alert", job_alerts, alerts_walker),
            _Kind("follow_up", follow_ups, follow_ups_walker)]


# The invitation rounds as they were planned before the shared walk (the code of `rounds.plan_event` and
# `plan_invitations` then, word for word): the reference of the rounds planned either way now.
from mailing.delivery import choices as member_choices  # noqa: E402
from mailing.engine.budget import RECEIVED_STATES, Budget as Planned, delivered  # noqa: E402
from mailing.kinds.invitation.rounds import (  # noqa: E402
    KIND, EventPlan, InvitationSettings, Recipient, Round, _done, _invited, group_events)
from talentpool import audience as pool_audience  # noqa: E402
from talentpool.policy import BLOCKING  # noqa: E402

records = invitation_records


def _reference_plan_event(store, event, segments, policy, today: dt.date, planned: Planned, options: InvitationSettings,
               recent: dict) -> EventPlan:
    """`rounds.plan_event` as it was written before the shared walk, kept as the reference."""
    result = EventPlan(event)
    names = [name for name in event.segments if name in segments]
    result.unknown_segments = [name for name in event.segments if name not in segments]
    start = event.start.date()
    if not names:
        result.notes.append("no known segment to invite")
        return result
    if today >= start:
        result.notes.append("the event has started or is past: nothing more is sent")
        return result
    rows = records.rows_for_event(store, event.uid)
    # Updates, cancellations and reminders go to those who received an invitation (the ledger says so),
    # never to members planned but not sent (their round is withdrawn when the event changes).
    received = delivered(store, {row.plan_id for row in rows}, RECEIVED_STATES)
    invited = _invited(rows, received)
    suppressed = store.suppression_lookup(BLOCKING)
    prefs = member_choices.all_preferences(store)

    def decide(round_, member, segment):
        decision = policy.decide(member, round_.kind, today, recent.get(member.id, ()), planned=planned.of(member.id),
                                 suppressed=suppressed(member.email), plan_id=round_.plan_id)
        reason = decision.reason if not decision.allowed else member_choices.objection(prefs.get(member.id, {}), round_.kind, today)
        if reason:
            round_.skipped.add(reason, member.id)
        else:
            round_.recipients.append(Recipient.of(member, segment))
            planned.add(member.id, round_.kind, round_.plan_id, today)

    def follow_up_round(action):
        round_ = Round(event, action, event.sequence, today)
        done = _done(rows, action, event.sequence)
        for member_id, row in sorted(invited.items()):
            if member_id in done or (action == "update" and row.sequence >= event.sequence):
                continue
            member = store.get(member_id)
            if member is None:
                round_.skipped.add("erased", member_id)
                continue
            decide(round_, member, row.segment)
        return round_

    if event.status == "cancelled":
        result.rounds.append(follow_up_round("cancel"))
        return result
    if any(row.sequence < event.sequence for row in invited.values()):
        result.rounds.append(follow_up_round("update"))
    opens = start - dt.timedelta(days=options.open_days)
    if today < opens:
        result.notes.append(f"invitations open on {opens.isoformat()} ({options.open_days} days before the start)")
    else:
        round_ = Round(event, "invite", event.sequence, today)
        done = _done(rows, "invite", event.sequence) | set(invited)  # planned in this round, or invited before
        skipped = round_.skipped

        def excluded(member, reason):
            if member.id not in done:
                skipped.add(reason, member.id)

        # Streamed from the store: the eligible are planned as the pool is walked, the excluded kept as ids.
        found = pool_audience.stream(store, names, KIND, today, segments=segments, policy=policy,
                                     planned=planned.by_member, plan_id=round_.plan_id, on_excluded=excluded)
        for member, segment in found:
            reason = member_choices.objection(prefs.get(member.id, {}), KIND, today) if prefs else None
            if reason:  # the member's own choices (`honour`): excluded after the policy's reasons
                excluded(member, reason)
                continue
            if member.id in done:
                continue
            round_.recipients.append(Recipient.of(member, segment))
            planned.add(member.id, KIND, round_.plan_id, today)
        skipped.order(found.excluded)  # the policy's reasons first, in its order, as `evaluate` gave them
        result.rounds.append(round_)
    if options.reminder_days > 0:
        reminder_day = start - dt.timedelta(days=options.reminder_days)
        if today >= reminder_day:
            fresh = {r.member_id for round_ in result.rounds for r in round_.recipients}
            invited_before = {k: v for k, v in invited.items() if k not in fresh and v.planned < today}
            reminder = Round(event, "reminder", event.sequence, today)
            done = _done(rows, "reminder", event.sequence)
            for member_id, row in sorted(invited_before.items()):
                if member_id in done:
                    continue
                member = store.get(member_id)
                if member is not None:
                    decide(reminder, member, row.segment)
            result.rounds.append(reminder)
        else:
            result.notes.append(f"reminder on {reminder_day.isoformat()}")
    return result


def _reference_plan_invitations(store, events, segments, policy, today: dt.date, *, planned: Planned | None = None,
                     options: InvitationSettings = InvitationSettings(), default_lang: str = "fr") -> list[EventPlan]:
    """`rounds.plan_invitations` before the shared walk (each named round looked up member by member)."""
    planned = Planned() if planned is None else planned
    recent = store.messages_by_member(policy.window_start(today))
    plans = []
    for event in group_events(events, default_lang):
        if not event.segments or getattr(event, "is_past", False):
            continue
        plans.append(_reference_plan_event(store, event, segments, policy, today, planned, options, recent))
    return plans


def _rounds(plans):
    return [(plan.event.reference, round_.action, round_.sequence, [tuple(r) for r in round_.recipients],
             list(round_.skipped.ids()), dict(round_.skipped.counts), [row.member_id for row in round_.rows()])
            for plan in plans for round_ in plan.rounds] + [(plan.event.reference, plan.notes) for plan in plans]


def _alerts(day):
    return [tuple(d) for d in day.digests], dict(day.waiting)


def _follow_ups(day):
    return [(d.member_id, d.sequence.name, d.step.id, d.occurrence) for d in day.planned], \
        sorted(day.tally.items()), [dataclasses.astuple(o) for o in day.outcomes]


def _may_fork(monkeypatch):
    """`careers.forking.can_fork` says yes: the walk forks only when no other thread runs, and a pytest-xdist
    worker runs execnet's; the walk's children touch nothing those threads hold (they leave by `os._exit`)."""
    from careers import forking

    monkeypatch.setattr(forking, "can_fork", lambda: True)


def test_named_rounds_alerts_and_follow_ups_plan_the_same_in_one_walk(store_location, monkeypatch):
    _may_fork(monkeypatch)
    store = Store(store_location)
    try:
        import random

        rng = random.Random(7)
        with store.transaction():
            for i in range(SIZE):
                store.add(synth_pool.member(i, rng))
        segments = pool_config.load_segments({"POOL_SEGMENTS_PATH": str(ROOT / "audiences" / "segments")})
        policy = Policy(max_messages=2, window_days=30)
        rules = load_sequences(ROOT / "audiences" / "sequences", segments, kinds=tuple(policy.consents))
        jobs = [alerts.OpenJob(facts, dt.date(2026, 10, 20) + dt.timedelta(days=i)) for i, facts in enumerate(_jobs())]
        paris = dt.timezone(dt.timedelta(hours=1))
        soon = _event("soon", ["juniors", "nantes"], dt.datetime(2026, 11, 8, 18, 0, tzinfo=paris))
        moved = _event("moved", ["cloud-devops", "lyon"], dt.datetime(2026, 12, 1, 18, 0, tzinfo=paris))
        dropped = _event("dropped", ["silver-medalists", "data-lyon"], dt.datetime(2026, 12, 20, 18, 0, tzinfo=paris))
        events = [soon, moved, dropped]
        options = rounds.InvitationSettings(open_days=60, reminder_days=1)
        seen_actions, seen = set(), {"digests": 0, "follow_ups": 0, "reasons": set()}
        for offset in range(8):
            day = DAY0 + dt.timedelta(days=offset)
            if offset == 3:  # the second event moves (SEQUENCE 1: an update round), the third is cancelled
                moved.sequence, moved.start = 1, moved.start + dt.timedelta(days=1)
                dropped.sequence, dropped.status = 1, "cancelled"
                # One of those invited to the cancelled event is no longer in the store (its member row alone
                # removed, as by an erasure under way): skipped as erased.
                gone = next(r.member_id for r in invitation_records.rows_for_event(store, dropped.uid)
                            if r.status == invitation_records.PLANNED)
                with store.transaction() as conn:
                    conn.execute("DELETE FROM members WHERE id = :id", {"id": gone})
            if offset == 2:  # some of those invited to the first event pause their mail until day 5
                invited = sorted({r.member_id for r in invitation_records.rows_for_event(store, soon.uid)
                                  if r.status == invitation_records.PLANNED})
                for member_id in invited[::3]:
                    member_choices.set_preference(store, member_id, member_choices.PAUSED_UNTIL,
                                                  (DAY0 + dt.timedelta(days=5)).isoformat(), day)
            if offset == 3:  # it moves: updated, but not the paused, who are updated on the reminder's day (day 5),
                soon.sequence = 1  # and then get no reminder; the others get the reminder
            got = {}
            for shared in ("reference", False, True, "parts"):
                kinds = _kinds(events, segments, rules, jobs, options, reference=shared == "reference")
                budget = Budget()  # empty: the kinds after the first fill it as the walk goes
                joined = []
                budget.join = lambda planned, budget=budget, joined=joined: (joined.append(len(planned)),
                                                                           Budget.join(budget, planned))
                walk.plan_in_order(kinds, budget, store, policy, day, shared=shared in (True, "parts"),
                                   parts=3 if shared == "parts" else 1)
                assert len(joined) == (2 if shared == "parts" else 0)  # in three parts: two children joined
                got[shared] = ([_rounds(kinds[0].result), _alerts(kinds[1].result), _follow_ups(kinds[2].result)],
                               {m: list(items) for m, items in budget.by_member.items()}, kinds)
            assert got["parts"][:2] == got[True][:2] == got[False][:2] == got["reference"][:2]
            plans, alert_day, follow_up_day = (kind.result for kind in got[True][2])
            seen_actions |= {round_.action for plan in plans for round_ in plan.rounds if round_.recipients}
            seen["reasons"] |= {reason for plan in plans for round_ in plan.rounds for reason in round_.skipped}
            seen["reasons"] |= {reason for reason, n in alert_day.waiting.items() if n}
            seen["digests"] += len(alert_day.digests)
            seen["follow_ups"] += len(follow_up_day.planned)
            # Remember what was planned and "send" it, as a build and `vivier send` do.
            rounds.commit(store, plans)
            sequences.commit(store, follow_up_day)
            alerts.record(store, alert_day)
            at = dt.datetime.combine(day, dt.time(9, 0), tzinfo=paris)
            for plan in plans:
                for round_ in plan.rounds:
                    for recipient in round_.recipients:
                        Ledger(store, round_.plan_id).sent(recipient.member_id, kind=round_.kind, at=at)
        # What the test is about: every round for named members happened, with someone left out of them.
        assert seen_actions == {"invite", "update", "cancel", "reminder"}
        assert {"erased", "over_budget", "no_consent"} <= seen["reasons"], seen["reasons"]
        assert seen["digests"] and seen["follow_ups"], seen
        assert invitation_records.rows_for_event(store, moved.uid)
    finally:
        store.close()


def _jobs():
    from mailing.matching import JobFacts

    return [JobFacts(f"J-{i}", f"Job {i}", department=department, cities=(city,), must_have=skills)
            for i, (department, city, skills) in enumerate([
                ("data", "Lyon", ("python", "sql")), ("cloud", "Nantes", ("aws", "terraform")),
                ("dev", "Lyon", ("java", "spring")), ("data", "Paris", ("power bi",)), ("cloud", "Lyon", ("azure",))])]


def test_a_kind_without_walker_plans_between_two_walks(tmp_path):
    store = Store(tmp_path / "pool.sqlite3")
    try:
        import random

        rng = random.Random(3)
        with store.transaction():
            for i in range(40):
                store.add(synth_pool.member(i, rng))
        order = []

        class Walking:
            def __init__(self, name):
                self.name = name

            def walker(self, budget, store, policy, day):
                order.append(("ready", self.name))
                name = self.name

                class Seen(walk.Walker):
                    def visit(self, row, member):
                        budget.add(row[0], name, name, day)
                        return member

                    def done(self):
                        order.append(("done", name))
                return Seen()

            def plan(self, budget, store, policy, day):
                raise AssertionError("a kind with a walker does not plan on its own")

        class Alone:
            name = "alone"

            def walker(self, budget, store, policy, day):
                return None

            def plan(self, budget, store, policy, day):
                order.append(("plan", self.name, len(budget.by_member)))

        budget = Budget()
        walk.plan_in_order([Walking("a"), Walking("b"), Alone(), Walking("c")], budget, store, None, DAY0)
        assert order == [("ready", "a"), ("ready", "b"), ("done", "a"), ("done", "b"), ("plan", "alone", 40),
                         ("ready", "c"), ("done", "c")]
        assert {items for items in budget.by_member.values()} == {(("a", "a", DAY0), ("b", "b", DAY0), ("c", "c", DAY0))}
    finally:
        store.close()


def test_a_large_pool_is_walked_in_as_many_parts_as_the_settings_and_cores_say(tmp_path):
    """`steps.walk_parts`: one part below MAILING_WALK_PARALLEL_FROM members or with one process; else
    MAILING_WALK_PROCESSES, 0 meaning one per core this process may use (at most 4). The parts' bounds
    cut the pool's address keys into parts of about the same size."""
    from mailing.engine.steps import walk_parts

    with Store(synth_pool.write_pool(tmp_path / "pool.sqlite3", 1000)) as store:
        assert walk_parts({"MAILING_WALK_PROCESSES": 3, "MAILING_WALK_PARALLEL_FROM": 1001}, store) == 1
        assert walk_parts({"MAILING_WALK_PROCESSES": 3, "MAILING_WALK_PARALLEL_FROM": 1000}, store) == 3
        assert walk_parts({"MAILING_WALK_PROCESSES": 1, "MAILING_WALK_PARALLEL_FROM": 0}, store) == 1
        cores = min(4, len(os.sched_getaffinity(0)))
        assert walk_parts({"MAILING_WALK_PROCESSES": 0, "MAILING_WALK_PARALLEL_FROM": 0}, store) == max(1, cores)
        bounds = store.member_bounds(3)
        keys = [row[-1] for rows in store.member_row_batches(size=97) for row in rows]
        assert len(bounds) == 2 and bounds == sorted(bounds)
        assert [keys.index(bound) for bound in bounds] == [333, 666]
        parts = [[row[-1] for rows in store.member_row_batches(size=97, start=start, stop=stop) for row in rows]
                 for start, stop in zip(["", *bounds], [*bounds, None])]
        assert sum(parts, []) == keys  # every member once, in the walk's order
        assert store.member_bounds(1) == []
        many = store.member_bounds(5000)  # more parts than members: one member a part, never an empty part
        assert len(many) == 999 and many == keys[1:]


def test_the_budget_a_child_hands_back_reads_back_the_same():
    """`walk._budget_part` (ids as one text, tuples as numbers) read back by `_joined_budget`: the same
    budget, shared tuples included; an id holding a line break goes the plain way."""
    budget = Budget({"m-1": [("newsletter", "p1", DAY0)], "m-3": [("invitation", "i1", DAY0)]})
    budget.add("m-2", "invitation", "i1", DAY0)
    budget.add("m-3", "newsletter", "p1", DAY0)
    budget.add("m-4", "newsletter", "p1", DAY0)
    for members in ({"m-2", "m-3", "m-4"}, set(), {"m-2", "odd\nid"}, {""}, {"", "m-2"}):
        for member in members - set(budget.by_member):
            budget.add(member, "newsletter", "p1", DAY0)
        expected = {m: budget.by_member[m] for m in members}
        assert walk._joined_budget(walk._budget_part(budget, members)) == expected
        other = Budget({"m-1": [("newsletter", "p1", DAY0)]})
        other.join(walk._joined_budget(walk._budget_part(budget, members)))
        assert {m: other.by_member[m] for m in members} == expected and other.by_member["m-1"] == budget.by_member["m-1"]
    assert isinstance(walk._budget_part(budget, {"m-2", "m-3"}), tuple)  # the compact way
