"""The lawful-ad vocabulary: phrases that must fail, phrases that must pass (FR and EN), and the pay range."""

from __future__ import annotations

import re

import pytest

from careers.job_rules import DEFAULT_RULES, check_wording, load_rules
from careers.report import ContentReport

from tests.conftest import ROOT, run_pelican

MUST_FAIL = [
    ("fr", "Pas de handicap."),
    ("fr", "Candidat sans handicap."),
    ("fr", "Vous êtes un homme de terrain."),
    ("fr", "Une femme de confiance pour l'accueil."),
    ("fr", "Un profil digital native."),
    ("fr", "Vous êtes de la génération Z."),
    ("fr", "Vous êtes jeune et dynamique."),
    ("fr", "Français sans accent."),
    ("fr", "En parfaite santé."),
    ("fr", "Âgé de 25 à 35 ans."),
    ("fr", "Homme de préférence."),
    ("en", "He will lead the data platform."),
    ("en", "She should have five years of experience."),
    ("en", "The ideal candidate knows Python and his team trusts him."),
    ("en", "Digital natives welcome."),
    ("en", "No disabilities."),
    ("en", "Native English speaker."),
    ("en", "A young and dynamic team member."),
    ("en", "Men only."),
    ("en", "Good health required."),
]

MUST_PASS = [
    ("fr", "Le poste est accessible aux personnes en situation de handicap."),
    ("fr", "Aucun handicap n'est un frein : dites-nous ce qu'il vous faut."),
    ("fr", "Nous accueillons les personnes en situation de handicap (RQTH bienvenue)."),
    ("fr", "Vous aimez le terrain et le contact avec les clients."),
    ("fr", "Une personne de terrain, à l'aise avec les outils collaboratifs."),
    ("fr", "10 ans d'expérience en data, dont 3 ans d'ancienneté sur Azure."),
    ("fr", "Anglais courant (C1)."),
    ("fr", "Vous rejoignez une équipe de huit personnes."),
    ("fr", "Le numérique responsable nous tient à cœur."),
    ("en", "You will lead the data platform."),
    ("en", "They will join a team of eight."),
    ("en", "Claire, our head of data, will be your manager."),
    ("en", "The position is open to people with disabilities; tell us what you need."),
    ("en", "Fluent English (C1)."),
    ("en", "Five years of experience in data engineering."),
    ("en", "Over 10 years of experience is not required."),
    ("en", "The team shares the on-call duty."),
    ("en", "Whether he or she applies, every candidate gets an answer."),
]


def _problems(tmp_path, lang, phrase):
    path = tmp_path / "ad.md"
    path.write_text(f"Title: Poste\nLang: {lang}\n\n{phrase}\n", encoding="utf-8")
    report = ContentReport()
    check_wording(str(path), lang, load_rules(DEFAULT_RULES), report)
    return report.problems


@pytest.mark.parametrize("lang,phrase", MUST_FAIL)
def test_phrases_that_must_fail(tmp_path, lang, phrase):
    problems = _problems(tmp_path, lang, phrase)
    assert problems, phrase
    assert all(p.severity == "error" and p.line == 4 and p.message.startswith("discriminatory wording") for p in problems)
    assert all(p.example for p in problems)  # what to write instead


@pytest.mark.parametrize("lang,phrase", MUST_PASS)
def test_phrases_that_must_pass(tmp_path, lang, phrase):
    assert _problems(tmp_path, lang, phrase) == [], phrase


def test_the_sample_ads_pass_the_wider_vocabulary():
    rules = load_rules(DEFAULT_RULES)
    for path in sorted((ROOT / "content" / "jobs").rglob("*.md")):
        lang = re.search(r"^Lang: (\w+)", path.read_text(encoding="utf-8"), re.M).group(1)
        report = ContentReport()
        check_wording(str(path), lang, rules, report)
        assert report.problems == [], path


def test_an_absurdly_wide_pay_range_fails_with_its_line(content_copy, tmp_path):
    job = content_copy / "jobs" / "developpeur-java-lyon.md"
    text = job.read_text(encoding="utf-8")
    text = re.sub(r"^Salary_min: .*$", "Salary_min: 1", text, count=1, flags=re.M)
    text = re.sub(r"^Salary_max: .*$", "Salary_max: 900 000", text, count=1, flags=re.M)
    job.write_text(text, encoding="utf-8")
    line = next(n for n, t in enumerate(text.split("\n"), 1) if t.startswith("Salary_max:"))
    result = run_pelican(content_copy, tmp_path / "out")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert (f"jobs/developpeur-java-lyon.md:{line}: salary_max: the range 1 – 900000 is too wide to tell candidates their pay"
            in output)
    assert "JOBS_SALARY_MAX_RATIO" in output
