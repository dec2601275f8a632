"""`vivier site-check`: the sample site passes every check; the command reports and exits."""

from __future__ import annotations

import pytest

from tests.sitecheck.conftest import page_html, site_check


@pytest.mark.browser
@pytest.mark.slow
def test_the_sample_site_passes_every_check(site):
    result = site_check(site)
    assert result.exit_code == 0, result.output
    for name in ("links", "images", "content", "feeds", "jsonld", "ics", "html", "a11y"):
        assert f"✓ {name}" in result.output, result.output
    assert "site-check: 8 passed, 0 failed" in result.output


def test_unknown_check_names_are_refused(site):
    result = site_check(site, "--skip", "links,spelling")
    assert result.exit_code == 2
    assert "unknown check spelling; choose among links, images, content, feeds, jsonld, ics, html, a11y" in result.output


def test_a_folder_without_a_built_site_is_refused(tmp_path):
    result = site_check(tmp_path)
    assert result.exit_code == 1
    assert f"{tmp_path} holds no built site (no index.html): run `make site` or `make publish` first" in result.output


def test_skipped_checks_are_shown_and_warnings_listed_on_request(mini_site):
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Cardamome Conseil//Vivier//FR\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n"
    root = mini_site({"index.html": page_html("<p>Bienvenue</p>"), "evenements/calendrier.ics": ics})
    quiet = site_check(root, "--skip", "html,a11y")
    assert quiet.exit_code == 0, quiet.output
    assert "- html    skipped" in quiet.output and "- a11y    skipped" in quiet.output
    assert "✓ ics     Calendars (.ics) (1 calendars" in quiet.output and "1 warning(s)" in quiet.output
    assert "the calendar has no event" not in quiet.output
    loud = site_check(root, "--skip", "html,a11y", "--warnings")
    assert "evenements/calendrier.ics: the calendar has no event" in loud.output
    assert "site-check: 6 passed, 0 failed" in loud.output
