"""Pool fit: how many eligible members have a list of must-have skills, counted, never named.

Eligible means what the policy says for one message kind (`STAFFING_FIT_KIND`,
job alerts by default: their consent, retention, no active process), with the
frequency budget left out: a member over this month's budget still fits the
job. A member *fits* a must-have when one of their skills is the same skill
of the pool's vocabulary (`talentpool.skills`), compared the way job matching
compares skills (`mailing.matching`). For each group (the whole pool, each
segment, each city) the report gives: eligible members, those with every
must-have, those missing exactly one, and for each must-have how many lack
only that one — the must-have that "excludes the most".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from mailing.matching import MemberProfile
from talentpool import config
from talentpool.audience import default_policy, evaluate
from talentpool.segments import Segment, compile_segments
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

    def add(self, missing: list[str]) -> None:
        self.eligible += 1
        self.lacking.update(missing)
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


def missing_skills(must_have, member, vocabulary: Vocabulary) -> list[str]:
    """The must-haves `member` lacks, in the ad's order."""
    have = {vocabulary.canonical(skill) for skill in MemberProfile.of(member).skills}
    return [skill for skill in must_have if vocabulary.canonical(skill) not in have]


def eligible_members(store, kind: str, today: dt.date, *, policy=None):
    """Every member the policy allows for `kind` today, the frequency budget left out."""
    everyone = compile_segments({_EVERYONE: Segment(_EVERYONE, "every member", {"field": "email", "exists": True})})
    audience = evaluate(store, [_EVERYONE], kind, today, segments=everyone, policy=policy or default_policy())
    return [member for member, _ in audience.eligible] + list(audience.excluded["over_budget"])


def pool_fit(settings: dict, must_have, today: dt.date, *, store=None, kind: str | None = None,
             place: str | None = None, members=None) -> FitReport:
    """The fit of `must_have` in the pool of `settings` (or `store`, or already `eligible_members`);
    `place` keeps one city's members."""
    kind = kind or staffing_settings.value(settings, "STAFFING_FIT_KIND")
    if members is None:
        policy = config.load_policy(settings) if config.path(settings, "POOL_POLICY_PATH").exists() else None
        if store is None:
            with config.open_store(settings) as opened:
                members = eligible_members(opened, kind, today, policy=policy)
        else:
            members = eligible_members(store, kind, today, policy=policy)
    if place:
        members = [m for m in members if fold(m.city) == fold(place)]
    return _count(tuple(must_have), kind, today, members, config.load_vocabulary(settings), config.load_segments(settings))


def _count(must_have, kind, today, members, vocabulary, segments) -> FitReport:
    total = FitCounts(must_have)
    by_segment = {name: FitCounts(must_have) for name in segments}
    by_city: dict[str, FitCounts] = {}
    city_names: dict[str, str] = {}
    fitting = []
    for member in sorted(members, key=lambda m: m.email_key):
        missing = missing_skills(must_have, member, vocabulary)
        total.add(missing)
        for name, segment in segments.items():
            if segment.matches(member, today):
                by_segment[name].add(missing)
        city = city_names.setdefault(fold(member.city), member.city or "—")
        by_city.setdefault(city, FitCounts(must_have)).add(missing)
        if len(missing) <= 1:
            fitting.append((member, missing))
    ordered_cities = dict(sorted(by_city.items(), key=lambda item: (-item[1].fit_all, -item[1].eligible, fold(item[0]))))
    return FitReport(must_have, kind, today, total, by_segment, ordered_cities, fitting)


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
