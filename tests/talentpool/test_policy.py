"""The policy: each exclusion reason on a pinned day, retention clocks, the shared budget and priorities."""

from __future__ import annotations

import datetime as dt

import pytest

from talentpool.policy import Policy, PolicyError, add_months, load_policy
from tests.conftest import ROOT
from tests.talentpool.conftest import DAY, make_member

DAYS = dt.timedelta(days=1)


def test_the_project_policy_has_the_cnil_defaults(policy):
    assert policy.pool_months == 24 and policy.rejected_months == 3
    assert policy.max_messages == 2 and policy.window_days == 30
    assert policy.consents == {"newsletter": "newsletter", "invitation": "events", "job_alert": "job_alerts",
                               "follow_up": "newsletter", "event_update": "events", "forecast_interest": "job_alerts",
                               "forecast_closed": "job_alerts"}
    order = ("event_update", "invitation", "job_alert", "forecast_interest", "forecast_closed", "follow_up", "newsletter")
    assert [policy.priority(k) for k in order] == list(range(len(order)))
    assert policy.budget_exempt == ("event_update", "forecast_closed")
    assert policy.active_stages == ("interviewing", "offer")
    assert not policy.is_marketing("confirmation")


def test_a_consenting_active_member_may_receive_everything(policy):
    for kind in policy.kinds:
        assert policy.decide(make_member(), kind, DAY), kind


@pytest.mark.parametrize("member, kind, reason", [
    (None, "newsletter", "erased"),
    (make_member(unsubscribed=DAY - 5 * DAYS), "newsletter", "unsubscribed"),
    (make_member(consents={"events": DAY}), "newsletter", "no_consent"),
    (make_member(consents={"newsletter": DAY}), "invitation", "no_consent"),
    (make_member(withdrawn={"job_alerts": DAY - DAYS}), "job_alert", "no_consent"),
    (make_member(stage="interviewing"), "newsletter", "active_process"),
    (make_member(stage="offer"), "job_alert", "active_process"),
    # 24 months after the last active contact: 2024-11-22 -> gone on 2026-11-22.
    (make_member(created=dt.date(2024, 1, 1), last_contact=dt.date(2024, 11, 22),
                 consents={"newsletter": dt.date(2024, 1, 1)}), "newsletter", "retention_expired"),
    # Rejected without pool consent: 3 months after the rejection.
    (make_member(stage="rejected", stage_changed=dt.date(2026, 8, 22), consents={}, last_contact=dt.date(2026, 8, 22)),
     "follow_up", "retention_expired"),
])
def test_each_exclusion_reason(policy, member, kind, reason):
    decision = policy.decide(member, kind, DAY)
    assert not decision and decision.reason == reason


def test_retention_clocks_boundaries(policy):
    active = make_member(created=dt.date(2024, 1, 1), last_contact=dt.date(2024, 11, 23), consents={"newsletter": dt.date(2024, 1, 1)})
    assert policy.retention_end(active) == (dt.date(2026, 11, 23), "pool")
    assert not policy.retention_expired(active, DAY)
    # A consent given later restarts the clock: it is an action by the person.
    renewed = make_member(created=dt.date(2024, 1, 1), last_contact=dt.date(2024, 1, 1), consents={"events": dt.date(2025, 3, 1)})
    assert policy.retention_end(renewed) == (dt.date(2027, 3, 1), "pool")
    rejected = make_member(stage="rejected", stage_changed=dt.date(2026, 8, 23), consents={}, last_contact=None, created=dt.date(2026, 5, 1))
    assert policy.retention_end(rejected) == (dt.date(2026, 11, 23), "rejected")
    # Rejected but consented to the pool: the 24-month clock applies.
    kept = make_member(stage="rejected", stage_changed=dt.date(2026, 1, 2))
    assert policy.retention_end(kept)[1] == "pool" and policy.decide(kept, "newsletter", DAY)
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 24) == dt.date(2026, 2, 28)


def test_budget_counts_every_marketing_message_in_a_rolling_window(policy):
    member = make_member()
    newsletter = ("newsletter", "nl-1", DAY - 29 * DAYS)   # first day of the 30-day window
    invitation = ("invitation", "open-day", dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc))
    old = ("newsletter", "nl-0", DAY - 30 * DAYS)           # just outside
    confirmation = ("confirmation", "optin", DAY)           # transactional: not counted
    assert policy.decide(member, "newsletter", DAY, [newsletter, old, confirmation])
    decision = policy.decide(member, "job_alert", DAY, [newsletter, invitation, old])
    assert decision.reason == "over_budget"
    assert policy.decide(member, "confirmation", DAY, [newsletter, invitation])  # never blocked by the budget


def test_priority_lets_an_invitation_pass_a_planned_newsletter(policy):
    member = make_member()
    sent = [("newsletter", "nl-1", DAY - 3 * DAYS)]
    # One slot left: a planned newsletter does not take it from an invitation…
    assert policy.decide(member, "invitation", DAY, sent, planned=["newsletter"])
    # …but a planned invitation takes it from the newsletter.
    decision = policy.decide(member, "newsletter", DAY, sent, planned=[("invitation", "open-day", DAY)])
    assert decision.reason == "over_budget"
    assert policy.budget_used("job_alert", DAY, sent, ["invitation", "newsletter", "follow_up"]) == 2


def test_a_message_counts_once_whether_sent_planned_again_or_being_decided(policy):
    member = make_member()
    sent = [("newsletter", "nl-1", DAY - 3 * DAYS)]
    # A rebuild re-plans nl-1: its planned copy is the message already sent, not a second one.
    assert policy.budget_used("newsletter", DAY, sent, [("newsletter", "nl-1", DAY)]) == 1
    assert policy.decide(member, "newsletter", DAY, sent, planned=[("newsletter", "nl-1", DAY)], plan_id="nl-2")
    # A member who received nl-1 and nl-2 stays in nl-1 when it is planned again (budget full: 2 of 2)…
    both = [*sent, ("newsletter", "nl-2", DAY - DAYS)]
    assert policy.decide(member, "newsletter", DAY, both, plan_id="nl-1")
    # …but no third newsletter fits.
    assert policy.decide(member, "newsletter", DAY, both, plan_id="nl-3").reason == "over_budget"
    assert policy.decider("newsletter", DAY, "nl-1")(member, both, ()) is None
    assert policy.decider("newsletter", DAY, "nl-3")(member, both, ()) == "over_budget"


def test_every_objection_is_listed_first_one_reported(policy):
    member = make_member(stage="interviewing", consents={})
    decision = policy.decide(member, "newsletter", DAY, [("newsletter", "a", DAY), ("invitation", "b", DAY)])
    assert decision.reason == "no_consent"
    assert decision.reasons == ("no_consent", "active_process", "over_budget")


def test_unknown_kind_is_an_error_with_a_suggestion(policy):
    with pytest.raises(ValueError, match=r"unknown message kind 'newsleter' \(did you mean 'newsletter'\?\)"):
        policy.decide(make_member(), "newsleter", DAY)


def test_invalid_policy_file_lists_every_problem(tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text(
        "consents: {newsletter: newsleter, invitation: events}\n"
        "retention: {pool_months: two years, rejected_month: 3}\n"
        "budget: {max_messages: -1}\n"
        "priority: [invitation]\n"
        "active_stages: [interview]\n"
        "frequency: 2\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.problems == [
        "frequency: unknown key; known keys: consents, transactional, budget_exempt, retention, budget, priority, active_stages",
        "consents.newsletter: unknown consent 'newsleter' (did you mean 'newsletter'?); use one of newsletter, events, job_alerts or null",
        "retention.pool_months: expected a whole number ≥ 1, not 'two years'",
        "retention.rejected_month: unknown key (did you mean 'rejected_months'?); known: pool_months, rejected_months, rejected_stages, pool_consents",
        "budget.max_messages: expected a whole number ≥ 0, not -1",
        "active_stages: unknown value 'interview' (did you mean 'interviewing'?); allowed: "
        "sourced, contacted, applied, interviewing, shortlisted, offer, hired, hired_elsewhere, rejected, silver_medalist",
        "priority: 'newsletter' is missing; list every marketing kind, most important first",
    ]
    assert str(path) in str(caught.value)


def test_event_updates_need_consent_but_not_budget(policy):
    """An invited member always learns that the event moved or was cancelled, unless they opted out."""
    full = [("newsletter", "n1", DAY), ("follow_up", "f1", DAY)]
    assert not policy.decide(make_member(), "invitation", DAY, full).allowed
    assert policy.decide(make_member(), "event_update", DAY, full).allowed
    # and it does not use up the budget of what comes next
    assert policy.budget_used("newsletter", DAY, [("event_update", "e1", DAY)]) == 0
    no_events = make_member()
    no_events.consents.pop("events", None)
    assert policy.decide(no_events, "event_update", DAY).reason == "no_consent"


def test_defaults_equal_the_project_file(policy):
    default = Policy()
    assert (default.consents, default.pool_months, default.rejected_months, default.max_messages, default.window_days,
            default.priority_order, default.active_stages) == (
        policy.consents, policy.pool_months, policy.rejected_months, policy.max_messages, policy.window_days,
        policy.priority_order, policy.active_stages)
    assert (ROOT / "audiences" / "policy.yml").exists()
