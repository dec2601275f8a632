"""Similar jobs from the index rank exactly as comparing every pair of jobs would."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace

from careers.job_similar import SimilarJobs

ZONE = dt.timezone(dt.timedelta(hours=1))
SKILLS = ["Python", "python", "SQL", "Kubernetes", "Terraform", "Java", "React", "Scrum"]
PLACES = ["lyon", "nantes", "grenoble", "paris"]


def _job(rng: random.Random, i: int):
    return SimpleNamespace(
        reference=f"CC-{i // 2 if i % 7 == 0 else i:03d}",  # a few references shared by two versions
        lang=rng.choice(["fr", "fr", "en"]),
        department=rng.choice(["data", "cloud", "dev"]),
        must_have=rng.sample(SKILLS, rng.randint(0, 3)),
        locations=[SimpleNamespace(key=k) for k in rng.sample(PLACES, rng.randint(1, 2))],
        date=dt.datetime(2026, 11, rng.randint(1, 20), rng.choice([9, 14]), tzinfo=ZONE),
    )


def _pairwise(job, open_jobs, limit):
    """The original ranking: score every other open job of the language, closest then newest."""
    skills = {s.casefold() for s in job.must_have}
    places = {p.key for p in job.locations}

    def score(other):
        return (2 * (other.department == job.department) + len(skills & {s.casefold() for s in other.must_have})
                + len(places & {p.key for p in other.locations}))

    others = [o for o in open_jobs if o.lang == job.lang and o.reference != job.reference]
    return sorted(others, key=lambda o: (-score(o), -o.date.timestamp()))[:limit]


def test_index_matches_the_pairwise_ranking():
    rng = random.Random(5)
    jobs = [_job(rng, i) for i in range(160)]
    # As the generator lists them: newest first, then reference, descending.
    jobs.sort(key=lambda j: (j.date, j.reference), reverse=True)
    open_jobs = [j for j in jobs if rng.random() < 0.8]
    index = SimilarJobs(open_jobs)
    for job in jobs:  # closed jobs get similar open jobs too
        for limit in (0, 1, 3, 10):
            assert index.similar(job, limit) == _pairwise(job, open_jobs, limit), (job.reference, limit)


def test_too_few_jobs_in_common_falls_back_to_the_newest():
    rng = random.Random(9)
    lonely = _job(rng, 1)
    lonely.lang, lonely.department, lonely.must_have = "fr", "rh", ["paie"]
    lonely.locations = [SimpleNamespace(key="brest")]
    others = sorted((_job(rng, i) for i in range(2, 12)), key=lambda j: (j.date, j.reference), reverse=True)
    for other in others:
        other.lang = "fr"
    chosen = SimilarJobs(others + [lonely]).similar(lonely, 3)
    assert chosen == others[:3] and lonely not in chosen


def test_department_only_matches_and_shared_references_rank_as_pairwise():
    """Many jobs sharing only the department (2 points each): only the first few of them can be chosen."""
    rng = random.Random(21)
    jobs = []
    for i in range(400):
        job = _job(rng, i)
        job.department = rng.choice(["data", "data", "data", "cloud"])
        job.must_have = rng.sample(SKILLS, rng.choice([0, 0, 0, 1]))
        job.locations = [SimpleNamespace(key=k) for k in rng.sample(PLACES + ["brest"] * 6, 1)]
        jobs.append(job)
    jobs.sort(key=lambda j: (j.date, j.reference), reverse=True)
    open_jobs = [j for j in jobs if rng.random() < 0.9]
    index = SimilarJobs(open_jobs)
    for job in jobs:
        for limit in (1, 2, 3, 5, 12):
            assert index.similar(job, limit) == _pairwise(job, open_jobs, limit), (job.reference, limit)


def test_the_newest_others_fill_up_after_the_few_in_common():
    rng = random.Random(4)
    jobs = sorted((_job(rng, i) for i in range(2, 14)), key=lambda j: (j.date, j.reference), reverse=True)
    for job in jobs:
        job.lang, job.department, job.must_have = "fr", "dev", []
        job.locations = [SimpleNamespace(key="lyon")]
    lonely, friend, twin = _job(rng, 100), _job(rng, 101), _job(rng, 102)
    for job in (lonely, friend, twin):
        job.lang, job.department, job.locations = "fr", "rh", [SimpleNamespace(key="brest")]
    lonely.must_have, friend.must_have, twin.must_have = ["paie"], [], ["paie"]
    friend.date = max(j.date for j in jobs) + dt.timedelta(hours=1)  # the newest: first of the fill-up too
    twin.reference = lonely.reference  # another version of the same job: never its own similar job
    open_jobs = sorted(jobs + [friend, twin, lonely], key=lambda j: (j.date, j.reference), reverse=True)
    index = SimilarJobs(open_jobs)
    for limit in (1, 2, 3, 5):
        assert index.similar(lonely, limit) == _pairwise(lonely, open_jobs, limit), limit
    assert index.similar(lonely, 4)[0] is friend and twin not in index.similar(lonely, 20)
    everyone = index.similar(lonely, 20)  # every other job, each once
    assert len(everyone) == len(set(map(id, everyone))) == len(open_jobs) - 2


def test_similar_jobs_and_descriptions_come_after_the_mail_side_has_read(tmp_path, monkeypatch):
    """The mail side (forked once the content is read) needs neither: they are made after it, for the pages."""
    from careers.jsonld import description_extra
    from mailing.engine.generator import MailEngine
    from tests.conftest import ROOT
    from vivier.build import read_all
    from vivier.config import load_settings

    seen = []
    read_here = MailEngine.read_here

    def probe(self):
        seen.extend(hasattr(job, "similar_jobs") or hasattr(job, "description_extra") for job in self.context["jobs"])
        return read_here(self)

    monkeypatch.setattr(MailEngine, "read_here", probe)
    monkeypatch.setenv("VIVIER_POOL", str(tmp_path / "no-store.sqlite3"))
    settings = load_settings(ROOT / "pelicanconf.py", VIVIER_TODAY="2026-11-22", CACHE_CONTENT=False, LOAD_CONTENT_CACHE=False)
    jobs = next(g for g in read_all(settings) if hasattr(g, "open_jobs"))
    assert seen and not any(seen)  # nothing of it yet when the mail side read the jobs
    index = SimilarJobs(jobs.open_jobs)
    for job in jobs.jobs:  # then every job has both, as computed straightforwardly
        assert job.similar_jobs == index.similar(job, settings["JOBS_SIMILAR"])
        assert job.description_extra == description_extra(job, jobs.t)


def test_similar_lists_kept_between_builds_equal_the_ranking_and_follow_every_input(tmp_path, monkeypatch):
    """`similar_lists` with its record: the last build's answer only while nothing the ranking reads changed."""
    from careers import job_similar

    def site():
        jobs = [_job(random.Random(i), i) for i in range(120)]
        for i, job in enumerate(jobs):
            job.source_path = f"/site/content/jobs/ad-{i:03d}.md"
        jobs.sort(key=lambda j: (j.date, j.reference), reverse=True)
        return jobs, [j for n, j in enumerate(jobs) if n % 5]

    rankings = []
    real = job_similar.SimilarJobs
    monkeypatch.setattr(job_similar, "SimilarJobs", lambda open_jobs: rankings.append(1) or real(open_jobs))
    store = str(tmp_path / "cache" / "similar.json")

    def check(jobs, open_jobs, limit=3):
        found = job_similar.similar_lists(jobs, open_jobs, limit, store)
        expected = [real(open_jobs).similar(job, limit) for job in jobs]
        assert [[id(j) for j in f] for f in found] == [[id(j) for j in e] for e in expected]  # this build's objects

    jobs, open_jobs = site()
    check(jobs, open_jobs)
    assert len(rankings) == 1
    jobs, open_jobs = site()  # the next build: equal inputs, other objects
    check(jobs, open_jobs)
    assert len(rankings) == 1  # reused
    edits = [
        lambda js, op: setattr(js[3], "must_have", [*js[3].must_have, "Rust"]),
        lambda js, op: setattr(js[5], "department", "dev" if js[5].department != "dev" else "data"),
        lambda js, op: setattr(js[7], "locations", [SimpleNamespace(key="brest")]),
        lambda js, op: setattr(js[9], "date", js[9].date - dt.timedelta(days=3)),
        lambda js, op: setattr(js[11], "lang", "en" if js[11].lang != "en" else "fr"),
        lambda js, op: setattr(js[13], "reference", "CC-999"),
        lambda js, op: op.remove(js[2]),  # closed
    ]
    for n, edit in enumerate(edits):
        jobs, open_jobs = site()
        edit(jobs, open_jobs)
        check(jobs, open_jobs)
        assert len(rankings) == n + 2, n  # each change ranks again
    jobs, open_jobs = site()
    check(jobs, open_jobs, limit=5)  # another limit
    assert len(rankings) == len(edits) + 2
    (tmp_path / "cache" / "similar.json").write_text("{damaged", encoding="utf-8")
    check(*site())
    assert len(rankings) == len(edits) + 3
    check(*site(), limit=3)
