"""Recruiting KPIs over a period, from the store: pool growth by source, eligibility, time to
application, conversion by sourcing channel and by follow-up sequence, unsubscribes by kind.

Every figure is a count or a rate over a group (a source, a sequence, a kind
of message); a group under k members shows "< k". Applications are the
stages imports recorded (talentpool.outcomes); a member's current stage
counts too for conversion, so a pool imported before stage history existed
is not shown as converting nobody.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict

from talentpool.models import CONSENT_KINDS, SOURCES
from talentpool.outcomes import APPLIED_OR_LATER

from . import queries
from .stats import group_sizes, shown, suppress_complement, wilson

NOT_MEASURED = (
    "Opens (no tracking pixel) and clicks per person: never recorded",
    "Reverse-interview bookings per ambassador: a booking happens in the ambassador's own calendar "
    "(Cal.com, Calendly, email), which Vivier never sees",
    "Applications that the ATS export does not carry, and their channel when the export has no source",
    "Cause: a member who applied after a message may have applied without it",
)


def _day(stamp: str) -> dt.date:
    return dt.date.fromisoformat(str(stamp)[:10])


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _rate_row(name: str, members: set[str], converted: set[str], k: int, hidden: set[str]) -> dict:
    n = 0 if name in hidden else len(members)
    x = len(members & converted)
    low, high = wilson(x, len(members))
    return {"group": name, "members": shown(len(members), n, k), "count": shown(x, n, k),
            "rate": shown(x / len(members) if members else 0.0, n, k), "low": shown(low, n, k), "high": shown(high, n, k)}


def kpis(store, policy, options: dict, today: dt.date, since: dt.date) -> dict:
    """Every KPI of the period [since, today], as plain data (masked figures are stats.Masked)."""
    k, window = options["MAILING_REPORTS_MIN_GROUP"], options["MAILING_REPORTS_WINDOW_DAYS"]
    members = {m.id: m for m in store.iter_members()}
    events = queries.stage_events(store)
    applied_days: dict[str, list[dt.date]] = defaultdict(list)
    for member_id, stage, at, _source, _campaign in events:
        if stage in APPLIED_OR_LATER:
            applied_days[member_id].append(_day(at))
    first_applied = {member_id: min(days) for member_id, days in applied_days.items()}
    converted = set(first_applied) | {i for i, m in members.items() if m.stage in APPLIED_OR_LATER}

    by_source = Counter(m.source for m in members.values())
    joined = [m for m in members.values() if since <= m.created <= today]
    growth: dict[str, Counter] = defaultdict(Counter)
    for member in joined:
        growth[_month(member.created)][member.source] += 1
    pool = {"members": shown(len(members), len(members), k), "joined": shown(len(joined), len(joined), k),
            "by_source": group_sizes(by_source, k), "growth": {month: group_sizes(counts, k) for month, counts in sorted(growth.items())}}

    consented = {i for i, m in members.items() if any(m.has_consent(kind) for kind in CONSENT_KINDS)}
    expired = {i for i, m in members.items() if policy.retention_expired(m, today)}
    eligible = consented - expired
    total = len(members)
    eligibility = {"eligible": shown(len(eligible), total, k), "no_consent": shown(total - len(consented), total, k),
                   "retention_expired": shown(len(expired), total, k),
                   "share": shown(len(eligible) / total if total else 0.0, total, k)}

    delays: dict[str, list[int]] = defaultdict(list)
    for member_id, day in first_applied.items():
        member = members.get(member_id)
        if member is not None and since <= day <= today:
            delays[member.source].append((day - member.created).days)
    all_delays = [d for values in delays.values() for d in values]
    hidden = suppress_complement({s: len(v) for s, v in delays.items()}, k)
    time_to_apply = {"all": {"applications": shown(len(all_delays), len(all_delays), k),
                             "median_days": shown(statistics.median(all_delays) if all_delays else None, len(all_delays), k)},
                     "by_source": {s: {"applications": shown(len(v), 0 if s in hidden else len(v), k),
                                       "median_days": shown(statistics.median(v), 0 if s in hidden else len(v), k)}
                                   for s, v in sorted(delays.items())}}

    cohorts: dict[str, set[str]] = defaultdict(set)  # the whole pool by channel: a quarter's joiners are too few
    for member in members.values():
        cohorts[member.source].add(member.id)
    hidden = suppress_complement({s: len(v) for s, v in cohorts.items()}, k)
    by_channel = [_rate_row(s, cohorts[s], converted, k, hidden) for s in SOURCES if s in cohorts]

    started: dict[str, dict[str, dt.date]] = defaultdict(dict)
    for member_id, sequence, planned in queries.sequence_steps(store):
        day = _day(planned)
        if since <= day <= today:
            started[sequence].setdefault(member_id, day)
    hidden = suppress_complement({s: len(v) for s, v in started.items()}, k)
    by_sequence = [_rate_row(s, set(firsts), {i for i, d in firsts.items() if any(a >= d for a in applied_days.get(i, ()))}, k, hidden)
                   for s, firsts in sorted(started.items())]

    first_message: dict[str, dict[str, dt.date]] = defaultdict(dict)
    for member_id, kind, _plan, at in queries.messages(store):
        day = _day(at)
        if since <= day <= today:
            first_message[kind].setdefault(member_id, day)
    left: dict[str, set[str]] = {}
    for kind, firsts in first_message.items():
        left[kind] = set()
        for member_id, day in firsts.items():
            member = members.get(member_id)
            if member is None:
                continue
            dates = [member.unsubscribed, *member.withdrawn.values()]
            if any(d and day <= d <= day + dt.timedelta(days=window) for d in dates):
                left[kind].add(member_id)
    hidden = suppress_complement({kind: len(v) for kind, v in first_message.items()}, k)
    unsubscribes = [_rate_row(kind, set(firsts), left[kind], k, hidden) for kind, firsts in sorted(first_message.items())]

    return {"today": today.isoformat(), "since": since.isoformat(), "k": k, "window_days": window,
            "pool": pool, "eligibility": eligibility, "time_to_apply": time_to_apply,
            "conversion_by_source": by_channel, "conversion_by_sequence": by_sequence,
            "unsubscribe_by_kind": unsubscribes, "suppressions": group_sizes(queries.suppression_counts(store, since), k),
            "not_measured": list(NOT_MEASURED)}

