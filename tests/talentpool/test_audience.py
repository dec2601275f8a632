"""Audiences: segment membership then the policy's decision, with every exclusion reason."""

from __future__ import annotations

import datetime as dt

import pytest

from talentpool.audience import evaluate, explain
from talentpool.segments import UnknownSegment
from tests.talentpool.conftest import DAY, make_member


@pytest.fixture
def crowd(store):
    """One Lyon member per case, plus one in Nantes, in a fresh store."""
    people = {
        "eligible": make_member(email="ok@example.com"),
        "no_consent": make_member(email="noconsent@example.com", consents={"events": DAY}),
        "unsubscribed": make_member(email="unsub@example.com", unsubscribed=DAY - dt.timedelta(days=2)),
        "retention_expired": make_member(email="old@example.com", created=dt.date(2023, 5, 1), last_contact=dt.date(2024, 6, 1),
                                         consents={"newsletter": dt.date(2023, 5, 1)}),
        "active_process": make_member(email="interview@example.com", stage="offer"),
        "over_budget": make_member(email="busy@example.com"),
        "erased": make_member(email="erased@example.com"),
        "nantes": make_member(email="nantes@example.com", city="Nantes", skills=["java"]),
        "java-lyon": make_member(email="java@example.com", skills=["java"]),
    }
    for member in people.values():
        store.add(member)
    for n, day in enumerate((DAY - dt.timedelta(days=2), DAY - dt.timedelta(days=20))):
        store.record_message(people["over_budget"].id, "invitation" if n else "job_alert", f"plan-{n}", day)
    store.suppress("erased@example.com", "erased", DAY)  # e.g. erased by another process mid-run
    return people


def test_each_member_once_with_the_reason_it_is_left_out(store, crowd, segments, policy):
    audience = evaluate(store, ["data-lyon", "lyon"], "newsletter", DAY, segments=segments, policy=policy)
    assert [(m.email, s) for m, s in audience.eligible] == [("java@example.com", "lyon"), ("ok@example.com", "data-lyon")]
    excluded = {reason: [m.email for m in members] for reason, members in audience.excluded.items()}
    assert excluded == {
        "erased": ["erased@example.com"], "undeliverable": [], "unsubscribed": ["unsub@example.com"], "retention_expired": ["old@example.com"],
        "no_consent": ["noconsent@example.com"], "active_process": ["interview@example.com"], "over_budget": ["busy@example.com"],
    }
    assert audience.matched == 8 and audience.eligible_by_segment() == {"data-lyon": 1, "lyon": 1}


def test_kind_changes_the_consent_checked_and_planned_messages_count(store, crowd, segments, policy):
    invitation = evaluate(store, "nantes", "invitation", DAY, segments=segments, policy=policy)
    assert [m.email for m, _ in invitation.eligible] == ["nantes@example.com"]
    nantes_id = crowd["nantes"].id
    planned = {nantes_id: ["invitation", "job_alert"]}
    newsletter = evaluate(store, "nantes", "newsletter", DAY, segments=segments, policy=policy, planned=planned)
    assert [m.email for m in newsletter.excluded["over_budget"]] == ["nantes@example.com"]
    # Planned newsletters do not take slots from an invitation.
    assert evaluate(store, "nantes", "invitation", DAY, segments=segments, policy=policy,
                    planned={nantes_id: ["newsletter", "newsletter"]}).eligible


def test_bounced_and_complained_addresses_are_planned_nothing_and_use_no_budget(store, crowd, segments, policy):
    # The sender skips them anyway: planning them would only spend the budget of messages that can't go,
    # and count them as "planned" in the campaign report.
    for email, reason in (("bounced@example.com", "bounced"), ("complained@example.com", "complained")):
        store.add(make_member(email=email))
        store.suppress(email, reason, DAY)
    for kind in ("newsletter", "confirmation"):  # a marketing kind, and one no consent or budget applies to
        audience = evaluate(store, ["lyon"], kind, DAY, segments=segments, policy=policy)
        assert sorted(m.email for m in audience.excluded["undeliverable"]) == ["bounced@example.com", "complained@example.com"]
        assert not {"bounced@example.com", "complained@example.com"} & {m.email for m, _ in audience.eligible}
    info = explain(store, "Bounced@example.com", DAY, segments=segments, policy=policy)
    assert info.suppressed == "bounced" and info.decisions["confirmation"].reason == "undeliverable"
    # An address merely unsubscribed through an import of unsubscribes is not undeliverable.
    store.suppress("ok@example.com", "unsubscribed", DAY)
    assert "ok@example.com" in {m.email for m, _ in evaluate(store, ["lyon"], "confirmation", DAY, segments=segments,
                                                             policy=policy).eligible}


def test_unknown_segment_or_kind(store, segments, policy):
    with pytest.raises(UnknownSegment, match=r"unknown segment 'data_lyon' \(did you mean 'data-lyon'\?\)"):
        evaluate(store, ["data_lyon"], "newsletter", DAY, segments=segments, policy=policy)
    with pytest.raises(ValueError, match="unknown message kind 'mailing'"):
        evaluate(store, ["data-lyon"], "mailing", DAY, segments=segments, policy=policy)


def test_explain_one_address(store, crowd, segments, policy):
    info = explain(store, "BUSY@example.com", DAY, segments=segments, policy=policy)
    assert info.member.email == "busy@example.com"
    assert {"data-lyon", "lyon", "all-newsletter"} <= set(info.segments) and "nantes" not in info.segments
    assert info.decisions["newsletter"].reasons == ("over_budget",)
    assert info.decisions["confirmation"].allowed
    assert [m[1] for m in info.recent_messages] == ["plan-1", "plan-0"]
    assert info.retention_end == dt.date(2028, 11, 12) and info.retention_clock == "pool"
    unknown = explain(store, "nobody@example.com", DAY, segments=segments, policy=policy)
    assert unknown.member is None and unknown.decisions == {}


def test_sample_pool_shows_every_exclusion_reason(sample_pool, segments, policy):
    from talentpool.store import Store

    with Store(sample_pool) as store:
        audience = evaluate(store, ["all-newsletter"], "newsletter", DAY, segments=segments, policy=policy)
        assert store.count() == 320 and audience.matched == 320
    counts = {reason: len(members) for reason, members in audience.excluded.items()}
    assert all(counts[r] > 0 for r in ("unsubscribed", "retention_expired", "no_consent", "active_process", "over_budget")), counts
    assert len(audience.eligible) > 50
