"""The hiring manager's sign-off of the must-haves, and must-haves written so they can be matched."""

from __future__ import annotations

import re
import subprocess
import sys

from careers.job_signoff import must_have_digest, parse_sign_off, read_header
from tests.careers.test_job_rules import check, line_of, make_conf, write_job
from tests.conftest import ROOT, copy_content

JOB = "jobs/ingenieur-data-nantes.md"


def vivier(*args):
    return subprocess.run([sys.executable, "-m", "vivier", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_every_sample_job_carries_a_sign_off_of_its_current_must_haves():
    from careers.job_fields import skills

    for path in sorted((ROOT / "content" / "jobs").rglob("*.md")):
        header = read_header(path)
        signed = parse_sign_off(header["signed_off"][0])
        assert signed.digest == must_have_digest(skills(header["must_have"][0])), path
        assert 1 <= len(skills(header["must_have"][0])) <= 5, path


def test_a_must_have_edited_after_sign_off_fails_the_check_naming_file_and_line(tmp_path):
    content = copy_content(tmp_path)
    conf = make_conf(tmp_path, content)
    path = content / JOB
    assert check(conf)[0] == []
    path.write_text(path.read_text().replace("Must_have: Python, SQL, modélisation de données, Git",
                                             "Must_have: Python, SQL, modélisation de données, dbt"))
    result = vivier("--settings", str(conf), "check")
    assert result.returncode == 1
    errors = check(conf)[0]
    line = line_of(path, "Must_have:")
    expected = (f"{JOB}:{line}: must_have: the must-haves changed after Claire Vasseur (responsable de l'équipe data de Nantes) "
                f"signed them off on 2026-10-30; ask them to agree to the new list, then run `vivier job sign-off {path} "
                "--by 'Claire Vasseur' --as 'responsable de l'\\''équipe data de Nantes'`")
    assert any(e.startswith(expected) for e in errors), errors
    assert len(errors) == 1, errors

    signed = vivier("--settings", str(conf), "job", "sign-off", str(path), "--by", "Claire Vasseur", "--as", "responsable data Nantes")  # a new role
    assert signed.returncode == 0, signed.stderr
    assert "Signed_off: Claire Vasseur, responsable data Nantes, 2026-11-22, sha256:" in path.read_text()
    assert path.read_text().count("Signed_off:") == 1
    assert check(conf)[0] == []


def test_case_spacing_and_order_are_not_changes(tmp_path):
    content = copy_content(tmp_path)
    path = content / JOB
    path.write_text(path.read_text().replace("Must_have: Python, SQL, modélisation de données, Git",
                                             "Must_have: git,  SQL, Modelisation de donnees, python"))
    assert check(make_conf(tmp_path, content))[0] == []


def test_missing_sign_off_is_a_warning_unless_required(tmp_path):
    content = tmp_path / "content"
    write_job(content, "sans-accord", Signed_off=None)
    errors, warnings = check(make_conf(tmp_path, content))
    assert errors == []
    assert any(w.startswith("jobs/sans-accord.md:") and "signed_off: no sign-off of the must-haves" in w for w in warnings)
    errors, _ = check(make_conf(tmp_path, content), JOBS_REQUIRE_SIGN_OFF=True)
    assert any("signed_off: no sign-off" in e and "vivier job sign-off" in e for e in errors), errors


def test_sign_off_field_errors(tmp_path):
    content = tmp_path / "content"
    bad = write_job(content, "mal-signe", Signed_off="Claire Vasseur, 2026-11-20")
    future = write_job(content, "futur", Signed_off="Claire Vasseur, manager, 2027-01-01, sha256:" + must_have_digest(["Python", "SQL"]))
    errors, _ = check(make_conf(tmp_path, content))
    assert any(e.startswith(f"jobs/mal-signe.md:{line_of(bad, 'Signed_off')}: signed_off: 'Claire Vasseur, 2026-11-20' is not "
                            "'Name, role, YYYY-MM-DD, sha256:…'") for e in errors), errors
    assert not any("mal-signe.md" in e and "no sign-off" in e for e in errors)
    assert any(e.startswith(f"jobs/futur.md:{line_of(future, 'Signed_off')}: signed_off: is dated 2027-01-01, after today")
               for e in errors), errors


def test_must_haves_are_few_short_skills_of_the_vocabulary(tmp_path):
    content = tmp_path / "content"
    many = write_job(content, "trop", Must_have="Python, SQL, dbt, Spark, Airflow, Snowflake")
    sentence = write_job(content, "phrase", Must_have="Python, un outil de visualisation (Power BI ou Tableau)")
    unknown = write_job(content, "inconnu", Must_have="Python, Pyhton, cuisine moléculaire")
    errors, _ = check(make_conf(tmp_path, content))
    assert (f"jobs/trop.md:{line_of(many, 'Must_have')}: must_have: lists 6 must-haves; keep at most 5 (JOBS_MUST_HAVE_MAX) "
            "and move the others to Nice_to_have (for example: Must_have: Python, SQL, dbt)") in errors
    assert any(e.startswith(f"jobs/phrase.md:{line_of(sentence, 'Must_have')}: must_have: 'un outil de visualisation "
                            "(Power BI ou Tableau)' is not one skill") for e in errors), errors
    line = line_of(unknown, "Must_have")
    assert any(e.startswith(f"jobs/inconnu.md:{line}: must_have: 'Pyhton' is not in the pool's skill vocabulary") and
               "did you mean 'python'?" in e for e in errors), errors
    assert any("'cuisine moléculaire' is not in the pool's skill vocabulary" in e for e in errors)
    errors, _ = check(make_conf(tmp_path, content), JOBS_MUST_HAVE_MAX=6)
    assert not any("trop.md" in e and "must-haves; keep at most" in e for e in errors)


def test_nothing_of_the_sign_off_is_published(site):
    digests = [parse_sign_off(read_header(p)["signed_off"][0]).digest for p in (ROOT / "content" / "jobs").rglob("*.md")]
    assert digests
    leaks = []
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".atom", ".rss", ".ics", ".txt", ".js"):
            text = path.read_text(encoding="utf-8", errors="replace")
            # The editor at /admin/ names the field so that editors can keep it; no value of it is published.
            named = re.search(r"signed.?off|sha256:", text, re.I) and not path.relative_to(site).parts[0] == "admin"
            if named or re.search(r"sha256:[0-9a-f]{8}", text) or any(d[:16] in text for d in digests):
                leaks.append(str(path.relative_to(site)))
    assert leaks == []
