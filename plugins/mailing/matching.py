"""Score open jobs against a member: skills (must-have weigh more), departments, location.

Comparison ignores case and accents ("Données" == "donnees"). A job is
*relevant* to a member only when at least one skill or a desired department
matches; a matching city alone is not a reason to write to someone.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain

MUST_WEIGHT = 3
NICE_WEIGHT = 1
DEPARTMENT_WEIGHT = 2
LOCATION_WEIGHT = 1
REASON_SKILLS = 3  # at most this many skills named in a reason


def norm(value) -> str:
    """Case- and accent-insensitive key: 'Données ' -> 'donnees'."""
    return _norm(str(value or ""))


@functools.lru_cache(maxsize=1 << 16)
def _norm(text: str) -> str:
    # Cached: skills and cities repeat across members, and matching runs per member (plan and send).
    text = unicodedata.normalize("NFKD", text).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s_]+", " ", text).strip()


@dataclass(frozen=True)
class JobFacts:
    """What matching needs of a job: plain data, stored in the compiled plan."""

    reference: str
    title: str
    department: str = ""
    department_label: str = ""
    cities: tuple[str, ...] = ()
    remote: str = "on-site"
    must_have: tuple[str, ...] = ()
    nice_to_have: tuple[str, ...] = ()
    date: str = ""  # ISO date posted; newer wins ties

    @classmethod
    def from_job(cls, job) -> "JobFacts":
        posted = getattr(job, "date", None)
        if isinstance(posted, (dt.date, dt.datetime)):
            posted = posted.isoformat()
        return cls(
            reference=str(getattr(job, "reference", "") or getattr(job, "slug", "")),
            title=str(getattr(job, "title", "")),
            department=str(getattr(job, "department", "") or ""),
            department_label=str(getattr(job, "department_label", "") or ""),
            cities=tuple(str(getattr(loc, "city", "") or "") for loc in getattr(job, "locations", []) or []),
            remote=str(getattr(job, "remote", "on-site") or "on-site"),
            must_have=tuple(getattr(job, "must_have", []) or []),
            nice_to_have=tuple(getattr(job, "nice_to_have", []) or []),
            date=str(posted or ""),
        )

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, data: dict) -> "JobFacts":
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


@dataclass(frozen=True)
class Match:
    """One job scored for one member, with what made it match."""

    reference: str
    score: int
    must: tuple[str, ...] = ()
    nice: tuple[str, ...] = ()
    department: bool = False
    location: str = ""  # the matching city, or "remote"
    date: str = ""

    @property
    def relevant(self) -> bool:
        return bool(self.must or self.nice or self.department)


@dataclass
class MemberProfile:
    """The normalised parts of a member that matching reads (built once per member)."""

    skills: set[str] = field(default_factory=set)
    departments: set[str] = field(default_factory=set)
    city: str = ""

    @classmethod
    def of(cls, member) -> "MemberProfile":
        return cls(
            skills={norm(s) for s in getattr(member, "skills", []) or [] if norm(s)},
            departments={norm(d) for d in getattr(member, "departments", []) or [] if norm(d)},
            city=norm(getattr(member, "city", "")),
        )


# A job's terms normalised once (`_terms`), by the job object (kept with them, so its id is not reused):
# a build scores the same few thousand jobs for hundreds of thousands of members (job alerts sort every
# fresh job of a digest by score; newsletters score their top matches).
_TERMS: dict[int, tuple] = {}
_TERMS_LIMIT = 50_000


def _terms(job: JobFacts) -> tuple:
    """(job, its must-haves normalised, its nice-to-haves normalised, its departments normalised less "",
    its cities normalised)."""
    found = _TERMS.get(id(job))
    if found is None or found[0] is not job:
        if len(_TERMS) >= _TERMS_LIMIT:
            _TERMS.clear()
        found = _TERMS[id(job)] = (job, tuple(norm(s) for s in job.must_have), tuple(norm(s) for s in job.nice_to_have),
                                   {norm(job.department), norm(job.department_label)} - {""},
                                   tuple(norm(c) for c in job.cities))
    return found


def score(job: JobFacts, profile: MemberProfile) -> Match:
    """Must-have skill 3, nice-to-have 1, desired department 2, city or remote job 1.

    The job's terms are normalised once (`_terms`); `score_plainly` normalises them on every call,
    tests/mailing/test_matching.py compares the two."""
    _, musts, nices, departments, cities = _terms(job)
    skills = profile.skills
    must = tuple(s for s, key in zip(job.must_have, musts) if key in skills)
    nice = tuple(s for s, key in zip(job.nice_to_have, nices) if key in skills and s not in must)
    department = bool(profile.departments & departments)
    location = ""
    if job.remote == "remote":
        location = "remote"
    elif profile.city and profile.city in cities:
        location = job.cities[cities.index(profile.city)]
    points = MUST_WEIGHT * len(must) + NICE_WEIGHT * len(nice)
    points += DEPARTMENT_WEIGHT if department else 0
    points += LOCATION_WEIGHT if location else 0
    return Match(job.reference, points, must, nice, department, location, job.date)


def score_plainly(job: JobFacts, profile: MemberProfile) -> Match:
    """`score`, every term of the job normalised on each call (the straightforward way)."""
    must = tuple(s for s in job.must_have if norm(s) in profile.skills)
    nice = tuple(s for s in job.nice_to_have if norm(s) in profile.skills and s not in must)
    department = bool(profile.departments & {norm(job.department), norm(job.department_label)} - {""})
    location = ""
    if job.remote == "remote":
        location = "remote"
    elif profile.city and any(norm(c) == profile.city for c in job.cities):
        location = next(c for c in job.cities if norm(c) == profile.city)
    points = MUST_WEIGHT * len(must) + NICE_WEIGHT * len(nice)
    points += DEPARTMENT_WEIGHT if department else 0
    points += LOCATION_WEIGHT if location else 0
    return Match(job.reference, points, must, nice, department, location, job.date)


def top_matches(jobs: list[JobFacts], member, n: int) -> list[Match]:
    """The n best relevant jobs for a member: highest score, then newest, then reference."""
    if n <= 0:
        return []
    profile = member if isinstance(member, MemberProfile) else MemberProfile.of(member)
    scored = [m for m in (score(job, profile) for job in jobs) if m.relevant]
    scored.sort(key=lambda m: (-m.score, _neg_date(m.date), m.reference))
    return scored[:n]


class CandidateIndex:
    """The candidates of one compiled variant, indexed for fast per-member ranking.

    `top(member, n)` equals `top_matches(jobs, member, n)`: points come from
    postings (normalised skill -> jobs, department -> jobs) counted in C, only
    jobs sharing a skill or a department are relevant, ties keep the order of
    `top_matches` (newest, then reference, then position) through a
    precomputed rank, and only the chosen jobs are scored into `Match`es.
    Planning a large pool against thousands of open jobs stays linear in the pool.

    No answer is remembered: a memo of 20,000 answers per list of candidates held 80 MB at
    1,000,000 members (26 MB at 100,000) for no measurable gain (planning 100,000 members:
    5.33 s without, 5.39-5.42 s with), and a walk in parts (`mailing.engine.walk`) held one per process.
    """

    def __init__(self, jobs: list[JobFacts]):
        self.jobs = list(jobs)
        self.must: dict[str, list[int]] = {}
        self.nice: dict[str, list[int]] = {}
        self.departments: dict[str, list[int]] = {}
        self.cities: list[frozenset[str]] = []
        self.remote: list[bool] = []
        for position, job in enumerate(self.jobs):
            for skill in job.must_have:
                self.must.setdefault(norm(skill), []).append(position)
            for skill in job.nice_to_have:
                if skill not in job.must_have:  # score() counts such a skill once, as a must-have
                    self.nice.setdefault(norm(skill), []).append(position)
            for key in {norm(job.department), norm(job.department_label)} - {""}:
                self.departments.setdefault(key, []).append(position)
            self.cities.append(frozenset(norm(c) for c in job.cities))
            self.remote.append(job.remote == "remote")
        for postings in (self.must, self.nice):
            postings.pop("", None)
        negated: dict[str, tuple] = {}  # jobs share posting dates: each inverted once
        for job in self.jobs:
            if job.date not in negated:
                negated[job.date] = _neg_date(job.date)
        order = sorted(range(len(self.jobs)), key=lambda i: (negated[self.jobs[i].date], self.jobs[i].reference, i))
        self.rank = [0] * len(self.jobs)
        for place, position in enumerate(order):
            self.rank[position] = place

    def top(self, member, n: int) -> list[Match]:
        if n <= 0:
            return []
        return list(self._rank(member if isinstance(member, MemberProfile) else MemberProfile.of(member), n))

    def _rank(self, profile: MemberProfile, n: int) -> tuple[Match, ...]:
        musts = [self.must[s] for s in profile.skills if s in self.must]
        nices = [self.nice[s] for s in profile.skills if s in self.nice]
        same_department: set[int] = set()
        for key in profile.departments:
            same_department.update(self.departments.get(key, ()))
        department = list(same_department)
        points = Counter(chain(*(p for p in musts for _ in range(MUST_WEIGHT)), *nices,
                               *([department] * DEPARTMENT_WEIGHT)))
        if not points:
            return ()
        # Location adds at most LOCATION_WEIGHT: only jobs within that of the n-th best can rank.
        best = sorted(points.values(), reverse=True)
        floor = best[min(n, len(best)) - 1] - LOCATION_WEIGHT
        city, cities, remote, rank = profile.city, self.cities, self.remote, self.rank
        contenders = []
        for position, base in points.items():
            if base >= floor:
                located = remote[position] or (bool(city) and city in cities[position])
                contenders.append((-(base + (LOCATION_WEIGHT if located else 0)), rank[position], position))
        contenders.sort()
        return tuple(score(self.jobs[position], profile) for _, _, position in contenders[:n])


def _neg_date(iso: str) -> tuple:
    # Newest first without parsing: invert each character of the ISO string.
    return tuple(-ord(c) for c in iso)


def reason(match: Match, strings: dict[str, str]) -> str:
    """'matches Python, SQL · Lyon' in the email's language (strings from the mail theme)."""
    parts = []
    skills = list(match.must) + list(match.nice)
    if skills:
        parts.append(strings["reason_skills"].format(skills=", ".join(skills[:REASON_SKILLS])))
    elif match.department:
        parts.append(strings["reason_department"])
    if match.location == "remote":
        parts.append(strings["reason_remote"])
    elif match.location:
        parts.append(strings["reason_city"].format(city=match.location))
    return " · ".join(parts)
