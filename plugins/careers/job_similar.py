"""Similar jobs for every job page, without comparing every pair of jobs.

The score of another open job in the same language is 2 for the same
department, plus one per shared must-have skill (case-insensitive), plus one
per shared place; the closest come first, then the newest. Open jobs are
indexed once by department, skill and place as bit sets (one Python integer
each, bit i for the job at position i); a job's scores against every other
are added up as a binary counter whose digits are bit sets, a few big-integer
operations (in C) per shared posting instead of scoring all n jobs one by one.

`similar_lists` keeps the answer for every job in Pelican's cache folder with
a digest of everything it reads (each job's file, language, reference,
department, date, skills and places, which jobs are open and in what order,
the limit, the plugins' code): a rebuild after an edit to an ad's text
reuses it instead of indexing and ranking 5,000 jobs again.
"""

from __future__ import annotations

import hashlib
import json
import os

from .output import replace_if_changed


def skills_of(job) -> set[str]:
    return {s.casefold() for s in job.must_have}


def places_of(job) -> set[str]:
    return {p.key for p in job.locations}


class _Language:
    """The open jobs of one language, in listing order (newest first), as bit sets.

    Bit `i` of each set stands for the job at position `i`: one integer per
    department, skill, place and reference holds the jobs that have it.
    """

    def __init__(self, jobs: list):
        self.jobs = jobs
        self.everyone = (1 << len(jobs)) - 1
        self.by_department: dict[str, int] = {}
        self.by_skill: dict[str, int] = {}
        self.by_place: dict[str, int] = {}
        self.by_reference: dict[str, int] = {}
        for position, job in enumerate(jobs):
            bit = 1 << position
            self.by_department[job.department] = self.by_department.get(job.department, 0) | bit
            self.by_reference[job.reference] = self.by_reference.get(job.reference, 0) | bit
            for skill in skills_of(job):
                self.by_skill[skill] = self.by_skill.get(skill, 0) | bit
            for place in places_of(job):
                self.by_place[place] = self.by_place.get(place, 0) | bit


def _add(digits: list[int], jobs: int, weight_bit: int) -> None:
    """Add 2**weight_bit to the score of every job in `jobs`; scores are kept as binary digits, one bit set per digit."""
    while len(digits) < weight_bit:
        digits.append(0)
    carry, i = jobs, weight_bit
    while carry:
        if i == len(digits):
            digits.append(carry)
            return
        digit = digits[i]
        digits[i] = digit ^ carry
        carry &= digit
        i += 1


def _lowest(jobs: int, count: int, out: list[int]) -> None:
    """Append the positions of the `count` lowest bits of `jobs` (the newest jobs) to `out`."""
    while jobs and count > 0:
        low = jobs & -jobs
        out.append(low.bit_length() - 1)
        jobs ^= low
        count -= 1


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
        # Every score at once: each shared posting is added to a binary counter whose
        # digits are bit sets (the same department weighs 2: added at the second digit).
        digits: list[int] = []
        _add(digits, index.by_department.get(job.department, 0), 1)
        for skill in skills_of(job):
            _add(digits, index.by_skill.get(skill, 0), 0)
        for place in places_of(job):
            _add(digits, index.by_place.get(place, 0), 0)
        others = index.everyone & ~index.by_reference.get(job.reference, 0)
        digits = [digit & others for digit in digits]
        chosen: list[int] = []
        # The closest first (highest score), then the newest (lowest position) within a score.
        for score in range((1 << len(digits)) - 1, 0, -1):
            jobs = others
            for i, digit in enumerate(digits):
                jobs &= digit if score >> i & 1 else ~digit
            _lowest(jobs, limit - len(chosen), chosen)
            if len(chosen) >= limit:
                break
        if len(chosen) < limit:  # not enough in common: the newest others, as the full ranking would give
            shared = 0
            for digit in digits:
                shared |= digit
            _lowest(others & ~shared, limit - len(chosen), chosen)
        return [index.jobs[position] for position in chosen]


FORMAT = "vivier-similar-1"


def similar_lists(jobs: list, open_jobs: list, limit: int, store: str | None = None) -> list[list]:
    """`SimilarJobs(open_jobs).similar(job, limit)` for each of `jobs`; with `store` (a file), the last
    build's answer when nothing the ranking reads has changed since."""
    key = _inputs_digest(jobs, open_jobs, limit) if store else None
    if key is not None:
        kept = _load(store)
        if kept is not None and kept.get("key") == key and len(kept.get("similar", ())) == len(jobs):
            by_path = {job.source_path: job for job in open_jobs}
            try:
                return [[by_path[path] for path in paths] for paths in kept["similar"]]
            except (KeyError, TypeError):  # cannot happen with an equal key; stay exact anyway
                pass
    index = SimilarJobs(open_jobs)
    result = [index.similar(job, limit) for job in jobs]
    if key is not None:
        _save(store, {"format": FORMAT, "key": key, "similar": [[job.source_path for job in found] for found in result]})
    return result


def _inputs_digest(jobs: list, open_jobs: list, limit: int) -> str | None:
    """What the ranking reads of every job (its skills and places as written: `skills_of` and `places_of`
    derive the rest), then the open jobs by file in their order, the limit and the plugins' code."""
    from .page_cache import code_digest

    try:
        described = [(job.source_path, job.lang, job.reference, job.department,
                      job.date.timestamp() if job.date is not None else None,
                      list(job.must_have), [place.key for place in job.locations]) for job in jobs]
        paths = [job.source_path for job in open_jobs]
    except AttributeError:  # a job without a file or a field (a broken ad): ranked afresh
        return None
    if not all(path for path, *_ in described):
        return None
    digest = hashlib.sha256(code_digest())
    digest.update(repr((FORMAT, limit, described, paths)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _load(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def _save(path: str, data: dict) -> None:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        replace_if_changed(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))
    except OSError:  # only costs ranking again next time
        pass
