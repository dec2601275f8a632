"""Every figure of the reports on a simulated quarter, against counts the test makes itself."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import stat
from collections import Counter
from pathlib import Path

import pytest

from tests.reports.quarter import LATER, NEWSLETTER, SECOND, UNSUBSCRIBED_ON, invoke, manifest

APPLICATION_STAGES = ("applied", "interviewing", "shortlisted", "offer", "hired")


def report_json(quarter, target, *extra):
    result = invoke(quarter, "report", target, "--json", *extra, today=LATER)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture(scope="module")
def newsletter(quarter):
    return report_json(quarter, NEWSLETTER)


def recipients(quarter, plan) -> set[str]:
    """Member ids whose message the SMTP server accepted for this plan."""
    ids = {email: member for member, email in quarter["address"].items()}
    return {ids[str(m["To"].addresses[0].addr_spec)] for m in quarter["received"][plan]}


def ids_of(quarter, emails) -> set[str]:
    ids = {email: member for member, email in quarter["address"].items()}
    return {ids[e] for e in emails}


def expected_hidden(sizes: dict[str, int], k: int = 10) -> set[str]:
    """Small groups, plus the next smallest when only one is small (the test's own rule)."""
    small = {g for g, n in sizes.items() if n < k}
    if len(small) == 1:
        rest = sorted((n, g) for g, n in sizes.items() if g not in small)
        small |= {rest[0][1]} if rest else set()
    return small


def test_messages_carry_the_plans_reply_to_address(quarter):
    for plan, messages in quarter["received"].items():
        assert messages, plan
        assert {str(m["Reply-To"]) for m in messages} == {f"carrieres+r-{plan}@cardamome.example"}


def test_replies_import_counts_replies_once_and_leaves_reports_and_auto_replies_out(quarter):
    assert quarter["replies_output"].split() == "5 new replies in 2 plan(s), 1 already counted, 3 automatic (bounces, complaints, auto-replies) left out, 1 without a plan tag".split()
    again = invoke(quarter, "replies", "import", str(quarter["base"] / "replies.mbox"), today=LATER)
    assert "0 new replies" in again.output and "6 already counted" in again.output


def test_delivery_states_match_what_the_smtp_server_received(quarter, newsletter):
    planned = manifest(quarter, NEWSLETTER)
    sent = recipients(quarter, NEWSLETTER)
    total = newsletter["total"]
    assert newsletter["planned"] == len(planned) == total["planned"]
    assert total["statuses"]["sent"] == len(sent)
    assert total["statuses"]["failed"] == 1  # the 550
    assert total["statuses"]["deferred"] == 1  # the 451 every time
    assert sum(total["statuses"].values()) == len(planned)
    with open(Path(quarter["env"]["VIVIER_OUTBOX"]) / NEWSLETTER / "plan.json", encoding="utf-8") as handle:
        excluded = json.load(handle)["excluded"]
    assert newsletter["excluded"] == {r: (n if n >= 10 else "< 10") for r, n in excluded.items() if n}
    assert "< 10" in newsletter["excluded"].values()  # e.g. the holdout group


def test_outcomes_match_the_unsubscribes_replies_bounces_and_imports_the_test_made(quarter, newsletter):
    sent = recipients(quarter, NEWSLETTER)
    outcomes = newsletter["total"]["outcomes"]
    assert outcomes["unsubscribed"] == len(ids_of(quarter, quarter["unsubscribed"]) & sent) == 4
    assert outcomes["replied"] == len(ids_of(quarter, quarter["repliers"])) == 4
    assert outcomes["applied"] == len(quarter["applied_with_campaign"]) + len(quarter["applied_without"]) == 5
    assert outcomes["applied_campaign"] == len(quarter["applied_with_campaign"]) == 3
    assert newsletter["total"]["suppressed"] == {"bounced": 1}
    second = report_json(quarter, SECOND)
    assert second["total"]["outcomes"]["replied"] == 1
    assert second["total"]["outcomes"]["applied_campaign"] == 0


@pytest.mark.parametrize("dimension", ["segment", "lang", "variant"])
def test_each_breakdown_matches_and_small_groups_show_less_than_10(quarter, newsletter, dimension):
    planned = manifest(quarter, NEWSLETTER)
    sent = recipients(quarter, NEWSLETTER)
    unsubscribed, repliers = ids_of(quarter, quarter["unsubscribed"]), ids_of(quarter, quarter["repliers"])
    sizes = Counter(entry[dimension] for entry in planned)
    hidden = expected_hidden(dict(sizes))
    rows = {row["group"]: row for row in newsletter["by"][dimension]}
    assert set(rows) == set(sizes)
    for group, size in sizes.items():
        members = {e["member"] for e in planned if e[dimension] == group}
        row = rows[group]
        if group in hidden:
            assert row["planned"] == "< 10"
            assert set(row["statuses"].values()) == {"< 10"} and set(row["outcomes"].values()) == {"< 10"}
            # the same keys as every other row: a hidden row's shape tells nothing either
            assert set(row["statuses"]) == set(newsletter["total"]["statuses"]) and set(row["suppressed"]) == {"bounced"}
            assert not any(isinstance(v, int) for v in row["outcomes"].values())
            continue
        assert row["planned"] == size
        assert row["statuses"].get("sent", 0) == len(members & sent)
        assert row["outcomes"]["unsubscribed"] == len(members & sent & unsubscribed)
        assert row["outcomes"]["replied"] == len(members & repliers)
    if dimension == "segment":
        assert hidden, "the sample's newsletter has a segment under 10 members"


def test_ab_rates_with_intervals_and_no_verdict_on_a_small_sample(quarter, newsletter):
    planned = {e["member"]: e["variant"] for e in manifest(quarter, NEWSLETTER)}
    sent = recipients(quarter, NEWSLETTER)
    repliers = ids_of(quarter, quarter["repliers"])
    replies = next(t for t in newsletter["ab"] if t["outcome"] == "replied")
    hidden = expected_hidden(Counter(planned[m] for m in sent))
    for row in replies["variants"]:
        members = {m for m, v in planned.items() if v == row["variant"]} & sent
        if row["variant"] in hidden:
            assert row["n"] == row["rate"] == "< 10"
            continue
        assert row["n"] == len(members)
        assert row["count"] == len(members & repliers)
        assert row["rate"] == pytest.approx(len(members & repliers) / len(members))
        assert row["low"] <= row["rate"] <= row["high"]
    assert replies["verdicts"][0]["verdict"].startswith("not enough data: 100 members per variant needed")


def test_kpis_match_the_store(quarter):
    data = report_json(quarter, "kpis", "--since", "2026-09-01")
    today, since = dt.date.fromisoformat(LATER), dt.date(2026, 9, 1)
    db = sqlite3.connect(quarter["env"]["VIVIER_POOL"])
    members = db.execute("SELECT COUNT(*) FROM members").fetchone()[0]
    assert data["pool"]["members"] == members
    joined = db.execute("SELECT COUNT(*) FROM members WHERE created BETWEEN ? AND ?", (since.isoformat(), LATER)).fetchone()[0]
    assert data["pool"]["joined"] == (joined if joined >= 10 else "< 10")
    first = {}
    for member, at in db.execute(f"SELECT member_id, at FROM stage_events WHERE stage IN ({','.join('?' * 5)})", APPLICATION_STAGES):
        first[member] = min(first.get(member, at), at)
    in_period = [m for m, at in first.items() if since.isoformat() <= at[:10] <= LATER]
    assert data["time_to_apply"]["all"]["applications"] == len(in_period)
    # the ATS export's application of a member who was not in the newsletter is one of them
    outsider = db.execute("SELECT id FROM members WHERE email = ?", (quarter["outsider"],)).fetchone()[0]
    assert outsider in in_period
    # unsubscribe rate after newsletters: recipients in the period, and those who left within 30 days
    firsts = {}
    for member, at in db.execute("SELECT member_id, at FROM messages WHERE kind = 'newsletter' ORDER BY at"):
        if since.isoformat() <= at[:10] <= LATER:
            firsts.setdefault(member, dt.date.fromisoformat(at[:10]))
    left = 0
    for member, day in firsts.items():
        unsubscribed, withdrawn = db.execute("SELECT unsubscribed, withdrawn FROM members WHERE id = ?", (member,)).fetchone()
        dates = [dt.date.fromisoformat(d) for d in [unsubscribed, *json.loads(withdrawn).values()] if d]
        left += any(day <= d <= day + dt.timedelta(days=30) for d in dates)
    row = next(r for r in data["unsubscribe_by_kind"] if r["group"] == "newsletter")
    assert row["members"] == len(firsts) and row["count"] == left >= 4
    assert row["rate"] == pytest.approx(left / len(firsts))
    # conversion by channel: members of each source who reached an application stage (now or in the history)
    applied_ever = set(first) | {m for (m,) in db.execute(f"SELECT id FROM members WHERE stage IN ({','.join('?' * 5)})", APPLICATION_STAGES)}
    for row in data["conversion_by_source"]:
        ids = {m for (m,) in db.execute("SELECT id FROM members WHERE source = ?", (row["group"],))}
        if len(ids) < 10:
            assert row["rate"] == "< 10"
        else:
            assert (row["members"], row["count"]) == (len(ids), len(ids & applied_ever))
    assert sum(isinstance(r["members"], int) for r in data["conversion_by_source"]) >= 5
    # conversion by follow-up sequence: members whose first step was planned in the period, applied on or after it
    started = {}
    for member, sequence, planned in db.execute("SELECT member_id, sequence, planned FROM sequence_steps ORDER BY planned"):
        if since.isoformat() <= planned[:10] <= LATER:
            started.setdefault(sequence, {}).setdefault(member, planned[:10])
    applied_on = {}
    for member, at in db.execute(f"SELECT member_id, at FROM stage_events WHERE stage IN ({','.join('?' * 5)})", APPLICATION_STAGES):
        applied_on.setdefault(member, []).append(at[:10])
    rows = {r["group"]: r for r in data["conversion_by_sequence"]}
    assert set(rows) == set(started) and started
    hidden = expected_hidden({s: len(m) for s, m in started.items()})
    for sequence, firsts in started.items():
        converted = sum(any(a >= day for a in applied_on.get(m, ())) for m, day in firsts.items())
        expected = "< 10" if sequence in hidden else (len(firsts), converted)
        assert (rows[sequence]["members"] if sequence in hidden else (rows[sequence]["members"], rows[sequence]["count"])) == expected
    assert data["suppressions"].get("bounced") == "< 10"  # one address: a group under k
    assert any("ambassador" in item for item in data["not_measured"])
    db.close()


def test_report_is_a_private_file_outside_output(quarter):
    result = invoke(quarter, "report", NEWSLETTER, today=LATER)
    assert result.exit_code == 0, result.output
    path = Path(quarter["env"]["VIVIER_REPORTS"]) / f"{NEWSLETTER}.html"
    assert f"Report: {path}" in result.output.replace("\n", "")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not any("Campaign report" in p.read_text(encoding="utf-8") for p in (quarter["base"] / "output").rglob("*.html"))
    assert "sent" in result.output and "replied" in result.output
    assert UNSUBSCRIBED_ON < dt.date.fromisoformat(LATER)


def test_aggregate_clicks_per_variant_and_link_hidden_under_k(quarter, newsletter):
    planned = {e["member"]: e["variant"] for e in manifest(quarter, NEWSLETTER)}
    sent = recipients(quarter, NEWSLETTER)
    sizes = Counter(planned[m] for m in sent)
    expected = [{"variant": v, "link": "https://carrieres.cardamome.example/emplois/?utm_campaign=2026-12-data-cloud",
                 "clicks": n if sizes[v] >= 10 else "< 10"} for v, n in sorted(quarter["clicks"].items())]
    assert newsletter["clicks"] == expected
