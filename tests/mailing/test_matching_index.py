"""CandidateIndex (planning at scale) gives exactly what top_matches gives, for any member."""

from __future__ import annotations

import random

from mailing.matching import CandidateIndex, JobFacts, MemberProfile, top_matches

from tests.mailing.fixtures import member

SKILLS = ["Python", "python", "SQL", "Données", "dbt", "Kubernetes", "AWS", "Java", "Spring", "Scrum", "Statistiques appliquées"]
DEPARTMENTS = [("data", "Data & IA"), ("cloud", "Cloud & DevOps"), ("dev", "Développement logiciel")]
CITIES = ["Lyon", "Nantes", "Grenoble", "Saint-Étienne"]


def _jobs(rng: random.Random, count: int) -> list[JobFacts]:
    jobs = []
    for i in range(count):
        department, label = rng.choice(DEPARTMENTS)
        must = tuple(rng.sample(SKILLS, rng.randint(0, 3)))
        nice = tuple(rng.sample(SKILLS, rng.randint(0, 2)))  # may repeat a must-have on purpose
        jobs.append(JobFacts(
            reference=f"CC-{i:03d}", title=f"Poste {i}", department=department, department_label=label,
            cities=tuple(rng.sample(CITIES, rng.randint(1, 2))), remote=rng.choice(["on-site", "hybrid", "remote"]),
            must_have=must, nice_to_have=nice, date=f"2026-{rng.randint(9, 11):02d}-{rng.randint(1, 28):02d}",
        ))
    return jobs


def test_index_ranks_exactly_like_top_matches():
    rng = random.Random(7)
    jobs = _jobs(rng, 120)
    index = CandidateIndex(jobs)
    for _ in range(300):
        person = member(
            skills=[s.upper() if rng.random() < 0.3 else s for s in rng.sample(SKILLS, rng.randint(0, 4))],
            departments=rng.sample(["data", "cloud", "dev", "Données", "rh"], rng.randint(0, 2)),
            city=rng.choice(CITIES + ["", "Paris"]),
        )
        for n in (1, 3, 5):
            expected = top_matches(jobs, person, n)
            assert index.top(person, n) == expected
            assert index.top(MemberProfile.of(person), n) == expected  # a second time: from the memo


def test_index_of_no_candidates_and_zero_matches():
    assert CandidateIndex([]).top(member(skills=["python"], departments=["data"], city="Lyon"), 3) == []
    jobs = _jobs(random.Random(1), 10)
    assert CandidateIndex(jobs).top(member(skills=["python"], departments=[], city=""), 0) == []


def test_memo_returns_fresh_lists():
    jobs = _jobs(random.Random(2), 30)
    index = CandidateIndex(jobs)
    person = member(skills=["python", "sql"], departments=["data"], city="Lyon")
    first = index.top(person, 3)
    first.clear()
    assert index.top(person, 3) == top_matches(jobs, person, 3) != []
