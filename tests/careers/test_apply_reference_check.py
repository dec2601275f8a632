"""The apply-link check splits each link once: it finds what trying every reference in every link finds."""

from __future__ import annotations

import random
from types import SimpleNamespace

from careers.job_template import _has_reference, check_apply_references


class Report:
    def __init__(self):
        self.errors = []

    def error(self, path, field, message, fix, line):
        self.errors.append((path, field, message, fix))


def straightforward(jobs, example=""):
    """Every reference tried in every link (what the check did before it split links)."""
    references = {j.reference for j in jobs if j.reference} | ({example} if example else set())
    return {j.source_path: {r for r in references if r != j.reference and _has_reference(j.apply_url or "", r)}
            for j in jobs}


def job(n, reference, url):
    return SimpleNamespace(source_path=f"/nowhere/jobs/job-{n}.md", reference=reference, apply_url=url)


def test_the_split_check_blames_exactly_the_links_the_straightforward_check_blames():
    rng = random.Random(21)
    references = [f"CC-2026-{i:03d}" for i in range(60)] + ["REF.7/B", "x_1", "Été-9", "CC-2026"]
    shapes = ["https://jobs.example/apply/{r}", "https://jobs.example/apply?ref={r}&src=site", "https://x.example/{r}-bis",
              "https://x.example/a{r}", "mailto:rh@example.org?subject={r}", "https://x.example/{r}.html", "", None,
              "https://x.example/{r}/{s}", "https://x.example/p/{r}_2"]
    jobs = []
    for n in range(400):
        own = rng.choice(references + [None])
        shape = rng.choice(shapes)
        url = shape and shape.format(r=rng.choice(references), s=rng.choice(references))
        jobs.append(job(n, own, url))
    expected = straightforward(jobs, example="CC-2026-014")
    report = Report()
    check_apply_references(jobs, report, "CC-2026-014")
    blamed = {}
    for path, field, message, _ in report.errors:
        assert field == "apply_url"
        blamed.setdefault(path, []).append(message.split("'")[1])
    assert {path: len(found) for path, found in blamed.items()} == {path: 1 for path in blamed}  # one error per job
    assert set(blamed) == {path for path, found in expected.items() if found}
    for path, (reference,) in blamed.items():
        assert reference in expected[path]
    assert len(blamed) > 50  # the random links do name other jobs' references, some of them in odd shapes


def test_a_reference_inside_a_longer_word_is_not_blamed():
    jobs = [job(1, "CC-1", "https://x.example/CC-1"), job(2, "CC-2", "https://x.example/CC-10?from=CC-1x")]
    report = Report()
    check_apply_references(jobs, report)
    assert report.errors == []
    jobs.append(job(3, "CC-3", "https://x.example/apply/CC-1?src=CC-2"))
    check_apply_references(jobs, report)
    assert [(p, m.split("'")[1]) for p, _, m, _ in report.errors] == [("/nowhere/jobs/job-3.md", "CC-1")]
