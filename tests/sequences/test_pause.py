"""A member's pause is honoured when messages are planned, not only when they are sent.

A pause ("no mail for a month", chosen on the unsubscribe page) must keep a
paused member out of a newsletter's plan and its counts, skip them for an
invitation round without spending it (they are invited when the pause ends,
if the event is still ahead), and make a follow-up wait for the end of the
pause instead of being planned, remembered as done, then dropped by the
sender. Day by day over the real sample segments, policy and sequences.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from mailing.kinds.invitation import rounds as invitations
from mailing.kinds.follow_up import due as sequences
from mailing.delivery import choices
from mailing.delivery.ledger import Ledger
from mailing.engine.budget import Budget as Planned
from mailing.kinds.newsletter.planning import plan_audience
from mailing.kinds.follow_up.rules import load_sequences
from talentpool.models import Member
from talentpool.policy import load_policy
from talentpool.segments import load_segments
from talentpool.store import Store

ROOT = Path(__file__).resolve().parents[2]
PARIS = ZoneInfo("Europe/Paris")
GIVEN = dt.date(2026, 6, 1)


def member(id_, stage="sourced", seniority="confirmed", stage_changed=None):
    return Member(id=id_, email=f"{id_}@example.com", first_name=id_.capitalize(), language="fr", stage=stage,
                  seniority=seniority, created=dt.date(2025, 1, 1), stage_changed=stage_changed, last_contact=GIVEN,
                  consents={"newsletter": GIVEN, "events": GIVEN}, city="Lyon", country="FR")


def event():
    return SimpleNamespace(
        uid="forum-pause@carrieres.cardamome.example", reference="forum-pause", lang="fr", translations=[],
        segments=["juniors"], start=dt.datetime(2027, 1, 20, 18, 0, tzinfo=PARIS), status="scheduled", sequence=0,
        is_past=False, source_path="content/events/forum-pause.md")


@pytest.fixture
def world(tmp_path):
    store = Store(tmp_path / "pool.sqlite3")
    for m in (member("junior", seniority="junior"), member("other-junior", seniority="junior"),
              member("silver", "silver_medalist", stage_changed=dt.date(2026, 10, 1))):
        store.add(m)
    segments = load_segments(ROOT / "audiences" / "segments")
    policy = load_policy(ROOT / "audiences" / "policy.yml")
    rules = load_sequences(ROOT / "audiences" / "sequences", segments, kinds=tuple(policy.consents))
    settings = {"PROJECT_ROOT": str(ROOT), "POOL_PATH": str(tmp_path / "pool.sqlite3")}
    yield SimpleNamespace(store=store, segments=segments, policy=policy, rules=rules, settings=settings)
    store.close()


def test_a_paused_member_is_left_out_of_a_newsletter_plan_until_the_pause_ends(world):
    until = choices.pause(world.store, "junior", 1, dt.date(2026, 11, 10))
    assert until == dt.date(2026, 12, 10)
    during = plan_audience(world.settings, ["all-newsletter"], dt.date(2026, 12, 9))
    assert "junior" not in {m.id for m, _ in during.eligible}
    assert [m.id for m in during.excluded["paused"]] == ["junior"]
    assert {"other-junior", "silver"} <= {m.id for m, _ in during.eligible}
    after = plan_audience(world.settings, ["all-newsletter"], until)
    assert "junior" in {m.id for m, _ in after.eligible} and not after.excluded.get("paused")


def test_monthly_digest_only_keeps_the_newsletter_and_nothing_else(world):
    choices.digest_only(world.store, "other-junior", dt.date(2026, 11, 10))
    found = plan_audience(world.settings, ["all-newsletter"], dt.date(2026, 11, 20))
    assert "other-junior" in {m.id for m, _ in found.eligible}
    [plan] = invitations.plan_invitations(world.store, [event()], world.segments, world.policy, dt.date(2026, 11, 21),
                                          options=invitations.InvitationSettings(open_days=60))
    [invite] = plan.rounds
    assert invite.skipped["no_consent"] == ["other-junior"]  # the events consent was withdrawn
    assert [r.member_id for r in invite.recipients] == ["junior"]


def run_days(world, first: dt.date, last: dt.date):
    """Plan invitations and follow-ups each day, remember them and record them as sent; returns the log."""
    log, outcomes = [], []
    the_event = event()
    day = first
    while day <= last:
        planned = Planned()
        event_plans = invitations.plan_invitations(world.store, [the_event], world.segments, world.policy, day,
                                                   planned=planned, options=invitations.InvitationSettings(open_days=60))
        seq_day = sequences.plan_sequences(world.store, world.rules, world.policy, day, planned)
        invitations.commit(world.store, event_plans)
        sequences.commit(world.store, seq_day)
        at = dt.datetime.combine(day, dt.time(9, 0), tzinfo=PARIS)
        for plan in event_plans:
            for round_ in plan.rounds:
                outcomes += [(day, m, reason) for reason, members in round_.skipped.items() for m in members]
                for r in round_.recipients:
                    Ledger(world.store, round_.plan_id).sent(r.member_id, kind=round_.kind, at=at)
                    log.append((day, r.member_id, round_.action))
        outcomes += [(day, o.member_id, o.status) for o in seq_day.outcomes if o.status != "due"]
        for step in seq_day.planned:
            Ledger(world.store, seq_day.plan_id).sent(step.member_id, kind=step.sequence.kind, at=at)
            log.append((day, step.member_id, f"{step.sequence.name}/{step.step.id}"))
        day += dt.timedelta(days=1)
    return log, outcomes


def test_an_invitation_waits_for_the_end_of_a_pause_and_a_follow_up_too(world):
    choices.pause(world.store, "junior", 1, dt.date(2026, 11, 10))  # until 2026-12-10
    choices.pause(world.store, "silver", 1, dt.date(2026, 12, 20))  # until 2027-01-20
    log, outcomes = run_days(world, dt.date(2026, 11, 21), dt.date(2027, 1, 25))
    invites = {m: d for d, m, what in log if what == "invite"}
    assert invites == {"other-junior": dt.date(2026, 11, 21), "junior": dt.date(2026, 12, 10)}
    junior_waits = sorted(d for d, m, reason in outcomes if m == "junior" and reason == "paused")
    assert junior_waits[0] == dt.date(2026, 11, 21) and junior_waits[-1] == dt.date(2026, 12, 9)
    # The silver medalist's check-in is due on 2026-12-30, during the pause: it waits (30 days at most) and goes
    # the day the pause ends, once.
    check_ins = [(d, what) for d, m, what in log if m == "silver"]
    assert [d for d, _ in check_ins] == [dt.date(2027, 1, 20)]
    silver_waits = sorted(d for d, m, reason in outcomes if m == "silver" and reason == "paused")
    assert silver_waits[0] == dt.date(2026, 12, 30) and silver_waits[-1] == dt.date(2027, 1, 19)
