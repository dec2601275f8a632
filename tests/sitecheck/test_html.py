"""HTML validity by the Nu HTML Checker, one run for the whole folder."""

from __future__ import annotations

import pytest

from sitecheck import Site, html

from tests.sitecheck.conftest import PUBLIC, page_html

pytestmark = pytest.mark.slow


def test_vnu_reports_each_invalid_page_with_file_and_line(mini_site):
    root = mini_site({
        "index.html": page_html("<p>Bienvenue</p>"),
        "emplois/index.html": page_html("<ul><p>Pas dans une liste</p></ul>"),
        "articles/index.html": page_html('<img src="a.png">'),
        "en/index.html": page_html("<p>Welcome</p>", lang="en", title="Welcome"),
    })
    found, count, unit = html.run(Site(root, PUBLIC))
    errors = [p for p in found if p.is_error]
    assert (count, unit) == (4, "pages")
    assert {p.path for p in errors} == {"emplois/index.html", "articles/index.html"}
    assert any("Element “p” not allowed as child of element “ul”" in p.message and p.line == 13 for p in errors), errors
    assert any("An “img” element must have an “alt” attribute" in p.message and p.path == "articles/index.html" for p in errors)
