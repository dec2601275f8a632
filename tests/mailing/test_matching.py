"""Job matching: weights, accents and case, departments, location, the 'nothing relevant' rule."""

from __future__ import annotations

from mailing.matching import JobFacts, MemberProfile, norm, reason, score, top_matches

from tests.mailing.fixtures import JOBS, member

FACTS = [JobFacts.from_job(j) for j in JOBS]
STRINGS = {"reason_skills": "matches {skills}", "reason_department": "your field", "reason_city": "{city}", "reason_remote": "remote"}


def test_must_have_weighs_more_than_nice_to_have():
    must = JobFacts("A", "A", must_have=("Python",))
    nice = JobFacts("B", "B", nice_to_have=("Python",))
    profile = MemberProfile.of(member(skills=["python"], departments=[], city=""))
    assert score(must, profile).score == 3
    assert score(nice, profile).score == 1
    assert [m.reference for m in top_matches([nice, must], profile, 2)] == ["A", "B"]


def test_comparison_ignores_case_and_accents():
    assert norm("  Données ") == "donnees"
    job = JobFacts("A", "A", must_have=("Statistiques appliquées",), department="Données")
    profile = MemberProfile.of(member(skills=["STATISTIQUES APPLIQUEES"], departments=["donnees"], city=""))
    result = score(job, profile)
    assert result.must == ("Statistiques appliquées",) and result.department
    assert result.score == 3 + 2


def test_scores_skills_department_and_city_together():
    camille = member(skills=["Python", "SQL"], departments=["data"], city="Lyon")
    ranked = top_matches(FACTS, camille, 3)
    # CC-2 (Lyon): Python must 3 + data 2 + Lyon 1 = 6; CC-1 (Nantes): Python, SQL must 6 + data 2 = 8.
    assert [(m.reference, m.score) for m in ranked] == [("CC-1", 8), ("CC-2", 6), ("CC-3", 2)]
    assert ranked[2].nice == ("Python",) and ranked[2].location == "remote"
    assert reason(ranked[0], STRINGS) == "matches Python, SQL"
    assert reason(ranked[1], STRINGS) == "matches Python · Lyon"
    assert reason(ranked[2], STRINGS) == "matches Python · remote"


def test_city_alone_is_not_relevant_and_ties_go_to_the_newest():
    lyon_only = member(skills=["cobol"], departments=[], city="Lyon")
    assert top_matches(FACTS, lyon_only, 3) == []  # "nothing relevant"
    same = [JobFacts("OLD", "x", must_have=("Go",), date="2026-01-01"), JobFacts("NEW", "y", must_have=("Go",), date="2026-03-01")]
    assert [m.reference for m in top_matches(same, member(skills=["go"], departments=[], city=""), 2)] == ["NEW", "OLD"]


def test_top_n_is_limited_and_zero_switches_matching_off():
    camille = member(skills=["python", "sql", "kubernetes", "sourcing"], departments=[], city="")
    assert len(top_matches(FACTS, camille, 2)) == 2
    assert top_matches(FACTS, camille, 0) == []


def test_job_facts_survive_json():
    facts = FACTS[0]
    assert JobFacts.from_dict(facts.to_dict()) == facts


def test_score_with_the_jobs_terms_normalised_once_equals_the_plain_score():
    """`score` normalises a job's terms once (`matching._terms`, by the job object); `score_plainly` on
    every call: the same `Match` for varied jobs and profiles (accents, case, spaces, a skill both must-
    have and nice-to-have, empty terms, several cities, remote jobs), the same job scored again, and a
    job equal to another but a different object."""
    import random

    from mailing import matching

    rng = random.Random(4)
    words = ["Python", "python ", "Données", "donnees", "SQL", "Power BI", "power_bi", "", "Lyon", "lyon", "Nantes",
             "Saint-Étienne", "saint-etienne", "data", "Data", "cloud"]
    jobs = []
    for i in range(300):
        must = tuple(rng.sample(words, rng.randint(0, 4)))
        nice = tuple(rng.sample(words, rng.randint(0, 3))) + (must[:1] if i % 5 == 0 else ())
        jobs.append(JobFacts(f"J-{i}", f"Job {i}", department=rng.choice(words), department_label=rng.choice(words),
                             cities=tuple(rng.sample(words, rng.randint(0, 3))), remote=rng.choice(["remote", "on-site"]),
                             must_have=must, nice_to_have=nice, date=f"2026-11-{rng.randint(1, 28):02d}"))
    jobs.append(JobFacts(**{**jobs[0].__dict__}))  # equal to the first, another object
    for _ in range(400):
        profile = MemberProfile(skills={norm(w) for w in rng.sample(words, rng.randint(0, 5)) if norm(w)},
                                departments={norm(w) for w in rng.sample(words, rng.randint(0, 2)) if norm(w)},
                                city=norm(rng.choice(words)))
        for job in rng.sample(jobs, 20) + [jobs[0], jobs[-1]]:
            assert score(job, profile) == matching.score_plainly(job, profile)
    assert matching._TERMS[id(jobs[0])][0] is jobs[0]
