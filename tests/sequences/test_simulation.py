"""A simulated calendar: "today" moves day by day for months, with newsletters, invitations and follow-ups.

Each day runs what a daily build plans (newsletter audience, invitation
rounds, follow-up steps, the shared budget), remembers it, and "sends" it by
recording it in the store's ledger as `vivier send` does. The real talent-pool
policy, segments and store, the real sample sequences.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from mailing.kinds.invitation import rounds as invitations
from mailing.kinds.follow_up import due as sequences
from mailing.delivery.ledger import Ledger
from mailing.kinds.invitation.records import rows_for_event
from mailing.engine.budget import Budget
from mailing.kinds.newsletter.planning import CampaignPlan
from mailing.kinds.newsletter.planning import PlanEntry
from mailing.kinds.follow_up.records import all_rows
from mailing.kinds.follow_up.rules import load_sequences
from talentpool.audience import evaluate
from talentpool.models import Member
from talentpool.policy import load_policy
from talentpool.segments import load_segments
from talentpool.store import Store

ROOT = Path(__file__).resolve().parents[2]
START = dt.date(2026, 11, 1)
END = dt.date(2027, 6, 30)
PARIS = ZoneInfo("Europe/Paris")
LONG_AGO = dt.date(2025, 1, 1)


def member(id_, stage="sourced", *, created=LONG_AGO, stage_changed=None, last_contact=None, seniority="confirmed",
           consents=("newsletter", "events"), lang="fr", given=dt.date(2026, 6, 1)):
    return Member(id=id_, email=f"{id_}@example.com", first_name=id_.capitalize(), language=lang, stage=stage,
                  seniority=seniority, created=created, stage_changed=stage_changed, last_contact=last_contact or given,
                  consents={kind: given for kind in consents}, city="Lyon", country="FR")


MEMBERS = [
    # silver medalist since 2026-10-01: check-ins on 2026-12-30, 2027-03-30, 2027-06-28.
    member("silver", "silver_medalist", stage_changed=dt.date(2026, 10, 1)),
    # same, but applies again on 2027-02-15: the check-ins stop (exit rule).
    member("applies", "silver_medalist", stage_changed=dt.date(2026, 10, 1)),
    # hired elsewhere on 2026-11-20: the end-of-trial note is due on 2027-05-20.
    member("trial", "hired_elsewhere", stage_changed=dt.date(2026, 11, 20)),
    # joins the pool on 2026-11-20: welcome that day, reverse interview 14 days later.
    member("newcomer", created=dt.date(2026, 11, 20), given=dt.date(2026, 11, 20)),
    # last action 2025-03-01: retention ends 2027-03-01, re-permission due 2027-01-30.
    member("fading", created=dt.date(2025, 3, 1), given=dt.date(2025, 3, 1)),
    # a junior silver medalist whose first check-in day collides with an invitation and a newsletter.
    member("busy", "silver_medalist", stage_changed=dt.date(2026, 9, 16), seniority="junior"),
    # a junior silver medalist invited on 2026-11-21 and sent the 2026-12-15 newsletter: the check-in
    # due on 2026-12-19 waits (over budget) until the invitation leaves the 30-day window.
    member("waiter", "silver_medalist", stage_changed=dt.date(2026, 9, 20), seniority="junior"),
    # no consent at all: nothing, ever.
    member("silent", "silver_medalist", stage_changed=dt.date(2026, 10, 1), consents=()),
]

# A junior event (invitation to juniors), its update and cancellation happen during the simulation.
EVENT = SimpleNamespace(
    uid="forum-juniors@carrieres.cardamome.example", reference="forum-juniors", lang="fr", translations=[],
    segments=["juniors"], start=dt.datetime(2027, 1, 20, 18, 0, tzinfo=PARIS), status="scheduled", sequence=0,
    is_past=False, source_path="content/events/forum-juniors.md",
)
NEWSLETTER_DAYS = {dt.date(2026, 12, 15), dt.date(2027, 1, 15), dt.date(2027, 2, 15), dt.date(2027, 3, 15),
                   dt.date(2027, 4, 15), dt.date(2027, 5, 15), dt.date(2027, 6, 15)}


def run_day(store, day, segments, policy, rules, log):
    """What a daily build plans (most important kind first, on one budget, as the engine does), then sent."""
    budget = Budget()
    event_plans = invitations.plan_invitations(store, [EVENT], segments, policy, day, planned=budget,
                                               options=invitations.InvitationSettings(open_days=60, reminder_days=1))
    seq_day = sequences.plan_sequences(store, rules, policy, day, budget)
    newsletters = []
    if day in NEWSLETTER_DAYS:
        found = evaluate(store, ["all-newsletter"], "newsletter", day, segments=segments, policy=policy,
                         planned=budget.by_member)
        slug = f"newsletter-{day:%Y-%m}"
        newsletters.append(CampaignPlan(slug, [PlanEntry(m.id, s, m.language, "a") for m, s in found.eligible],
                                        {}, {m.id: m for m, _ in found.eligible}))
    invitations.commit(store, event_plans)
    sequences.commit(store, seq_day)
    at = dt.datetime.combine(day, dt.time(9, 0), tzinfo=PARIS)
    sends = [(p.slug, e.member_id, "newsletter", p.slug) for p in newsletters for e in p.entries]
    sends += [(r.plan_id, x.member_id, r.kind, r.action) for p in event_plans for r in p.rounds for x in r.recipients]
    sends += [(seq_day.plan_id, s.member_id, s.sequence.kind, f"{s.sequence.name}/{s.step.id}") for s in seq_day.planned]
    for plan_id, member_id, kind, what in sends:
        Ledger(store, plan_id).sent(member_id, kind=kind, at=at)
        log.append((day, member_id, kind, what))
    return seq_day


@pytest.fixture(scope="module")
def simulation(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("sim") / "pool.sqlite3")
    for m in MEMBERS:
        store.add(m)
    segments = load_segments(ROOT / "audiences" / "segments")
    policy = load_policy(ROOT / "audiences" / "policy.yml")
    rules = load_sequences(ROOT / "audiences" / "sequences", segments, kinds=tuple(policy.consents))
    log, waits = [], []
    day = START
    while day <= END:
        if day == dt.date(2027, 1, 5):  # the event moves: new time, SEQUENCE 1
            EVENT.start, EVENT.sequence, EVENT.status = dt.datetime(2027, 1, 21, 18, 0, tzinfo=PARIS), 1, "rescheduled"
        if day == dt.date(2027, 1, 12):  # then it is cancelled: SEQUENCE 2
            EVENT.status, EVENT.sequence = "cancelled", 2
        if day == dt.date(2027, 2, 15):
            applicant = store.get("applies")
            applicant.stage, applicant.stage_changed = "applied", day
            store.update(applicant)
        seq_day = run_day(store, day, segments, policy, rules, log)
        waits += [(day, o) for o in seq_day.outcomes if o.status == "over_budget"]
        day += dt.timedelta(days=1)
    yield SimpleNamespace(store=store, log=log, policy=policy, waits=waits)
    store.close()


def sent(sim, member_id, what=None):
    return [(day, w) for day, m, _k, w in sim.log if m == member_id and (what is None or w == what)]


def test_each_step_is_sent_exactly_once_per_occurrence(simulation):
    rows = all_rows(simulation.store)
    keys = [row.key for member_rows in rows.values() for row in member_rows]
    assert len(keys) == len(set(keys))
    follow_ups = Counter((m, w) for _d, m, k, w in simulation.log if k == "follow_up")
    # repeating check-ins are one per 90-day occurrence, every other step once
    assert follow_ups[("trial", "fin-de-periode-essai/fin-essai")] == 1
    assert follow_ups[("newcomer", "bienvenue/bienvenue")] == 1
    assert follow_ups[("newcomer", "bienvenue/entretien-inverse")] == 1
    assert follow_ups[("fading", "renouvellement-consentement/rester")] == 1
    assert [d for d, _ in sent(simulation, "silver", "finalistes/nouvelles")] == [
        dt.date(2026, 12, 30), dt.date(2027, 3, 30), dt.date(2027, 6, 28)]


def test_steps_go_out_on_their_day(simulation):
    assert sent(simulation, "trial", "fin-de-periode-essai/fin-essai")[0][0] == dt.date(2027, 5, 20)
    assert sent(simulation, "newcomer", "bienvenue/bienvenue")[0][0] == dt.date(2026, 11, 20)
    assert sent(simulation, "newcomer", "bienvenue/entretien-inverse")[0][0] == dt.date(2026, 12, 4)
    assert sent(simulation, "fading", "renouvellement-consentement/rester")[0][0] == dt.date(2027, 1, 30)
    # nobody old is welcomed late
    assert not sent(simulation, "silver", "bienvenue/bienvenue")


def test_exits_and_consent_are_honoured(simulation):
    days = [d for d, _ in sent(simulation, "applies", "finalistes/nouvelles")]
    assert days == [dt.date(2026, 12, 30)]  # the 2027-03-30 check-in never goes: they applied on 2027-02-15
    assert sent(simulation, "silent") == []


def test_budget_holds_for_every_member_on_every_day(simulation):
    policy = simulation.policy
    by_member = {}
    for day, member_id, kind, _what in simulation.log:
        if policy.counts(kind):  # event updates and cancellations are outside the budget
            by_member.setdefault(member_id, []).append(day)
    for member_id, days in by_member.items():
        for day in days:
            window = [d for d in days if policy.window_start(day) <= d <= day]
            assert len(window) <= policy.max_messages, (member_id, day, window)


def test_invitation_rounds_follow_the_event(simulation):
    rounds = [(d, w, k) for d, m, k, w in simulation.log if m == "busy" and k in ("invitation", "event_update")]
    # invited when the round opens (60 days before), updated when the event moved, told when it
    # was cancelled: even with the check-in filling the budget, the cancellation reaches them
    # (event updates are outside the budget), so no stale entry stays in their calendar
    assert rounds == [(dt.date(2026, 11, 21), "invite", "invitation"), (dt.date(2027, 1, 5), "update", "event_update"),
                      (dt.date(2027, 1, 12), "cancel", "event_update")]
    rows = {(r.action, r.sequence): r for r in rows_for_event(simulation.store, EVENT.uid) if r.member_id == "busy"}
    assert [rows[key].status for key in (("invite", 0), ("update", 1), ("cancel", 2))] == ["planned"] * 3
    # only juniors are invited; the cancelled event gets no reminder
    invited = {m for _d, m, k, w in simulation.log if k == "invitation" and w == "invite"}
    assert invited == {"busy", "waiter"}
    assert not any(w == "reminder" for _d, _m, k, w in simulation.log if k == "invitation")


def test_priority_follow_up_before_newsletter(simulation):
    # "busy": the 2026-12-15 check-in meets the newsletter of that day with one slot left
    # (the invitation of 2026-11-21 is in the window): the follow-up wins, the newsletter is taken back.
    log = {(d, w) for d, m, _k, w in simulation.log if m == "busy"}
    assert (dt.date(2026, 12, 15), "finalistes/nouvelles") in log
    assert (dt.date(2026, 12, 15), "newsletter-2026-12") not in log


def test_a_step_over_budget_waits_then_goes(simulation):
    waited = sorted(day for day, o in simulation.waits if o.member_id == "waiter")
    assert waited == [dt.date(2026, 12, 19), dt.date(2026, 12, 20)]
    assert sent(simulation, "waiter", "finalistes/nouvelles")[0][0] == dt.date(2026, 12, 21)
