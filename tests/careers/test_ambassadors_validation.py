"""Bad ambassador files fail the build once, naming every file, field and line."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, run_pelican, settings_file

BAD = """Name: Paul Girard
Lang: fr
Role: Consultant
Department: marketing
Languages: fr, klingon
Topics: la vie d'équipe
Formats: video, pigeon voyageur
Booking: https://example.com/rdv
Consent_until: bientôt
Visibility: listed

Bio.
"""

MISSING = """Name: Nina Petit
Lang: fr
Department: dev

Bio.
"""

TRANSLATION_ONLY_OVERRIDES = """Name: Léa Martin
Lang: en
Role: Senior data consultant
Formats: telepathy

Bio.
"""

SOON = """Name: Hugo Lambert
Lang: fr
Role: Développeur Java
Department: dev
Languages: fr
Topics: Java
Formats: phone
Booking: entretiens-dev@cardamome.example
Consent_until: 2026-12-01

## Bio

Texte.
"""


def test_every_problem_is_listed_with_file_field_and_line(content_copy, tmp_path):
    (content_copy / "ambassadors" / "paul-girard.md").write_text(BAD)
    (content_copy / "ambassadors" / "nina-petit.md").write_text(MISSING)
    (content_copy / "ambassadors" / "en" / "lea-martin.md").write_text(TRANSLATION_ONLY_OVERRIDES)
    result = run_pelican(content_copy, tmp_path / "out")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for expected in (
        "ambassadors/paul-girard.md:4: department: 'marketing' is not one of",
        "ambassadors/paul-girard.md:5: languages: 'klingon' is not one of",
        "ambassadors/paul-girard.md:7: formats: 'pigeon voyageur' is not one of",
        "ambassadors/paul-girard.md:8: booking: 'https://example.com/rdv' is not a Cal.com or Calendly",
        "ambassadors/paul-girard.md:9: consent_until: 'bientôt' is not a date",
        "ambassadors/nina-petit.md: role: is missing",
        "ambassadors/nina-petit.md: consent_until: is missing",
        "ambassadors/nina-petit.md: booking: is missing",
        "ambassadors/en/lea-martin.md:4: formats: 'telepathy' is not one of",
    ):
        assert expected in output, expected
    assert not (tmp_path / "out" / "index.html").exists()


def test_consent_warnings_name_the_files_and_the_build_succeeds(content_copy, tmp_path):
    (content_copy / "ambassadors" / "hugo-lambert.md").write_text(SOON)
    out = tmp_path / "out"
    result = run_pelican(content_copy, out)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, output
    assert "ambassadors/marc-dubois.md:13: consent_until: consent ended on 2026-09-30" in output
    assert "ambassadors/hugo-lambert.md:9: consent_until: consent ends on 2026-12-01" in output
    assert (out / "rencontrer-l-equipe" / "hugo-lambert" / "index.html").exists()
    # A plain address becomes a mailto: link; no translation means no English page.
    html = (out / "rencontrer-l-equipe" / "hugo-lambert" / "index.html").read_text()
    assert 'href="mailto:entretiens-dev@cardamome.example?subject=' in html
    assert not (out / "en" / "meet-the-team" / "hugo-lambert").exists()


def test_vivier_new_ambassador_writes_a_valid_unlisted_profile(content_copy, tmp_path):
    conf = settings_file(tmp_path, content_copy, tmp_path / 'out')

    def vivier(*args):
        return subprocess.run([sys.executable, "-m", "vivier", "--settings", str(conf), *args],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)

    made = vivier("new", "ambassador", "Élodie Fontaine")
    assert made.returncode == 0, made.stderr
    path = content_copy / "ambassadors" / "elodie-fontaine.md"
    assert made.stdout.strip() == str(path)
    text = path.read_text()
    for field in ("Name: Élodie Fontaine", "Role:", "Department:", "Languages:", "Topics:", "Formats:",
                  "Booking: mailto:entretiens@cardamome.example",
                  "Photo_consent: no", "Consent_until: 2027-11-22", "Visibility: unlisted", "Monthly_cap:"):
        assert field in text, field
    assert "Field guide" in text
    # The new file builds as it is: unlisted, so reachable but not indexed.
    result = run_pelican(content_copy, tmp_path / "out")
    assert result.returncode == 0, result.stdout + result.stderr
    built = (tmp_path / "out" / "rencontrer-l-equipe" / "elodie-fontaine" / "index.html").read_text()
    assert '<meta name="robots" content="noindex, nofollow">' in built and "<h1>Élodie Fontaine</h1>" in built
    again = vivier("new", "ambassador", "Élodie Fontaine")
    assert again.returncode != 0 and "already exists" in again.stderr


def test_an_svg_photo_is_refused_because_newsletters_show_it(content_copy, tmp_path):
    profile = content_copy / "ambassadors" / "lea-martin.md"
    text = profile.read_text()
    assert "Photo: images/ambassadors/lea-martin.png" in text
    (content_copy / "images" / "ambassadors" / "lea-martin.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    profile.write_text(text.replace("lea-martin.png", "lea-martin.svg"))
    result = run_pelican(content_copy, tmp_path / "out")
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert ("ambassadors/lea-martin.md:11: photo: 'images/ambassadors/lea-martin.svg' is not a PNG or JPEG; "
            "newsletters show this photo and Gmail or Outlook do not display SVG or WebP images") in output
