"""Job alerts: each member's saved choices act as their own segment; one digest per member per period.

On every build ("today"), for each member with the `job_alerts` consent, the
open jobs that match their criteria (`community.criteria`), were posted since
they asked for alerts (and in the last COMMUNITY_ALERT_MAX_AGE_DAYS days) and
were never alerted to them go into one digest — if their rhythm allows one
today (as they come: one a day at most; weekly; monthly), the policy allows a
`job_alert` (consent, retention, active process, the shared frequency budget
and its priority) and they have not paused. Jobs left out wait for the next
digest; a job is never alerted twice to the same member (table `job_alerts`).

The plan goes to `<outbox>/alerts-<day>/` in the newsletters' layout and is
delivered by `vivier send alerts-<day>`. The mailing plugin's AlertsGenerator
runs this after the newsletters and invitations and takes back lower-priority
messages (newsletter, follow-ups) that an alert pushes over the budget.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from talentpool.migrations import next_position
from talentpool.policy import BLOCKING, Policy
from talentpool.store import ROW_COLUMNS, member_from_row

from ...community import criteria as alert_criteria
from ...delivery import choices as member_choices
from ...engine.budget import Budget as Planned
from ...matching import JobFacts, MemberProfile, score
from ...plan.spool import Records

log = logging.getLogger(__name__)

KIND = "job_alert"
CONSENT = "job_alerts"
RHYTHM_WAIT = "rhythm"  # outcome: matching jobs wait for the member's next period


def plan_id_for(day: dt.date) -> str:
    return f"alerts-{day.isoformat()}"


@dataclass(frozen=True)
class OpenJob:
    """What alerts need of an open job: its facts for matching and the day it was posted."""

    facts: JobFacts
    posted: dt.date

    @property
    def reference(self) -> str:
        return self.facts.reference

    @classmethod
    def of(cls, job) -> "OpenJob":
        posted = job.date.date() if isinstance(job.date, dt.datetime) else job.date
        return cls(JobFacts.from_job(job), posted)


class AlertIndex:
    """Open jobs indexed by normalised skill and department, for `Criteria.matches`.

    A job matches a member's criteria only if it shares a skill (must-have or
    nice-to-have) or its department with them, so each member tests only the
    jobs of their own skills and departments instead of every open job; the
    full `Criteria.matches` still decides. `relevant` keeps the jobs' order.
    """

    def __init__(self, jobs: list[OpenJob]):
        self.jobs = list(jobs)
        # Each job's normalised terms, once for the whole pool (not once per member who might want it).
        self.terms = [alert_criteria.job_terms(job.facts) for job in self.jobs]
        self.skills: dict[str, list[int]] = {}
        self.departments: dict[str, list[int]] = {}
        for position, terms in enumerate(self.terms):
            for skill in terms.skills:
                self.skills.setdefault(skill, []).append(position)
            self.departments.setdefault(terms.department, []).append(position)

    def relevant(self, wanted) -> list[OpenJob]:
        """The jobs sharing a skill or a department with `wanted` (a superset of its matches)."""
        return [self.jobs[p] for p in self._positions(wanted)]

    def matching(self, wanted, since: dt.date, seen) -> list[OpenJob]:
        """The jobs `wanted.matches`, posted since `since` and not in `seen` (references), in the jobs' order."""
        jobs, terms = self.jobs, self.terms
        return [jobs[p] for p in self._positions(wanted)
                if jobs[p].posted >= since and jobs[p].reference not in seen and wanted.matches_terms(terms[p])]

    def _positions(self, wanted) -> list[int]:
        positions: set[int] = set()
        for skill in wanted.skills:
            positions.update(self.skills.get(skill, ()))
        for department in wanted.departments:
            positions.update(self.departments.get(department, ()))
        return sorted(positions)


class Digest(NamedTuple):
    """One member's digest today: the references of the jobs it announces, best first (the member's id
    and language, not the whole `Member`: a day of a large pool holds many of them, issue 21)."""

    member_id: str
    language: str
    jobs: list[str]


@dataclass
class AlertDay:
    """Everything decided for one day: digests planned, and why other matching members wait."""

    today: dt.date
    digests: Records = field(default_factory=lambda: Records(Digest))  # on disk until written (issue 21)
    waiting: Counter = field(default_factory=Counter)

    @property
    def plan_id(self) -> str:
        return plan_id_for(self.today)


# --- what the store remembers ---------------------------------------------------------


def alerted(store) -> dict[str, dict[str, dt.date]]:
    """member id -> {job reference: day it was planned}, for the whole pool in one query."""
    result: dict[str, dict[str, dt.date]] = {}
    with store.transaction() as conn:
        for member_id, reference, planned in conn.execute("SELECT member_id, job_reference, planned FROM job_alerts"):
            result.setdefault(member_id, {})[reference] = dt.date.fromisoformat(planned)
    return result


def rows_of_plan(store, plan_id: str) -> dict[str, list[str]]:
    """member id -> job references of one plan (a rebuild on the same day keeps them)."""
    result: dict[str, list[str]] = {}
    with store.transaction() as conn:
        for member_id, reference in conn.execute(
                "SELECT member_id, job_reference FROM job_alerts WHERE plan_id = :plan ORDER BY position",
                {"plan": plan_id}):
            result.setdefault(member_id, []).append(reference)
    return result


def record(store, day: AlertDay) -> int:
    """Remember each (member, job) planned today, so it is never alerted again; returns how many are new.

    The pairs already remembered are read for 1,000 digests at a time and only the new ones written
    (`executemany`), numbered in the digests' order: what one `INSERT … ON CONFLICT DO NOTHING` per
    pair did (a statement per job of every digest: 0.5 s of a build at 100,000 members). The write
    lock is held throughout, so no pair can appear between the reading and the writing.
    `record_one_by_one` is the straightforward way; tests/community/test_alert_index.py compares them."""
    insert = ("INSERT INTO job_alerts(member_id, job_reference, plan_id, planned, position)"
              " VALUES (:member, :reference, :plan, :planned, :position) ON CONFLICT DO NOTHING")
    planned_on = day.today.isoformat()
    added = 0
    with store.transaction() as conn:
        position = next_position(conn, "job_alerts")
        digests = iter(day.digests)
        while batch := list(itertools.islice(digests, 1000)):
            there = {tuple(row) for row in conn.execute(
                "SELECT member_id, job_reference FROM job_alerts WHERE member_id IN :members",
                {"members": sorted({digest.member_id for digest in batch})}, lists=("members",))}
            values = []
            for digest in batch:
                for reference in digest.jobs:
                    if (digest.member_id, reference) in there:
                        continue
                    there.add((digest.member_id, reference))
                    values.append({"member": digest.member_id, "reference": reference, "plan": day.plan_id,
                                   "planned": planned_on, "position": position + len(values)})
            conn.execute_many(insert, values)
            position += len(values)
            added += len(values)
    return added


def record_one_by_one(store, day: AlertDay) -> int:
    """`record` as it was written first: one statement per (member, job), counting those inserted."""
    added = 0
    with store.transaction() as conn:
        position = next_position(conn, "job_alerts")
        for digest in day.digests:
            for reference in digest.jobs:
                new = conn.execute(
                    "INSERT INTO job_alerts(member_id, job_reference, plan_id, planned, position)"
                    " VALUES (:member, :reference, :plan, :planned, :position) ON CONFLICT DO NOTHING",
                    {"member": digest.member_id, "reference": reference, "plan": day.plan_id,
                     "planned": day.today.isoformat(), "position": position}).rowcount
                added, position = added + new, position + new
    return added


# --- planning -----------------------------------------------------------------------------


def plan_alerts(store, jobs: list[OpenJob], policy, today: dt.date, *, max_jobs: int, max_age_days: int,
                planned: Planned | None = None) -> AlertDay:
    """Who gets a digest today and with which jobs; adds the digests to `planned` (shared budget)."""
    planned = Planned() if planned is None else planned
    if not jobs:
        return AlertDay(today)
    planner = AlertPlanner(store, jobs, policy, today, max_jobs=max_jobs, max_age_days=max_age_days, planned=planned)
    for member in consenting(store):
        planner.member(member)
    return planner.day


class AlertPlanner:
    """`plan_alerts` one member at a time (`member`, in the store's order; `day` holds the result): the
    look-ups made once, before the walk (`jobs` not empty)."""

    def __init__(self, store, jobs: list[OpenJob], policy, today: dt.date, *, max_jobs: int, max_age_days: int,
                 planned: Planned):
        self.day = AlertDay(today)
        self.planned, self.policy, self.today, self.max_jobs = planned, policy, today, max_jobs
        self.done = alerted(store)
        self.prefs = member_choices.all_preferences(store)
        self.recent = store.messages_by_member(policy.window_start(today))
        self.suppressed = store.suppression_lookup(BLOCKING)
        self.oldest = today - dt.timedelta(days=max_age_days)
        self.index = AlertIndex(jobs)
        # The policy's reason by `Policy.decider` (the kind's settings looked up once, retention ends and
        # shared planned tuples counted once): `decide`'s first reason. A subclass may decide otherwise: asked as is.
        self.reason_of = policy.decider(KIND, today, self.day.plan_id) if type(policy) is Policy else None

    def member(self, member) -> None:
        if not member.has_consent(CONSENT):
            return
        day, today, planned = self.day, self.today, self.planned
        mine = self.prefs.get(member.id, {})
        wanted = alert_criteria.criteria_of(member, mine)
        if wanted.empty:
            return
        since = max(self.oldest, member.consents[CONSENT])
        seen = self.done.get(member.id, {})
        fresh = self.index.matching(wanted, since, seen)
        if not fresh:
            return
        resume = alert_criteria.next_digest(wanted.rhythm, max(seen.values(), default=None))
        if resume is not None and today < resume:
            day.waiting[RHYTHM_WAIT] += 1
            return
        if self.reason_of is not None:
            reason = self.reason_of(member, self.recent.get(member.id, ()), planned.by_member.get(member.id, ()),
                                    self.suppressed(member.email))
        else:
            decision = self.policy.decide(member, KIND, today, self.recent.get(member.id, ()),
                                          planned=planned.of(member.id), suppressed=self.suppressed(member.email),
                                          plan_id=day.plan_id)
            reason = decision.reason if not decision.allowed else None
        reason = reason or member_choices.objection(mine, KIND, today)
        if reason:
            day.waiting[reason] += 1
            return
        profile = MemberProfile.of(member)
        fresh.sort(key=lambda job: (-score(job.facts, profile).score, -job.posted.toordinal(), job.reference))
        day.digests.append(Digest(member.id, sys.intern(member.language or ""), [job.reference for job in fresh[:self.max_jobs]]))
        planned.add(member.id, KIND, day.plan_id, today)


# A row whose consents name no job-alert consent, or that is unsubscribed, cannot have it (`consenting`).
_CONSENTS_AT, _UNSUBSCRIBED_AT = ROW_COLUMNS.index("consents"), ROW_COLUMNS.index("unsubscribed")
_NEEDLE = f'"{CONSENT}"'  # a key of the stored JSON object; its values are dates


def may_consent(row: tuple) -> bool:
    """False for a stored row whose member cannot have the job-alert consent (`consenting` skips it)."""
    return not row[_UNSUBSCRIBED_AT] and _NEEDLE in (row[_CONSENTS_AT] or "")


def consenting(store):
    """`store.iter_members()` less members who cannot have the job-alert consent: a row whose consents
    name no `job_alerts`, or that is unsubscribed, is not decoded (about half a pool; `has_consent` still
    decides for the others). Stores without rows (`member_row_batches`) give every member."""
    if not hasattr(store, "member_row_batches"):
        yield from store.iter_members()
        return
    for rows in store.member_row_batches():
        for row in rows:
            if may_consent(row):
                yield member_from_row(row)


class AlertsWalker:
    """The job alerts in a walk of the pool shared with other kinds (`mailing.engine.walk`): `AlertPlanner`
    for the rows `consenting` decodes; `then(day)` once the walk is over."""

    def __init__(self, planner: AlertPlanner, then):
        self.planner, self._then = planner, then

    def visit(self, row, member):
        if may_consent(row):
            if member is None:
                member = member_from_row(row)
            self.planner.member(member)
        return member

    def part(self) -> tuple:
        """The digests planned and the waiting counted in this part (a walk in parts, `mailing.engine.walk`)."""
        return self.planner.day.digests.part(), self.planner.day.waiting

    def join(self, part: tuple) -> None:
        digests, waiting = part
        self.planner.day.digests.join(digests)
        self.planner.day.waiting.update(waiting)

    def done(self):
        self._then(self.planner.day)


# --- the plan folder -----------------------------------------------------------------------


def alert_draft(settings, store, day: AlertDay, compiled: dict, open_refs: set[str]):
    """Today's alert plan (digests planned earlier today kept, closed jobs left out), or None."""
    from .views import SEGMENT, VARIANT
    from ...plan.spool import Spool, entry_member
    from ...plan.writer import PlanDraft

    languages = {key[1] for key in compiled}
    earlier = rows_of_plan(store, day.plan_id)
    if earlier:  # planned by an earlier build today: kept once, with today's jobs where there are some
        again = {d.member_id for d in day.digests if d.member_id in earlier}
        earlier = {m: refs for m, refs in earlier.items() if m not in again}
    entries = Spool(settings.get("MAILING_PREVIEWS", 3))  # on disk: a day of a large pool has many digests
    by_lang: Counter = Counter()
    jobs = 0
    listed = ((m, refs, None) for m, refs in earlier.items())
    fresh = ((d.member_id, d.jobs, d.language) for d in day.digests)
    for member_id, refs, language in itertools.chain(listed, fresh):
        refs = [ref for ref in refs if ref in open_refs]
        if not refs:  # every job of theirs closed: no look-up
            continue
        found = entry_member(store, member_id, language)
        if found is None:
            continue
        language, member = found
        lang = language if language in languages else settings["DEFAULT_LANG"]
        by_lang[lang] += 1
        jobs += len(refs)
        entries.add({"member": member_id, "segment": SEGMENT, "lang": lang, "variant": VARIANT, "kind": KIND, "jobs": refs},
                    member)
    if not entries:
        return None
    summary = {
        "day": day.today.isoformat(), "recipients": len(entries), "new_today": len(entries),
        "jobs": jobs,
        "counts": [{"lang": lang, "members": n} for lang, n in sorted(by_lang.items())],
    }
    return PlanDraft(day.plan_id, KIND, "job_alert", entries, compiled, summary=summary, members=entries.members)
