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
