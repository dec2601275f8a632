"""Job alerts test only the jobs sharing a skill or department with a member: same digests as testing every job."""

from __future__ import annotations

import datetime as dt
import json
import random
from types import SimpleNamespace

from mailing.kinds.job_alert import digests as alerts
from mailing.community import signups
from mailing.community.criteria import Criteria, criteria_of
from mailing.delivery import choices
from mailing.engine.budget import Budget
from mailing.matching import JobFacts
from talentpool.models import Member
from talentpool.policy import Policy
from talentpool.store import Store

SKILLS = ["Python", "SQL", "dbt", "Kubernetes", "Terraform", "Java", "Données", "données ", "Spark", "sourcing"]
DEPARTMENTS = ["data", "Data", "cloud", "dev", "rh", "", "Données"]
CITIES = ["Lyon", "Nantes", "Saint-Étienne", "lyon", "Paris"]
TODAY = dt.date(2026, 11, 22)


def open_jobs(rng: random.Random, count: int) -> list[alerts.OpenJob]:
    jobs = []
    for n in range(count):
        facts = JobFacts(
            reference=f"CC-IDX-{n:03d}", title=f"Poste {n}", department=rng.choice(DEPARTMENTS),
            cities=tuple(rng.sample(CITIES, rng.randint(0, 2))), remote=rng.choice(["remote", "hybrid", "on-site"]),
            must_have=tuple(rng.sample(SKILLS, rng.randint(0, 3))), nice_to_have=tuple(rng.sample(SKILLS, rng.randint(0, 2))),
            date=f"2026-11-{1 + n % 21:02d}T09:00:00+01:00")
        jobs.append(alerts.OpenJob(facts, dt.date(2026, 11, 1 + n % 21)))
    return jobs


def test_relevant_jobs_then_criteria_equal_criteria_on_every_job():
    rng = random.Random(11)
    jobs = open_jobs(rng, 120)
    index = alerts.AlertIndex(jobs)
    checked = 0
    for _ in range(400):
        member = SimpleNamespace(departments=rng.sample(DEPARTMENTS, rng.randint(0, 2)),
                                 skills=rng.sample(SKILLS, rng.randint(0, 3)), city=rng.choice(CITIES + [""]))
        prefs = {signups.REMOTE: rng.choice(["any", "remote", "hybrid"])}
        if rng.random() < 0.4:
            prefs[signups.LOCATIONS] = json.dumps(rng.sample(CITIES, 2))
        wanted = criteria_of(member, prefs)
        expected = [job for job in jobs if wanted.matches(job.facts)]
        assert [job for job in index.relevant(wanted) if wanted.matches(job.facts)] == expected
        # the index's own test, on each job's terms worked out once, against Criteria.matches on its facts
        since, seen = dt.date(2026, 11, rng.randint(1, 21)), {job.reference for job in rng.sample(jobs, 30)}
        assert index.matching(wanted, since, seen) == [job for job in expected if job.posted >= since and job.reference not in seen]
        checked += bool(expected)
    assert checked > 100  # most random members do match some jobs
    assert index.relevant(Criteria()) == []


def _plan(path, jobs, monkeypatch, *, every_job: bool):
    if every_job:  # the straightforward planner: every member decoded, against every open job
        monkeypatch.setattr(alerts.AlertIndex, "matching", lambda self, wanted, since, seen: [
            job for job in self.jobs if job.posted >= since and job.reference not in seen and wanted.matches(job.facts)])
        monkeypatch.setattr(alerts, "consenting", lambda store: store.iter_members())
    else:
        monkeypatch.undo()

    class AsIs(Policy):
        """Not the plain Policy: plan_alerts asks its `decide` for each member (the straightforward way)."""
    policy = (AsIs if every_job else Policy)(max_messages=2, window_days=30)
    # Messages already planned by more important kinds this build (shared tuples, as the engine's budget
    # holds them): some members are over budget with them, some only with what they were sent.
    budget = Budget({f"m-idx-{n}": [("invitation", "round-1", TODAY)] * (n % 3) for n in range(0, 150, 2)})
    with Store(str(path)) as store:
        day = alerts.plan_alerts(store, jobs, policy, TODAY, max_jobs=3, max_age_days=30, planned=budget)
    return [(d.member_id, d.jobs) for d in day.digests], dict(day.waiting), dict(budget.by_member)


def test_plan_alerts_gives_the_same_digests_as_testing_every_job(tmp_path, monkeypatch):
    rng = random.Random(2026)
    path = tmp_path / "pool.sqlite3"
    with Store(str(path)) as store:
        for n in range(150):
            person = Member(id=f"m-idx-{n}", email=f"membre{n}@example.org", first_name=f"Membre{n}", language="fr",
                            city=rng.choice(CITIES), country="FR", departments=rng.sample(DEPARTMENTS[:5], rng.randint(0, 2)),
                            skills=rng.sample(SKILLS, rng.randint(0, 3)),
                            consents={"job_alerts": dt.date(2026, 11, rng.randint(1, 20)), "newsletter": dt.date(2026, 10, 1)},
                            created=dt.date(2026, 10, 1))
            if n % 5 == 1:  # no job-alert consent, withdrawn since, or unsubscribed: never decoded by `consenting`
                del person.consents["job_alerts"]
            elif n % 5 == 2:
                person.withdrawn = {"job_alerts": dt.date(2026, 11, 21)} if n % 2 else {"job_alerts": dt.date(2026, 10, 20)}
            elif n % 10 == 3:
                person.unsubscribed = dt.date(2026, 11, 2)
            store.add(person)
            choices.set_preference(store, person.id, "alert_rhythm", rng.choice(["instant", "weekly"]), dt.date(2026, 10, 1))
            if n % 7 == 0:
                store.record_message(person.id, "newsletter", f"earlier-{n % 2}", dt.date(2026, 11, 10 + n % 5))
    jobs = open_jobs(rng, 80)
    straightforward = _plan(path, jobs, monkeypatch, every_job=True)
    indexed = _plan(path, jobs, monkeypatch, every_job=False)
    assert indexed == straightforward
    assert len(indexed[0]) > 40  # many digests, each with up to three jobs, compared in order
    assert indexed[1].get("over_budget", 0) > 5  # and members left out because of the shared budget
    with Store(str(path)) as store:
        kept = [m.id for m in alerts.consenting(store)]
        assert [m.id for m in store.iter_members() if m.has_consent("job_alerts")] == \
            [m for m in kept if store.get(m).has_consent("job_alerts")]
        assert len(kept) < 130  # members without the consent, or unsubscribed, are left undecoded


def test_recording_a_day_in_batches_equals_one_statement_per_job(store_location):
    """`digests.record` reads what is already remembered per 1,000 digests and writes the new pairs at once:
    the same rows, positions and count as `record_one_by_one`, with pairs already there (from an earlier day
    and from an earlier build today) and a pair twice in the day's digests, on both databases."""
    rng = random.Random(3)
    refs = [f"CC-{n:03d}" for n in range(40)]
    earlier = alerts.AlertDay(TODAY - dt.timedelta(days=3))
    again = alerts.AlertDay(TODAY)
    for n in range(0, 2600, 7):
        earlier.digests.append(alerts.Digest(f"m-{n:05d}", "fr", rng.sample(refs, rng.randint(1, 3))))
    for n in range(0, 2600, 11):
        again.digests.append(alerts.Digest(f"m-{n:05d}", "en", rng.sample(refs, 2)))
    day = alerts.AlertDay(TODAY)
    for n in range(2600):
        day.digests.append(alerts.Digest(f"m-{n:05d}", rng.choice(["fr", "en"]), rng.sample(refs, rng.randint(1, 5))))
    day.digests.append(alerts.Digest("m-00004", "fr", ["CC-000", "CC-000", "CC-039"]))

    def table(conn):
        return [tuple(row) for row in conn.execute(
            "SELECT member_id, job_reference, plan_id, planned, position FROM job_alerts ORDER BY position")]

    with Store(store_location) as store:
        assert alerts.record(store, earlier) == sum(len(d.jobs) for d in earlier.digests)
        alerts.record(store, again)
        with store.transaction() as conn:
            before = table(conn)
        expected_count = alerts.record_one_by_one(store, day)
        with store.transaction() as conn:
            expected = table(conn)
            conn.execute("DELETE FROM job_alerts WHERE position > :last", {"last": before[-1][-1]})
            assert table(conn) == before
        assert alerts.record(store, day) == expected_count
        with store.transaction() as conn:
            assert table(conn) == expected
        assert 0 < expected_count < sum(len(d.jobs) for d in day.digests)
        assert alerts.record(store, day) == 0  # everything remembered: nothing new
