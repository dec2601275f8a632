"""The report of one plan: planned, excluded, delivery states and outcomes, by segment, language, variant.

Everything comes from what Vivier already has: the plan folder (who was
planned, in which group; who was excluded and why), the send ledger (how each
delivery went, whatever its states), suppressions (bounces, complaints…),
unsubscriptions and withdrawn consents, replies counted at the plan's
reply-to address and stages reached as imports saw them. No pixel, no
per-person click. Every figure is a count over a group; a group under k
members shows "< k".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

from talentpool.outcomes import APPLIED_OR_LATER

from ..delivery.plan import Plan
from . import queries
from .ab import ab_tests
from .stats import group_sizes, shown, suppress_complement

# Labels for the ledger's states; a state without a label is shown under its own name.
STATUS_LABELS = {
    "sent": "sent", "deferred": "deferred (to retry)", "failed": "failed", "skipped": "skipped at send time",
    "pending": "pending (interrupted)", "unknown": "unknown (outcome not known)", "bounced": "bounced",
    "complained": "complained", "not_sent": "not sent yet",
}
OUTCOMES = ("unsubscribed", "replied", "applied", "applied_campaign")
OUTCOME_LABELS = {
    "unsubscribed": "unsubscribed or withdrew a consent within the window",
    "replied": "replied (to the plan's reply-to address)",
    "applied": "applied within the window (any channel)",
    "applied_campaign": "applied with this campaign named in the ATS",
}
DIMENSIONS = ("segment", "lang", "variant")


def _day(stamp: str) -> dt.date:
    return dt.date.fromisoformat(str(stamp)[:10])


def _member_outcomes(store, plan_id: str, campaign_names: set[str], sent_on: dict[str, dt.date], window: int) -> dict[str, set[str]]:
    """outcome -> the members (among those sent) who had it; used only to count groups."""
    found: dict[str, set[str]] = {name: set() for name in OUTCOMES}
    end = {member: day + dt.timedelta(days=window) for member, day in sent_on.items()}
    for member_id in sent_on:
        member = store.get(member_id)
        if member is None:
            continue
        dates = [member.unsubscribed, *member.withdrawn.values()]
        if any(day and sent_on[member_id] <= day <= end[member_id] for day in dates):
            found["unsubscribed"].add(member_id)
    for member_id, _at in queries.replies(store, plan_id):
        if member_id in sent_on:
            found["replied"].add(member_id)
    for member_id, stage, at, _source, campaign in queries.stage_events(store):
        if member_id not in sent_on or stage not in APPLIED_OR_LATER:
            continue
        day = _day(at)
        if sent_on[member_id] <= day <= end[member_id]:
            found["applied"].add(member_id)
        if campaign and campaign in campaign_names:
            found["applied_campaign"].add(member_id)
    return found


def _suppressed(store, members: dict[str, dt.date], window: int) -> dict[str, set[str]]:
    """reason -> members suppressed in the window after they were sent this plan (bounces, complaints…)."""
    by_hash = defaultdict(list)
    for hash_, reason, at in queries.suppressions(store):
        by_hash[hash_].append((reason, _day(at)))
    if not by_hash:
        return {}
    hasher = store.suppression_hasher()
    found: dict[str, set[str]] = defaultdict(set)
    for member_id, day in members.items():
        member = store.get(member_id)
        if member is None:
            continue
        for reason, at in by_hash.get(hasher(member.email), ()):
            if day <= at <= day + dt.timedelta(days=window):
                found[reason].add(member_id)
    return dict(found)


def _breakdown(groups: dict[str, list[str]], statuses: dict[str, str], outcomes: dict[str, set[str]],
               suppressed: dict[str, set[str]], k: int) -> list[dict]:
    """One row per group with every figure (the same keys in every row, so a hidden row tells
    nothing by its shape), small groups and their complement hidden."""
    hidden = suppress_complement({name: len(ids) for name, ids in groups.items()}, k)
    every_status = sorted({statuses.get(i, "not_sent") for ids in groups.values() for i in ids})
    rows = []
    for name in sorted(groups):
        ids, members = groups[name], set(groups[name])
        size = 0 if name in hidden else len(ids)
        status = Counter(statuses.get(i, "not_sent") for i in ids)
        row = {"group": name, "planned": shown(len(ids), size, k),
               "statuses": {s: shown(status[s], size, k) for s in every_status},
               "outcomes": {o: shown(len(outcomes[o] & members), size, k) for o in OUTCOMES},
               "suppressed": {r: shown(len(m & members), size, k) for r, m in sorted(suppressed.items())}}
        if name in hidden:
            row["hidden"] = True
        rows.append(row)
    return rows


def campaign_report(store, folder: Path, meta: dict, options: dict, today: dt.date) -> dict:
    """Every figure of one plan's report, as plain data (masked figures are stats.Masked)."""
    k, window = options["MAILING_REPORTS_MIN_GROUP"], options["MAILING_REPORTS_WINDOW_DAYS"]
    plan_id = str(meta.get("plan_id") or folder.name)
    plan = Plan(folder=folder, plan_id=plan_id, kind=str(meta.get("kind", "")),
                message_kind=str(meta.get("message_kind", "")), meta=meta)
    entries = [{key: str(entry.get(key, "")) for key in ("member", *DIMENSIONS)} for entry in plan.entries()]
    ledger = queries.ledger(store, plan_id)
    statuses = {member: status for member, (status, _updated) in ledger.items()}
    sent_on = {m: _day(updated) for m, (status, updated) in ledger.items() if status == "sent"}
    planned_ids = {e["member"] for e in entries}
    sent_on = {m: day for m, day in sent_on.items() if m in planned_ids}
    campaign_names = {plan_id, str(meta.get("campaign") or plan_id)}
    outcomes = _member_outcomes(store, plan_id, campaign_names, sent_on, window)
    suppressed = _suppressed(store, sent_on, window)
    everyone = [e["member"] for e in entries]
    total = _breakdown({"all": everyone}, statuses, outcomes, suppressed, k)[0]
    by = {}
    for dimension in DIMENSIONS:
        groups: dict[str, list[str]] = defaultdict(list)
        for entry in entries:
            groups[entry[dimension]].append(entry["member"])
        by[dimension] = _breakdown(dict(groups), statuses, outcomes, suppressed, k)
    variants: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        if entry["member"] in sent_on:
            variants[entry["variant"]].append(entry["member"])
    clicks = []
    for variant, link, count in queries.click_counts(store, plan_id):
        clicks.append({"variant": variant, "link": link, "clicks": shown(count, len(variants.get(variant, ())), k)})
    days = sorted(set(sent_on.values()))
    excluded = meta.get("excluded") or {}
    return {
        "plan_id": plan_id, "kind": meta.get("kind", ""), "message_kind": meta.get("message_kind", ""),
        "campaign": meta.get("campaign", ""), "k": k, "window_days": window, "today": today.isoformat(),
        "sent_from": days[0].isoformat() if days else None, "sent_to": days[-1].isoformat() if days else None,
        "planned": shown(len(entries), len(entries), k),
        "excluded": group_sizes({reason: n for reason, n in excluded.items() if isinstance(n, int) and n}, k),
        "other_ledger_rows": len(set(ledger) - planned_ids),
        "total": total, "by": by,
        "ab": ab_tests(dict(variants), outcomes, options) if len(variants) > 1 else [],
        "clicks": clicks,
        "withdrawn": bool((folder / "withdrawn.json").is_file()),
    }
