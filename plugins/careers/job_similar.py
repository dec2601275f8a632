"""Similar jobs for every job page, without comparing every pair of jobs.

The score of another open job in the same language is 2 for the same
department, plus one per shared must-have skill (case-insensitive), plus one
per shared place; the closest come first, then the newest. Open jobs are
indexed once by department, skill and place, so each job only counts the
postings it shares (in C, with a Counter) instead of scoring all n jobs:
the site build stays near-linear at thousands of ads.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain


def skills_of(job) -> set[str]:
    return {s.casefold() for s in job.must_have}


def places_of(job) -> set[str]:
    return {p.key for p in job.locations}


class _Language:
    """The open jobs of one language, in listing order (newest first), with their postings."""

    def __init__(self, jobs: list):
        self.jobs = jobs
        self.by_department: dict[str, list[int]] = {}
        self.by_skill: dict[str, list[int]] = {}
        self.by_place: dict[str, list[int]] = {}
        self.by_reference: dict[str, list[int]] = {}
        for position, job in enumerate(jobs):
            self.by_department.setdefault(job.department, []).append(position)
            self.by_reference.setdefault(job.reference, []).append(position)
            for skill in skills_of(job):
                self.by_skill.setdefault(skill, []).append(position)
            for place in places_of(job):
                self.by_place.setdefault(place, []).append(position)


class SimilarJobs:
    """`similar(job, limit)`: the open jobs closest to `job`, as ranked by department, skills and places."""

    def __init__(self, open_jobs: list):
        # Listing order is newest first (date, then reference, descending): position breaks score ties.
        ordered = sorted(open_jobs, key=lambda j: -j.date.timestamp())
        languages: dict[str, list] = {}
        for job in ordered:
            languages.setdefault(job.lang, []).append(job)
        self.languages = {lang: _Language(jobs) for lang, jobs in languages.items()}

    def similar(self, job, limit: int) -> list:
        index = self.languages.get(job.lang)
        if index is None or limit <= 0:
            return []
        department = index.by_department.get(job.department, [])
        counts = Counter(chain(
            chain.from_iterable(index.by_skill.get(s, ()) for s in skills_of(job)),
            chain.from_iterable(index.by_place.get(p, ()) for p in places_of(job)),
            department, department,  # the same department weighs 2
        ))
        for position in index.by_reference.get(job.reference, ()):
            counts.pop(position, None)
        chosen: list[int] = []
        if counts:
            scores = sorted(counts.values(), reverse=True)
            threshold = scores[min(limit, len(scores)) - 1]
            best = [(-score, position) for position, score in counts.items() if score >= threshold]
            chosen = [position for _, position in sorted(best)[:limit]]
        if len(chosen) < limit:  # not enough in common: the newest others, as the full ranking would give
            taken = set(chosen) | set(index.by_reference.get(job.reference, ()))
            for position in range(len(index.jobs)):
                if len(chosen) >= limit:
                    break
                if position not in taken and position not in counts:
                    chosen.append(position)
        return [index.jobs[position] for position in chosen]
