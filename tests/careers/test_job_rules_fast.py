"""The screened job-ad checks report exactly what the per-rule, per-line checks reported.

`check_wording` skips the lines where one alternation of the language's
rules finds nothing, and `check_title` looks words up with precompiled
patterns; the straightforward versions (every rule on every line, every word
with `re.finditer`) are kept here as references. Same problems, same
messages, same lines, same order.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from careers.job_rules import (DEFAULT_RULES, Rules, TitleRule, WordingChecks, WordingRule, WordList, _scannable_lines,
                               _words, check_title, check_wording, load_rules, screen_of)
from careers.report import ContentReport

ROOT = Path(__file__).resolve().parents[2]


# --- the references: the code before the screen -------------------------------------------


def reference_wording(path, lang, rules, report):
    for number, line in _scannable_lines(path):
        for rule in rules.wording:
            if rule.languages and lang not in rule.languages:
                continue
            for match in rule.pattern.finditer(line):
                message = f"discriminatory wording {match.group(0)!r} ({rule.message}); remove it"
                add = report.error if rule.severity == "error" else report.warning
                add(path, "wording", message, rule.instead, number)


def reference_title(path, title, lang, rules, report):
    rule = rules.titles.get(lang)
    if not rule or not title:
        return
    masculine, feminine = _words(rule.masculine, title), _words(rule.feminine, title)
    gendered = masculine or feminine
    if not gendered or (masculine and feminine) or any(p.search(title) for p in rule.neutral):
        return
    hint = "write both forms or add (H/F)" if rule.neutral else "use a gender-neutral word"
    report.error(path, "title", f"gendered title {gendered[0]!r} without a neutral form; {hint}", rule.instead, None)


def _both(check, reference, *args):
    fast, slow = ContentReport(), ContentReport()
    check(*args[:1], *args[1:], fast)
    reference(*args[:1], *args[1:], slow)
    return fast.problems, slow.problems


# --- crafted ads ------------------------------------------------------------------------------

HEADER = """Title: Développeur·se Python (H/F)
Reference: CC-1
Lang: {lang}
Summary: {summary}
Must_have: Python, SQL
Nice_to_have: {nice}
Hiring_manager: Claire, 35 ans
Department: jeunes pousses
Apply_email: recrutement@cardamome.example
"""

FR_BODY = """## Votre mission

Nous cherchons un profil jeune et dynamique, âgé de 25 à 35 ans, Jeune diplômé ou JEUNES talents.
Le poste demande 10-15 ans d'expérience (pas un critère d'âge) mais pas 25-35 ans ni 25 – 35 ans.
Entre 25 et 35 ans, de préférence ; entre 25 et 35 ans d’expérience, c'est autre chose.
Moins de 30 ans, plus de 45 ans ; plus de 10 ans d'expérience est permis.
Hommes uniquement — femme de préférence — sexe féminin — une homme exclusivement.
Nationalité française, langue maternelle française, origine européenne.
Bonne présentation, bonne santé, physique agréable, sans handicap.
Célibataire sans enfants ; sans enfant ; célibataires.
Digital natives, natifs du numérique, digital native. Le candidat idéal, il sera.
Rajeunir, jeunesse, ajeunesse, jeunet : aucun ne compte (frontières de mots).
<!-- jeune dans un commentaire
sur deux lignes : 25-35 ans --> jeune après le commentaire
young and youthful, aged 25, aged between 25, 25-35 years old, under 30, over 40 years of experience.
male only, women only, native English speakers, native speaker, mother tongue, French nationality.
Good health, able-bodied, well presented, no children, unmarried.
Une ligne sans rien de tout cela, mais avec des accents : é è à ù ç œ.
"""

EN_BODY = FR_BODY.replace("## Votre mission", "## Your mission")


def _ad(tmp_path, name, lang, body, summary="Un poste pour une personne jeune.", nice="Kafka"):
    path = tmp_path / f"{name}.md"
    path.write_text(HEADER.format(lang=lang, summary=summary, nice=nice) + "\n" + body, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rules():
    return load_rules(DEFAULT_RULES)


@pytest.mark.parametrize("lang", ["fr", "en", "de"])
def test_crafted_ads_give_the_same_problems(tmp_path, rules, lang):
    path = str(_ad(tmp_path, "ad", lang, FR_BODY if lang == "fr" else EN_BODY, nice="Young spirit, digital natives"))
    fast, slow = ContentReport(), ContentReport()
    check_wording(path, lang, rules, fast)
    reference_wording(path, lang, rules, slow)
    assert fast.problems == slow.problems
    if lang != "de":
        assert len(slow.problems) > 15  # the ad does trip many rules, on many lines
        assert len({p.line for p in slow.problems}) >= 5
    # The text the reader already read gives the same problems as reading the file.
    given = ContentReport()
    check_wording(path, lang, rules, given, Path(path).read_text(encoding="utf-8-sig"))
    assert given.problems == slow.problems


def test_overlapping_rules_and_matches_keep_rule_order_then_position(tmp_path):
    def rule(id, pattern, languages=(), severity="error"):
        return WordingRule(id, tuple(languages), re.compile(pattern, re.I), severity, id, "")

    rules = Rules(
        (
            rule("long", r"\bjeune diplômé\b"),
            rule("short", r"\bjeune\b", ["fr"], "warning"),
            rule("prefix", r"jeun"),
            rule("anchored", r"^Nous\b"),
            rule("end", r"ans$", ["fr"]),
            rule("behind", r"(?<=de )\d{2}"),
            rule("english", r"\byoung\b", ["en"]),
        ),
        {},
    )
    body = "Nous voulons un jeune diplômé, jeune, très jeune.\nNous, de 25 à 35 ans\nrien\nyoung jeune\n"
    path = str(_ad(tmp_path, "overlap", "fr", body))
    for lang in ("fr", "en"):
        fast, slow = ContentReport(), ContentReport()
        check_wording(path, lang, rules, fast)
        reference_wording(path, lang, rules, slow)
        assert fast.problems == slow.problems
        assert slow.problems
    assert rules.for_language("fr").screen is not None


def test_rules_the_screen_cannot_stand_for_are_all_tried(tmp_path):
    grouped = Rules(
        (
            WordingRule("repeat", ("fr",), re.compile(r"\b(\w+) \1\b", re.I), "error", "repeated", ""),
            WordingRule("plain", ("fr",), re.compile(r"\bjeune\b", re.I), "error", "jeune", ""),
        ),
        {},
    )
    assert grouped.for_language("fr").screen is None  # a numbered back-reference would point elsewhere
    path = str(_ad(tmp_path, "groups", "fr", "le le jeune\nrien ici\nvous vous\n"))
    fast, slow = ContentReport(), ContentReport()
    check_wording(path, "fr", grouped, fast)
    reference_wording(path, "fr", grouped, slow)
    assert fast.problems == slow.problems and len(slow.problems) == 4


def test_the_screen_finds_something_exactly_when_a_pattern_does():
    rng = random.Random(7)
    rules = load_rules(DEFAULT_RULES)
    patterns = [r.pattern for r in rules.wording]
    screen = screen_of(patterns)
    assert screen is not None
    words = ("jeune", "jeunes", "25", "-", "35", "ans", "d'expérience", "âgée", "de", "young", "under", "30",
             "native", "speaker", "sans", "enfants", "homme", "uniquement", "x", "é", " ", "  ", "\t", "entre", "et",
             "plus", "moins", "years", "old", "of", "experience", "bonne", "santé", "well-presented", "’")
    for _ in range(4000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 9)))
        expected = any(p.search(text) for p in patterns)
        assert (screen.search(text) is not None) == expected, text
    assert screen_of([]) is None
    assert screen_of([re.compile("a", re.I), re.compile("b")]) is None  # different flags


TITLE_WORDS = ["Développeur", "développeuse", "Développeurs", "Ingénieur", "ingénieure", "INGÉNIEURES", "Chef",
               "cheffe", "Chef·fe", "Chargé", "chargée", "Assistant", "assistante", "Commercial", "commerciale",
               "Salesman", "saleswoman", "Waitress", "Hostess", "hostesses", "Chairman", "chairperson", "Ingénierie",
               "Développement", "Chefs", "Consultant", "consultante", "Python", "data", "(H/F)", "H / F", "F/H/X",
               "·se", "(e)", ".e", "/euse", "/trice", "/rice", "ou", "et", "senior", "Lead", "Tech",
               "Directeur", "directrice", "Employé", "employée", "Rédacteur", "rédactrice", "opérateur", "Souschef",
               "Cochefs", "Superassistante", "Vice-chairman", "Exsalesman", "Codéveloppeur"]


@pytest.mark.parametrize("lang", ["fr", "en", "de"])
def test_titles_give_the_same_problems(rules, lang):
    rng = random.Random(11)
    titles = [" ".join(rng.choice(TITLE_WORDS) for _ in range(rng.randint(1, 5))) for _ in range(3000)]
    titles += ["", "Développeur", "Développeuse", "Développeur ou développeuse", "Développeur·se", "Développeur (H/F)",
               "Chefs de projet", "Chef de projet et cheffe d'équipe", "Ingénieur·e", "Salesman", "Salesperson",
               "Waitress", "Cheffe", "Ingénieures data", "Chargée de recrutement"]
    seen = 0
    for title in titles:
        fast, slow = ContentReport(), ContentReport()
        check_title("ad.md", title, lang, rules, fast)
        reference_title("ad.md", title, lang, rules, slow)
        # field_line(path, "title") of a missing file is None in both.
        assert fast.problems == slow.problems, title
        seen += bool(slow.problems)
    if lang != "de":
        assert seen > 50


def test_word_lists_find_the_first_word_of_the_list():
    words = WordList(["chef", "chargé", "assistant"])
    for text, expected in [("Assistant chef", "chef"), ("CHEFS et chargés", "CHEFS"), ("chefferie", None),
                           ("Chargé·e", "Chargé"), ("assistants chargé", "chargé"), ("", None)]:
        assert words.first(text) == expected, text
        assert (_words(words.words, text) or [None])[0] == expected, text
    plural_only = TitleRule(("x",), (), (), "")
    assert plural_only.masculine_words.first("xs") == "xs"


# --- warm builds: results kept with the content cache ----------------------------------------


def _cache_settings(tmp_path, on=True):
    return {"CACHE_PATH": str(tmp_path / "cache"), "CACHE_CONTENT": on, "LOAD_CONTENT_CACHE": on, "GZIP_CACHE": True,
            "CHECK_MODIFIED_METHOD": "mtime"}


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_wording_results_are_replayed_only_for_the_same_file_language_and_rules(tmp_path, monkeypatch):
    from careers import job_rules

    rules_file = tmp_path / "rules.yml"
    rules_file.write_text(Path(DEFAULT_RULES).read_text(encoding="utf-8"), encoding="utf-8")
    ad = _ad(tmp_path, "cached", "fr", FR_BODY)
    scans = []
    real = job_rules.check_wording
    monkeypatch.setattr(job_rules, "check_wording", lambda *a, **k: (scans.append(a[0]), real(*a, **k))[1])

    def build(lang="fr", on=True):
        """One build's check of the ad: (problems, whether the file was scanned)."""
        rules = load_rules(str(rules_file))
        checks = WordingChecks(_cache_settings(tmp_path, on), str(rules_file))
        report, before = ContentReport(), len(scans)
        checks.check(str(ad), lang, rules, report)
        checks.save()
        expected = ContentReport()
        reference_wording(str(ad), lang, rules, expected)
        assert report.problems == expected.problems
        return report.problems, len(scans) > before

    problems, scanned = build()
    assert scanned and len(problems) > 15 and {p.severity for p in problems} == {"error", "warning"}
    assert build() == (problems, False)  # warm: replayed, same problems, same order, same lines
    assert build("en")[1] and build("en")[1] is False  # another language is another result (one kept per file)
    assert build() == (problems, True)
    assert build() == (problems, False)

    ad.write_text(ad.read_text(encoding="utf-8").replace("jeune après le commentaire", "après le commentaire"),
                  encoding="utf-8")
    _touch_later(ad)
    edited, scanned = build()
    assert scanned and len(edited) == len(problems) - 1
    assert build() == (edited, False)

    rules_file.write_text(rules_file.read_text(encoding="utf-8").replace(r"'\bjeunes?\b'", r"'\bjeunes?\b|\bdynamique\b'"),
                          encoding="utf-8")
    ruled, scanned = build()
    assert scanned and any("'dynamique'" in p.message for p in ruled)
    assert build() == (ruled, False)

    assert build(on=False)[1] and build(on=False)[1]  # no content cache: every build scans


def test_cold_builds_check_the_text_the_reader_read(tmp_path):
    ad = _ad(tmp_path, "given", "fr", FR_BODY)
    rules = load_rules(DEFAULT_RULES)
    checks = WordingChecks(_cache_settings(tmp_path, on=False), DEFAULT_RULES)
    given, expected = ContentReport(), ContentReport()
    checks.check(str(ad), "fr", rules, given, ad.read_text(encoding="utf-8-sig"))
    reference_wording(str(ad), "fr", rules, expected)
    assert given.problems == expected.problems
