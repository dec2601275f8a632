"""Every image has alt text."""

from __future__ import annotations

from sitecheck import Site, images

from tests.sitecheck.conftest import FAST, PUBLIC, inject, page_html, site_check


def test_make_check_fails_on_an_image_without_alt_text(site_copy):
    article = site_copy / "articles" / "equipe-data-nantes" / "index.html"
    inject(article, "</main>", '<p><img src="/theme/img/logo.svg" width="32" height="32"></p>\n</main>')
    line = next(n for n, text in enumerate(article.read_text().splitlines(), 1) if 'height="32"></p>' in text)

    result = site_check(site_copy, "--skip", FAST)

    assert result.exit_code == 1, result.output
    assert f"articles/equipe-data-nantes/index.html:{line}: <img> '/theme/img/logo.svg' has no alt attribute" in result.output
    assert "→ give the image alt text saying what it shows" in result.output
    assert "✗ images" in result.output and "✓ links" in result.output


def test_decorative_images_pass_and_image_controls_need_text(mini_site):
    root = mini_site({"index.html": page_html("""
        <img src="a.png" alt=""> <img src="b.png" alt="Nos bureaux lyonnais">
        <form action="/"><input type="image" src="go.png" alt=""></form>""")})
    found, count, _ = images.run(Site(root, PUBLIC))
    assert count == 3
    assert [p.message for p in found] == ["<input> 'go.png' has an empty alt but is a control"]
