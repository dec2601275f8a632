"""A member's saved choices as their own segment: which open jobs an alert may announce to them.

A job matches when it is relevant (a skill in common with the job's must-have
or nice-to-have skills, or a wanted department — a city alone is never a
reason to write), in one of the chosen cities or fully remote when cities
were chosen, and compatible with the remote wish. Comparison ignores case and
accents, as the newsletters' matching does. Members who never filled the form
(imported from an ATS) are matched on their profile: skills, departments, city.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from talentpool.policy import add_months

from ..matching import JobFacts, norm
from . import signups

RHYTHM_DAYS = {"instant": 1, "weekly": 7}


@dataclass
class Criteria:
    """Normalised alert criteria of one member."""

    departments: set[str] = field(default_factory=set)
    skills: set[str] = field(default_factory=set)
    cities: set[str] = field(default_factory=set)
    remote: str = "any"
    rhythm: str = "instant"

    @property
    def empty(self) -> bool:
        return not (self.departments or self.skills)

    def matches(self, job: JobFacts) -> bool:
        return self.matches_terms(job_terms(job))

    def matches_terms(self, terms: "JobTerms") -> bool:
        """`matches` on a job's normalised terms (`job_terms`), worked out once per job for a whole pool."""
        relevant = bool(self.skills & terms.skills) or terms.department in self.departments
        if not relevant:
            return False
        if self.remote == "remote" and terms.remote != "remote":
            return False
        if self.remote == "hybrid" and terms.remote not in ("hybrid", "remote"):
            return False
        if self.cities and terms.remote != "remote" and not self.cities & terms.cities:
            return False
        return True


@dataclass(frozen=True)
class JobTerms:
    """What `Criteria.matches` compares of a job, normalised (case and accents)."""

    skills: frozenset[str]
    department: str
    remote: str
    cities: frozenset[str]


def job_terms(job: JobFacts) -> JobTerms:
    return JobTerms(frozenset(norm(s) for s in (*job.must_have, *job.nice_to_have)), norm(job.department), job.remote,
                    frozenset(norm(c) for c in job.cities))


def criteria_of(member, prefs: dict[str, str]) -> Criteria:
    """The member's criteria from their record and their saved preferences."""
    saved = prefs.get(signups.LOCATIONS)
    try:
        cities = json.loads(saved) if saved else None  # most members never filled the form: nothing to read
    except ValueError:
        cities = None
    if cities is None:  # never filled the form: the profile's city
        cities = [member.city] if member.city else []
    return Criteria(
        departments={norm(d) for d in member.departments if norm(d)},
        skills={norm(s) for s in member.skills if norm(s)},
        cities={norm(c) for c in cities if norm(c)},
        remote=prefs.get(signups.REMOTE) or "any",
        rhythm=prefs.get(signups.ALERT_RHYTHM) or "instant",
    )


def next_digest(rhythm: str, last: dt.date | None) -> dt.date | None:
    """The first day a new digest may go, after one planned on `last` (None: any day)."""
    if last is None:
        return None
    if rhythm == "monthly":
        return add_months(last, 1)
    return last + dt.timedelta(days=RHYTHM_DAYS.get(rhythm, 1))

