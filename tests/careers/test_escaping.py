"""What editors write in a title is what candidates read: text, never markup; no inline script runs."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT, run_pelican
from tests.helpers import page

SCRIPT = "<script>alert(1)</script>"


def _retitle(path, title):
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^Title: .*$", f"Title: {title}", text, count=1, flags=re.M), encoding="utf-8")


def test_markup_in_a_title_fails_the_build_with_file_line_and_fix(content_copy, tmp_path):
    _retitle(content_copy / "jobs" / "ingenieur-data-nantes.md", f"Ingénieur·e data {SCRIPT} (H/F)")
    _retitle(content_copy / "articles" / "equipe-data-nantes.md", "Portrait <b>data</b>")
    _retitle(content_copy / "events" / "portes-ouvertes-lyon-2026.md", f"Portes ouvertes {SCRIPT}")
    _retitle(content_copy / "pages" / "a-propos.md", "<em>À propos</em>")

    result = run_pelican(content_copy, tmp_path / "out")
    output = result.stdout + result.stderr

    assert result.returncode != 0
    assert "jobs/ingenieur-data-nantes.md:1: title: contains HTML markup '<script>'; it is plain text" in output
    assert "articles/equipe-data-nantes.md:1: title: contains HTML markup '<b>'" in output
    assert "events/portes-ouvertes-lyon-2026.md:1: title: contains HTML markup '<script>'" in output
    assert "pages/a-propos.md:1: title: contains HTML markup '<em>'" in output
    assert "remove the tags" in output
    assert not (tmp_path / "out" / "index.html").exists()


def test_quotes_ampersands_and_angle_brackets_in_titles_are_published_as_text(content_copy, tmp_path):
    job_title = 'Ingénieur·e data "temps réel" & R&D <3 (H/F)'
    article_title = 'La data à Nantes : "entre Loire & pipelines" <3'
    _retitle(content_copy / "jobs" / "ingenieur-data-nantes.md", job_title)
    _retitle(content_copy / "articles" / "equipe-data-nantes.md", article_title)
    out = tmp_path / "out"
    result = run_pelican(content_copy, out)
    assert result.returncode == 0, result.stdout + result.stderr

    for path, title in ((out / "emplois" / "ingenieur-data-nantes" / "index.html", job_title),
                        (out / "articles" / "equipe-data-nantes" / "index.html", article_title)):
        doc = page(path)
        assert doc.findtext(".//title") == f"{title} — Cardamome Conseil"
        assert doc.xpath("string(//h1)").strip() == title
        assert doc.xpath("string(//meta[@property='og:title']/@content)") == title
        assert doc.xpath("string(//meta[@name='twitter:title']/@content)") == title
        # A quote that closed the attribute early would have left stray attributes on the meta element.
        assert all(set(m.attrib) <= {"property", "name", "content"} for m in doc.xpath("//head/meta[@property or @name]"))
    listing = page(out / "emplois" / "index.html")
    card = listing.xpath("//li[@data-id='ingenieur-data-nantes']//a")[0]
    assert card.text_content() == job_title


def test_every_page_carries_a_content_security_policy_without_inline_script(site):
    policy = None
    for path in sorted(site.rglob("*.html")):
        doc = page(path)
        metas = doc.xpath("//head/meta[@http-equiv='Content-Security-Policy']/@content")
        assert len(metas) == 1, path
        policy = metas[0]
        for script in doc.xpath("//script[not(@src)]"):
            assert script.get("type") in ("application/ld+json", "application/json"), (path, script.text[:80])
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "object-src 'none'" in policy


def test_the_theme_refuses_to_run_without_autoescaping(tmp_path):
    from careers.settings import SettingsError, apply_defaults, validate
    from vivier.config import load_settings

    settings = load_settings(ROOT / "pelicanconf.py")
    apply_defaults(settings)
    assert settings["JINJA_ENVIRONMENT"]["autoescape"] is True
    validate(settings)
    settings["JINJA_ENVIRONMENT"] = {**settings["JINJA_ENVIRONMENT"], "autoescape": False}
    with pytest.raises(SettingsError, match=r"JINJA_ENVIRONMENT\['autoescape'\] must be True"):
        validate(settings)


CSP_PAGES = {
    "/emplois/ingenieur-data-nantes/": "script[type='application/ld+json']",  # JSON-LD: data, not run
    "/emplois/": "form[data-facets]:not([hidden])",  # facets.js ran
    "/rencontrer-l-equipe/lea-martin/": "script[data-booking-config]",
    "/newsletters/2026-12-data-cloud/nantes/fr/": "iframe.newsletter-frame",
    "/articles/equipe-data-nantes/": "h1",
    "/evenements/meetup-data-nantes-decembre-2026/": "script[type='application/ld+json']",
}


@pytest.mark.browser
def test_chromium_reports_no_policy_violation_and_the_site_scripts_still_run(browser, served_site):
    for url, selector in CSP_PAGES.items():
        tab = browser.new_page()
        messages = []
        tab.on("console", lambda m: messages.append(m.text))
        tab.goto(served_site + url)
        tab.wait_for_selector(selector, state="attached")
        tab.wait_for_load_state("load")
        assert [m for m in messages if "Content Security Policy" in m] == [], url
        if url == "/newsletters/2026-12-data-cloud/nantes/fr/":  # newsletter-frame.js sized the frame to the email
            tab.wait_for_function("document.querySelector('iframe.newsletter-frame').style.height !== ''")
        tab.close()


@pytest.mark.browser
def test_an_inline_script_that_slips_into_a_page_does_not_run(browser, site, tmp_path):
    import shutil

    from tests.browser import serve

    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    target = copy / "articles" / "equipe-data-nantes" / "index.html"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("</h1>", "</h1><script>window.slipped = true</script>", 1), encoding="utf-8")
    with serve(copy) as base:
        tab = browser.new_page()
        messages = []
        tab.on("console", lambda m: messages.append(m.text))
        tab.goto(base + "/articles/equipe-data-nantes/")
        tab.wait_for_load_state("load")
        assert tab.evaluate("window.slipped === undefined")
        assert any("Content Security Policy" in m for m in messages)
        tab.close()
