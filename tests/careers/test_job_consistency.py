"""Translations say the same job; a `vivier new job` file left as written is not published."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import ROOT, settings_file


def vivier(content, tmp_path, *args):
    conf = settings_file(tmp_path, content)
    env = {**os.environ, "COLUMNS": "400"}
    return subprocess.run([sys.executable, "-m", "vivier", "--settings", str(conf), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=env)


def rows(result, name):
    return [line for line in result.stderr.splitlines() if line.startswith("│") and name in line.split("│")[1]]


def set_field(path, field, value):
    text = path.read_text(encoding="utf-8")
    text, n = re.subn(rf"^{field}: .*$", f"{field}: {value}", text, count=1, flags=re.M)
    assert n == 1, field
    path.write_text(text, encoding="utf-8")


def line_of(path, field):
    return next(n for n, t in enumerate(path.read_text(encoding="utf-8").split("\n"), 1) if t.startswith(field + ":"))


def test_an_english_version_with_other_pay_place_contract_or_dates_fails_naming_both_files(content_copy, tmp_path):
    english = content_copy / "jobs" / "en" / "ingenieur-data-nantes.md"
    set_field(english, "Salary_max", "65000")
    set_field(english, "Locations", "Lyon, 69002, FR")
    set_field(english, "Contract", "CDD")
    set_field(english, "Valid_through", "2027-03-31")
    result = vivier(content_copy, tmp_path, "check")
    assert result.returncode == 1
    found = rows(result, "jobs/en/ingenieur-data-nantes.md")
    assert len(found) == 4, found
    by_field = {row.split("│")[2].strip(): row for row in found}
    assert set(by_field) == {"salary_max", "locations", "contract", "valid_through"}
    pay = by_field["salary_max"]
    assert f"jobs/en/ingenieur-data-nantes.md:{line_of(english, 'Salary_max')}" in pay
    assert "Salary_max is '65000' here but '55000' in jobs/ingenieur-data-nantes.md (fr), the same job CC-2026-014" in pay
    assert "translations must agree on pay, places, contract and dates" in pay and "Salary_max: 55000" in pay
    assert "'Lyon, 69002, " in by_field["locations"] and "here but 'Nantes, 44000, Pays de la Loire, FR'" in by_field["locations"]
    assert "Contract is 'CDD' here but 'CDI'" in by_field["contract"]
    assert rows(result, "jobs/ingenieur-data-nantes.md") == []  # the original is not blamed


def test_wording_may_differ_between_translations(content_copy, tmp_path):
    english = content_copy / "jobs" / "en" / "ingenieur-data-nantes.md"
    set_field(english, "Summary", "Build data pipelines for our Nantes clients, in a team of eight.")
    set_field(english, "Hiring_manager", "Claire Vasseur, head of the Nantes data team")
    result = vivier(content_copy, tmp_path, "check")
    assert result.returncode == 0, result.stderr


def test_an_unedited_new_job_fails_the_check_field_by_field(content_copy, tmp_path):
    created = vivier(content_copy, tmp_path, "new", "job", "Ingénieur·e qualité (H/F)")
    assert created.returncode == 0, created.stderr
    path = content_copy / "jobs" / "ingenieur-qualite.md"
    assert created.stdout.strip() == str(path)
    guide = path.read_text(encoding="utf-8").split("Field guide", 1)[1]
    # A command in it can be pasted as written: no option turned into an em-dash ("—by") by the comment's rules.
    assert "vivier job sign-off FILE" in guide and not re.search(r"—[a-z]", guide)
    result = vivier(content_copy, tmp_path, "check")
    assert result.returncode == 1
    found = {row.split("│")[2].strip(): row for row in rows(result, "jobs/ingenieur-qualite.md")}
    assert set(found) == {"hiring_manager", "apply_url", "interview_steps", "summary", "body"}, found
    assert f"ingenieur-qualite.md:{line_of(path, 'Summary')}" in found["summary"]
    assert "still holds the example 'Une phrase qui donne envie de postuler.' that `vivier new job` wrote" in found["summary"]
    assert "carries the reference 'CC-2026-014' of the example `vivier new job` wrote" in found["apply_url"]
    reference = re.search(r"^Reference: (.*)$", path.read_text(encoding="utf-8"), re.M).group(1)
    assert f"candidature/{reference}" in found["apply_url"]  # what to write: this job's own reference
    body = [r for r in rows(result, "jobs/ingenieur-qualite.md") if "│ body" in r]
    assert len(body) == 3 and "'Ce que la personne fera, avec qui, pour quels clients.' under '## Votre mission'" in body[0]


def test_an_apply_link_with_another_jobs_reference_fails(content_copy, tmp_path):
    job = content_copy / "jobs" / "data-scientist-lyon.md"
    text = job.read_text(encoding="utf-8")
    job.write_text(text.replace("Apply_email:", "Apply_url: https://recrutement.cardamome.example/candidature/CC-2026-009\nApply_email:", 1),
                   encoding="utf-8")
    result = vivier(content_copy, tmp_path, "check")
    found = rows(result, "jobs/data-scientist-lyon.md")
    assert len(found) == 1 and "apply_url" in found[0]
    assert "carries the reference 'CC-2026-009' of another job" in found[0]


def test_the_docs_list_every_rule_and_setting_an_editor_can_hit():
    from careers.job_settings import DEFAULTS as JOBS
    from careers.settings import DEFAULTS as CAREERS

    jobs = (ROOT / "docs" / "jobs.md").read_text(encoding="utf-8")
    publishing = (ROOT / "docs" / "publishing.md").read_text(encoding="utf-8")
    for name in JOBS:
        assert f"`{name}`" in jobs, name
    for name in ("CAREERS_CONTENT_SECURITY_POLICY", "CAREERS_MAX_PAGE_KB", "CAREERS_MAX_FEED_KB"):
        assert name in CAREERS and f"`{name}`" in publishing, name
    for start in ("header: 'Remote hybrid' is not 'Field: value'", "header: a blank line inside the header",
                  "encoding: is not UTF-8", "image: image without a text alternative",
                  "file: is outside the folders the build reads", "title: contains HTML markup",
                  "is written like a YAML list", "salary_max: the range … is too wide",
                  "the same job …", "summary: still holds the example", "apply_url: carries the reference",
                  "masculine word for the person hired"):
        assert start in jobs, start
    assert "`output/` keeps the last good build" in publishing
    assert "leaves `output/` empty" not in publishing
    assert "the site's pages were updated; no email was planned" in publishing
