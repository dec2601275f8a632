"""Accessibility with axe-core in headless Chromium, and which pages are audited."""

from __future__ import annotations

import pytest

from sitecheck import Site, a11y

from tests.sitecheck.conftest import PUBLIC, page_html

pytestmark = pytest.mark.browser

CSS = "body { color: #000; background: #fff; } .pale { color: #ccc; }"


def test_serious_and_critical_violations_fail_and_foreign_requests_are_reported(mini_site):
    root = mini_site({
        "index.html": page_html('<p>Bienvenue</p><p><a href="emplois/">Offres</a></p>', head='<link rel="stylesheet" href="/theme/site.css">'),
        "emplois/index.html": page_html(
            '<p class="pale">Texte trop pâle</p><img src="/theme/photo.png">'
            '<script src="https://cdn.example/tracker.js"></script>',
            head=f'<link rel="stylesheet" href="{PUBLIC}/theme/site.css">',
        ),
        "theme/site.css": CSS,
    })
    found, count, _ = a11y.run(Site(root, PUBLIC))
    assert count == 2
    errors = {(p.path, p.message.split(":")[0]) for p in found if p.is_error}
    assert ("emplois/index.html", "color-contrast (serious)") in errors  # the CSS was served from output/
    assert ("emplois/index.html", "image-alt (critical)") in errors
    assert ("emplois/index.html", "the page requests https") in errors
    assert not any(p.path == "index.html" and p.is_error for p in found)
    foreign = next(p for p in found if "requests" in p.message)
    assert foreign.message == "the page requests https://cdn.example/tracker.js from another host"


def test_one_page_of_each_kind_is_audited(site):
    chosen = [rel for _, rel in a11y.select_pages(Site(site, PUBLIC))]
    assert "index.html" in chosen and "en/index.html" in chosen and "404.html" in chosen
    assert any(rel.startswith("articles/") and rel.count("/") == 2 for rel in chosen), chosen  # an article
    # kinds, not copies: far fewer pages than the site has
    assert len(chosen) <= a11y.MAX_PAGES
    assert len(chosen) == len(set(chosen))
    for kind in ("JobPosting", "Event", "Person"):
        assert any(kind in page.read_text() for page, _ in a11y.select_pages(Site(site, PUBLIC))), kind


def test_missing_axe_is_a_clear_error(mini_site, tmp_path):
    root = mini_site({"index.html": page_html("<p>x</p>")})
    found, _, _ = a11y.run(Site(root, PUBLIC, axe_path=tmp_path / "absent.js"))
    assert [p.fix for p in found] == ["run `make test-deps` (npm ci in tools/)"]
