"""The job-ad rule check: each rule fails crafted content with its exact message."""

from __future__ import annotations

from pathlib import Path

import pytest

from careers.job_signoff import must_have_digest
from tests.conftest import run_pelican, settings_file

HEADER = {
    "Title": "Ingénieur·e data (H/F)",
    "Slug": "{slug}",
    "Reference": "{reference}",
    "Lang": "fr",
    "Department": "data",
    "Locations": "Lyon, 69002, FR",
    "Remote": "hybrid",
    "Contract": "CDI",
    "Salary_min": "45000",
    "Salary_max": "55000",
    "Salary_period": "year",
    "Experience": "confirmed",
    "Must_have": "Python, SQL",
    "Hiring_manager": "Claire Vasseur",
    # The hiring manager agreed to "Python, SQL" (an ad with other must-haves is reported for it too).
    "Signed_off": "Claire Vasseur, responsable data, 2026-10-30, sha256:" + must_have_digest(["Python", "SQL"]),
    "Apply_email": "recrutement@cardamome.example",
    "Date": "2026-11-02 09:00",
    "Valid_through": "2027-01-31",
}
BODY = "## Votre mission\n\nConstruire des chaînes de données avec plus de 10 ans d'expérience cumulée dans l'équipe.\n"


def write_job(folder: Path, name: str, body: str = BODY, **fields) -> Path:
    """A job file: the valid header above, with fields replaced (None removes one)."""
    slug = name.rsplit("/", 1)[-1]
    header = dict(HEADER)
    for key, value in fields.items():
        header[key] = value
    lines = [f"{k}: {v.format(slug=slug, reference='CC-T-' + slug.upper())}" for k, v in header.items() if v is not None]
    path = folder / "jobs" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n\n" + body, encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), start=1) if text in line)


def make_conf(tmp_path: Path, content: Path) -> Path:
    return settings_file(tmp_path, content, tmp_path / "never")


def check(conf: Path, **overrides):
    """Run the same content check as `vivier check`; (errors, warnings) as formatted lines."""
    from careers.report import ContentError, get_report
    from vivier.build import check_content
    from vivier.config import load_settings

    settings = load_settings(conf, **overrides)
    errors = []
    try:
        check_content(settings)
    except ContentError as exc:
        errors = [p.format(settings["PATH"]) for p in exc.problems]
    warnings = [p.format(settings["PATH"]) for p in get_report(settings).warnings]
    return errors, warnings


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """One content folder holding one broken ad per rule, and a valid one."""
    base = tmp_path_factory.mktemp("rules")
    content = base / "content"
    files = {
        "valid": write_job(content, "valide", body=BODY + "\n<!-- Ne pas écrire « jeune » ni « 25-35 ans ». -->\n\nProfil : 10-15 ans d'expérience.\n"),
        "no_salary": write_job(content, "sans-salaire", Salary_min=None, Salary_max=None),
        "inverted": write_job(content, "salaire-inverse", Salary_min="60000", Salary_max="50000"),
        "undated": write_job(content, "sans-date", Date=None, Valid_through=None),
        "no_country": write_job(content, "sans-pays", Locations="Lyon"),
        "english_only": write_job(content, "en/english-only", Title="Data engineer", Lang="en", Reference="CC-TEST-EN"),
        "jeune": write_job(content, "jeune", body=BODY + "\nVous êtes jeune et motivé·e.\n"),
        "age": write_job(content, "age", body=BODY + "\nProfil recherché : 25-35 ans.\n"),
        "origin": write_job(content, "origine", Must_have="Python, anglais langue maternelle"),
        "title": write_job(content, "titre-genre", Title="Développeur Python"),
        "title_en": write_job(content, "en/salesman", Title="Salesman", Lang="en", Reference="CC-T-SALES"),
        "title_en_fr": write_job(content, "commercial", Title="Commercial·e (H/F)", Reference="CC-T-SALES"),
        "warning": write_job(content, "candidat", body=BODY + "\nLe candidat idéal aime transmettre.\n"),
        "natif": write_job(content, "natif", body=BODY + "\nVous êtes un digital native.\n"),
        "no_city": write_job(content, "sans-ville", Locations="FR"),
        "no_apply": write_job(content, "sans-candidature", Apply_email=None),
        "expired_before": write_job(content, "dates-inversees", Valid_through="2026-10-01"),
        "duplicate_a": write_job(content, "doublon-a", Reference="CC-T-DOUBLE"),
        "duplicate_b": write_job(content, "doublon-b", Reference="CC-T-DOUBLE"),
    }
    conf = make_conf(base, content)
    errors, warnings = check(conf)
    return {"content": content, "files": files, "errors": errors, "warnings": warnings, "conf": conf, "base": base}


def expect(broken, message):
    assert message in broken["errors"], "\n".join(broken["errors"])


def test_missing_pay_range(broken):
    expect(broken, "jobs/sans-salaire.md: salary: no pay range (Salary_min and Salary_max missing); the EU Pay Transparency "
                   "Directive 2023/970 requires one in every ad (for example: Salary_min: 42000, Salary_max: 50000, Salary_period: year)")


def test_inverted_pay_range(broken):
    line = line_of(broken["files"]["inverted"], "Salary_min:")
    expect(broken, f"jobs/salaire-inverse.md:{line}: salary_min: 60000 is above Salary_max (50000); write the lowest pay first (for example: Salary_min: 42000)")


def test_undated_ad(broken):
    expect(broken, "jobs/sans-date.md: date: the ad is undated; add the day it is published (for example: Date: 2026-11-02 09:00)")


def test_missing_country(broken):
    line = line_of(broken["files"]["no_country"], "Locations:")
    expect(broken, f"jobs/sans-pays.md:{line}: locations: 'Lyon' has no country; add its two-letter ISO code (for example: Lyon, FR)")


def test_job_in_france_needs_a_french_version(broken):
    line = line_of(broken["files"]["english_only"], "Lang:")
    expect(broken, f"jobs/en/english-only.md:{line}: lang: job CC-TEST-EN is located in France but has no French version; "
                   "add a file with Lang: fr and Reference: CC-TEST-EN (for example: Lang: fr)")
    # The English version of a job that has its French one is fine on that count.
    assert not any("salesman.md" in e and "French version" in e for e in broken["errors"])


def test_discriminatory_wording_jeune(broken):
    line = line_of(broken["files"]["jeune"], "jeune et")
    expect(broken, f"jobs/jeune.md:{line}: wording: discriminatory wording 'jeune' (age criterion « jeune »); remove it "
                   "(for example: « débutant·e accepté·e » or « diplômé·e récemment »)")


def test_discriminatory_wording_age_range(broken):
    line = line_of(broken["files"]["age"], "25-35 ans")
    expect(broken, f"jobs/age.md:{line}: wording: discriminatory wording '25-35 ans' (age criterion); remove it "
                   "(for example: the experience needed, e.g. « 3 ans d'expérience en data »)")


def test_discriminatory_wording_in_header_fields(broken):
    line = line_of(broken["files"]["origin"], "Must_have:")
    expect(broken, f"jobs/origine.md:{line}: wording: discriminatory wording 'langue maternelle' (origin or nationality criterion); "
                   "remove it (for example: the level needed, e.g. « anglais courant (C1) »)")


def test_gendered_titles(broken):
    expect(broken, "jobs/titre-genre.md:1: title: gendered title 'Développeur' without a neutral form; write both forms "
                   "or add (H/F) (for example: Développeur·se Python (H/F))")
    expect(broken, "jobs/en/salesman.md:1: title: gendered title 'Salesman' without a neutral form; use a gender-neutral word "
                   "(for example: Salesperson)")


def test_warnings_are_listed_not_fatal(broken):
    line = line_of(broken["files"]["warning"], "candidat idéal")
    assert (f"jobs/candidat.md:{line}: wording: discriminatory wording 'Le candidat idéal' (masculine word for the person "
            "hired); remove it (for example: « la personne que nous cherchons », « vous rejoindrez »)") in broken["warnings"]
    assert not any("candidat.md" in e for e in broken["errors"])


def test_digital_native_is_an_error(broken):
    line = line_of(broken["files"]["natif"], "digital native")
    expect(broken, f"jobs/natif.md:{line}: wording: discriminatory wording 'digital native' (indirect age criterion); remove it "
                   "(for example: the skill you need, e.g. « à l'aise avec les outils collaboratifs »)")


def test_valid_ad_has_no_problem_and_every_other_file_is_reported(broken):
    assert not any("valide.md" in line for line in broken["errors"] + broken["warnings"])
    reported = {line.split(":")[0] for line in broken["errors"]}
    assert reported == {
        "jobs/sans-salaire.md", "jobs/salaire-inverse.md", "jobs/sans-date.md", "jobs/sans-pays.md",
        "jobs/en/english-only.md", "jobs/jeune.md", "jobs/age.md", "jobs/origine.md", "jobs/titre-genre.md",
        "jobs/en/salesman.md", "jobs/sans-ville.md", "jobs/sans-candidature.md", "jobs/dates-inversees.md",
        "jobs/doublon-b.md", "jobs/natif.md",
    }


def test_city_needed_unless_fully_remote(broken):
    line = line_of(broken["files"]["no_city"], "Locations:")
    expect(broken, f"jobs/sans-ville.md:{line}: locations: 'FR' has no city; only fully remote jobs may give a country alone (for example: Lyon, FR)")


def test_no_way_to_apply(broken):
    expect(broken, "jobs/sans-candidature.md: apply_url: says nowhere how to apply; add Apply_url or Apply_email (for example: Apply_email: recrutement@cardamome.example)")


def test_valid_through_before_date(broken):
    line = line_of(broken["files"]["expired_before"], "Valid_through:")
    expect(broken, f"jobs/dates-inversees.md:{line}: valid_through: 2026-10-01 is before the date posted (2026-11-02) (for example: Valid_through: 2027-01-31)")


def test_one_reference_per_job_and_language(broken):
    line = line_of(broken["files"]["duplicate_b"], "Reference:")
    expect(broken, f"jobs/doublon-b.md:{line}: reference: 'CC-T-DOUBLE' is also used by doublon-a.md in the same language; each reference names one job (for example: Reference: CC-2026-015)")


def test_pay_range_rule_can_be_switched_to_a_warning(tmp_path):
    content = tmp_path / "content"
    write_job(content, "sans-salaire", Salary_min=None, Salary_max=None)
    errors, warnings = check(make_conf(tmp_path, content), JOBS_REQUIRE_SALARY=False)
    assert errors == []
    assert any(w.startswith("jobs/sans-salaire.md: salary: no pay range") for w in warnings)


def test_broken_ads_fail_the_real_build_and_nothing_is_written(broken, tmp_path):
    output = tmp_path / "out"
    result = run_pelican(broken["content"], output)
    assert result.returncode != 0
    assert "content problems must be fixed" in result.stdout + result.stderr
    assert not (output / "index.html").exists() and not (output / "emplois").exists()
