"""Pool fit: how many eligible members have a list of must-have skills, counted, never named.

Eligible means what the policy says for one message kind (`STAFFING_FIT_KIND`,
job alerts by default: their consent, retention, no active process), with the
frequency budget left out: a member over this month's budget still fits the
job. A member *fits* a must-have when one of their skills is the same skill
of the pool's vocabulary (`talentpool.skills`), compared the way job matching
compares skills (`mailing.matching`). For each group (the whole pool, each
segment, each city) the report gives: eligible members, those with every
must-have, those missing exactly one (with two must-haves or more), and for
each must-have how many lack it and how many lack only it — the must-have that "excludes the most".

Printed counts never single out a person (`shown_rows`): a group of fewer
than k eligible members (k: `MAILING_REPORTS_MIN_GROUP`, 10, the threshold of
every report of Vivier) shows "< k" instead of its counts, and among the
cities, which add up to the whole pool, a second group is hidden when only
one is, so that no subtraction gives it back.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter
from dataclasses import dataclass, field

from mailing.matching import MemberProfile
from talentpool import config
from talentpool.audience import default_policy, evaluate, stream
from talentpool.segments import Segment, compile_segments, member_view
from talentpool.skills import Vocabulary, fold

from . import settings as staffing_settings

WHOLE_POOL = "whole pool"
_EVERYONE = "everyone"


@dataclass
class FitCounts:
    """The counts of one group of eligible members against n must-haves."""

    must_have: tuple[str, ...]
    eligible: int = 0
    fit_all: int = 0
    all_but_one: int = 0
    lacking_only: Counter = field(default_factory=Counter)  # must-have -> members lacking only it
    lacking: Counter = field(default_factory=Counter)  # must-have -> members lacking it

    def record(self, missing: list[str]) -> None:
        """One member who lacks at most one must-have (the others only count as eligible and lacking)."""
        if not missing:
            self.fit_all += 1
        elif len(missing) == 1:
            self.all_but_one += 1
            self.lacking_only[missing[0]] += 1

    @property
    def excludes_most(self) -> str | None:
        """The must-have whose removal would let the most members fit (ties: most lacking, then order)."""
        if not self.eligible or not self.must_have:
            return None
        order = {skill: i for i, skill in enumerate(self.must_have)}
        best = max(self.must_have, key=lambda s: (self.lacking_only[s], self.lacking[s], -order[s]))
        return best if self.lacking[best] else None


@dataclass
class FitReport:
    """Counts for the whole pool, per segment (overlapping) and per city; `fitting` stays in memory."""

    must_have: tuple[str, ...]
    kind: str
    today: dt.date
    total: FitCounts
    by_segment: dict[str, FitCounts]
    by_city: dict[str, FitCounts]
    fitting: list[tuple] = field(default_factory=list, repr=False)  # (member, missing) for all / all but one

    def by_city_named(self, city: str) -> FitCounts | None:
        """The counts of one city, however its name is cased or accented."""
        return next((counts for name, counts in self.by_city.items() if fold(name) == fold(city)), None)


def min_group(settings: dict) -> int:
    """k: no count is printed for a group of fewer eligible members (MAILING_REPORTS_MIN_GROUP, default 10)."""
    value = settings.get("MAILING_REPORTS_MIN_GROUP")
    return 10 if value is None else int(value)


def masked(k: int) -> str:
    return f"< {k}"


def shown(counts: FitCounts, k: int, hidden: bool = False) -> tuple[str, str, str, str]:
    """(eligible, fit all, all but one, excludes the most) as printed: '< k' for a group under k members."""
    if hidden or counts.eligible < k:
        return masked(k), masked(k), masked(k), "—"
    return str(counts.eligible), str(counts.fit_all), str(counts.all_but_one), counts.excludes_most or "—"


def shown_rows(report: FitReport, k: int) -> dict[str, dict[str, tuple[str, str, str, str]]]:
    """The printed rows by segment (the whole pool first) and by city; groups without members are left out."""
    from mailing.reports.stats import suppress_complement

    cities = {name: counts for name, counts in report.by_city.items() if counts.eligible}
    hidden = suppress_complement({name: counts.eligible for name, counts in cities.items()}, k)
    segments = {WHOLE_POOL: report.total, **{n: c for n, c in report.by_segment.items() if c.eligible}}
    return {"segment": {name: shown(counts, k) for name, counts in segments.items()},
            "city": {name: shown(counts, k, name in hidden) for name, counts in cities.items()}}


def _everyone() -> dict:
    return compile_segments({_EVERYONE: Segment(_EVERYONE, "every member", {"field": "email", "exists": True})})


def _policy(settings: dict):
    """The pool's policy file, else the default policy."""
    return config.load_policy(settings) if config.path(settings, "POOL_POLICY_PATH").exists() else default_policy()


def eligible_members(store, kind: str, today: dt.date, *, policy=None):
    """Every member the policy allows for `kind` today, the frequency budget left out."""
    audience = evaluate(store, [_EVERYONE], kind, today, segments=_everyone(), policy=policy or default_policy())
    return [member for member, _ in audience.eligible] + list(audience.excluded["over_budget"])


class PoolIndex:
    """The eligible members indexed once for many fits: skills -> members, each member's groups.

    A fit then walks only the members holding one of the must-haves, so the
    build can report every open job without re-reading the pool per job.
    """

    def __init__(self, members, vocabulary: Vocabulary, segments: dict, today: dt.date, kind: str):
        self.members = sorted(members, key=lambda m: m.email_key)
        self.vocabulary, self.segment_names, self.today, self.kind = vocabulary, list(segments), today, kind
        self.skills: list[frozenset[str]] = []
        self.groups: list[tuple] = []  # per member: ("segment", name)…, ("city", name)
        self.postings: dict[str, list[int]] = {}
        self.eligible: Counter = Counter()
        cities: dict[str, str] = {}
        for position, member in enumerate(self.members):
            have = frozenset(vocabulary.canonical(skill) for skill in MemberProfile.of(member).skills)
            self.skills.append(have)
            for skill in have:
                self.postings.setdefault(skill, []).append(position)
            view = member_view(member)
            groups = tuple(("segment", name) for name, segment in segments.items() if segment.predicate(view, today))
            groups += (("city", cities.setdefault(fold(member.city), member.city or "—")),)
            self.groups.append(groups)
            self.eligible.update(groups)

    def fit(self, must_have) -> FitReport:
        """The counts of `must_have`: whole pool, segments, cities."""
        must_have = tuple(must_have)
        keys = [self.vocabulary.canonical(skill) for skill in must_have]
        having = {skill: self.postings.get(key, []) for skill, key in zip(must_have, keys)}
        total = FitCounts(must_have, eligible=len(self.members))
        groups = {group: FitCounts(must_have, eligible=count) for group, count in self.eligible.items()}
        for skill, positions in having.items():
            present = Counter(group for i in positions for group in self.groups[i])
            for group, counts in groups.items():
                counts.lacking[skill] = counts.eligible - present[group]
            total.lacking[skill] = total.eligible - len(positions)
        fitting = []
        held = Counter(i for positions in having.values() for i in positions)
        for i, count in held.items():
            if count < len(must_have) - 1:
                continue
            missing = [skill for skill, key in zip(must_have, keys) if key not in self.skills[i]]
            fitting.append((self.members[i], missing))
            for counts in (total, *(groups[group] for group in self.groups[i])):
                counts.record(missing)
        by_segment = {name: groups.get(("segment", name)) or FitCounts(must_have) for name in self.segment_names}
        by_city = {name: counts for (kind, name), counts in groups.items() if kind == "city"}
        by_city = dict(sorted(by_city.items(), key=lambda item: (-item[1].fit_all, -item[1].eligible, fold(item[0]))))
        fitting.sort(key=lambda item: (len(item[1]), item[0].email_key))
        return FitReport(must_have, self.kind, self.today, total, by_segment, by_city, fitting)

    def fit_total(self, must_have) -> FitCounts:
        """`fit(must_have).total` without the segments, cities and member list (the build's table of every open job).

        The same steps as `fit` for the whole pool only: at 5,000 open jobs the
        groups and the sorted member list were most of `vivier build`'s pool-fit
        time, and its table prints the totals alone.
        """
        return _fit_total(self.vocabulary, self.postings, self.skills, len(self.members), must_have)


def _fit_total(vocabulary, postings, skills, eligible: int, must_have) -> FitCounts:
    must_have = tuple(must_have)
    keys = [vocabulary.canonical(skill) for skill in must_have]
    having = {skill: postings.get(key, ()) for skill, key in zip(must_have, keys)}
    total = FitCounts(must_have, eligible=eligible)
    for skill, positions in having.items():
        total.lacking[skill] = total.eligible - len(positions)
    held = Counter(i for positions in having.values() for i in positions)
    for i, count in held.items():
        if count < len(must_have) - 1:
            continue
        total.record([skill for skill, key in zip(must_have, keys) if key not in skills[i]])
    return total


class TotalsIndex:
    """`PoolIndex` for the whole pool's counts alone, built as the pool is walked: no member is kept.

    The build's table of every open job needs each eligible member's skills,
    nothing else: members come one at a time from `talentpool.audience.stream`,
    each leaves a set of canonical skills (one shared object per distinct set)
    and its position in compact postings. A `PoolIndex` holds every eligible
    `Member` (gigabytes for a pool of a million).
    """

    def __init__(self, vocabulary: Vocabulary, kind: str):
        self.vocabulary, self.kind = vocabulary, kind
        self.skills: list[frozenset[str]] = []
        self.postings: dict[str, array] = {}
        self._sets: dict[frozenset, frozenset] = {}

    def add(self, member) -> None:
        have = frozenset(self.vocabulary.canonical(skill) for skill in MemberProfile.of(member).skills)
        have = self._sets.setdefault(have, have)
        position = len(self.skills)
        self.skills.append(have)
        for skill in have:
            posting = self.postings.get(skill)
            if posting is None:
                posting = self.postings[skill] = array("l")
            posting.append(position)

    def fit_total(self, must_have) -> FitCounts:
        """What `PoolIndex.fit_total` gives for the same pool."""
        return _fit_total(self.vocabulary, self.postings, self.skills, len(self.skills), must_have)


def pool_totals(settings: dict, today: dt.date, *, kind: str | None = None) -> TotalsIndex:
    """The eligible members of the pool of `settings` for `kind` (the budget left out), streamed into a `TotalsIndex`."""
    kind = kind or staffing_settings.value(settings, "STAFFING_FIT_KIND")
    index = TotalsIndex(config.load_vocabulary(settings), kind)

    def over_budget(member, reason):  # eligible for a fit: the budget is left out (as in `eligible_members`)
        if reason == "over_budget":
            index.add(member)

    with config.open_store(settings) as store:
        for member, _segment in stream(store, [_EVERYONE], kind, today, segments=_everyone(), policy=_policy(settings),
                                       on_excluded=over_budget):
            index.add(member)
    return index


def pool_index(settings: dict, today: dt.date, *, store=None, kind: str | None = None) -> PoolIndex:
    """The eligible members of the pool of `settings` (or of `store`) for `kind`, indexed."""
    kind = kind or staffing_settings.value(settings, "STAFFING_FIT_KIND")
    policy = _policy(settings)
    if store is None:
        with config.open_store(settings) as opened:
            members = eligible_members(opened, kind, today, policy=policy)
    else:
        members = eligible_members(store, kind, today, policy=policy)
    return PoolIndex(members, config.load_vocabulary(settings), config.load_segments(settings), today, kind)


def pool_fit(settings: dict, must_have, today: dt.date, *, store=None, kind: str | None = None) -> FitReport:
    """The fit of `must_have` in the pool of `settings` (or `store`)."""
    return pool_index(settings, today, store=store, kind=kind).fit(must_have)


def member_list_csv(report: FitReport) -> str:
    """The members who fit every must-have or all but one, for the recruiter (private area only)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["email", "first_name", "last_name", "city", "fits", "missing"])
    for member, missing in sorted(report.fitting, key=lambda item: (len(item[1]), item[0].email_key)):
        writer.writerow([member.email, member.first_name, member.last_name, member.city,
                         "all" if not missing else "all but one", "; ".join(missing)])
    return out.getvalue()
