"""An upcoming event naming a segment that does not exist fails the build, naming file, line and the fix."""

from __future__ import annotations

from tests.conftest import run_pelican


def test_unknown_segment_in_an_event_is_an_error_with_a_suggestion(content_copy, tmp_path):
    event = content_copy / "events" / "webinaire-recrutement-decembre-2026.md"
    text = event.read_text()
    assert "Segments: juniors, silver-medalists" in text
    event.write_text(text.replace("Segments: juniors, silver-medalists", "Segments: junior, silver-medalists"))
    result = run_pelican(content_copy, tmp_path / "out")
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    line = next(n for n, l in enumerate(text.splitlines(), 1) if l.startswith("Segments:"))
    assert f"events/webinaire-recrutement-decembre-2026.md:{line}: segments: unknown segment 'junior': did you mean 'juniors'?" in output
    # The emails are planned in a child process while the site is written (mailing/background.py): the
    # career pages may be written, but no email is planned or archived when one of them is wrong.
    assert not (tmp_path / "out" / "newsletters").exists()
