"""Internal links and anchors: every spelling of a link inside the site resolves."""

from __future__ import annotations

from sitecheck import Site, links

from tests.sitecheck.conftest import FAST, PUBLIC, inject, page_html, site_check


def problems_of(root, **kwargs):
    found, count, _ = links.run(Site(root, PUBLIC, **kwargs))
    return [p.format() for p in found], count


def test_make_check_fails_on_a_broken_link_in_the_built_site(site_copy):
    article = site_copy / "articles" / "entretien-inverse" / "index.html"
    inject(article, "</main>", '<p><a href="/emplois/poste-inexistant/">Voir l’offre</a></p>\n</main>')
    line = next(n for n, text in enumerate(article.read_text().splitlines(), 1) if "poste-inexistant" in text)

    result = site_check(site_copy, "--skip", FAST)

    assert result.exit_code == 1, result.output
    assert (
        f"articles/entretien-inverse/index.html:{line}: broken link in <a href> '/emplois/poste-inexistant/': "
        "no such file in the built site (expected emplois/poste-inexistant/index.html)"
    ) in result.output
    assert "✗ links" in result.output
    assert "site-check: 5 passed, 1 failed" in result.output


def test_relative_root_relative_and_public_url_links_resolve(mini_site):
    root = mini_site({
        "index.html": page_html(f"""
            <a href="/emplois/">a</a> <a href="emplois/">b</a> <a href="{PUBLIC}/emplois/">c</a>
            <a href="{PUBLIC}/emplois">d</a> <a href="./emplois/index.html#liste">e</a>
            <a href="https://autre.example/nulle-part/">external, not checked</a>
            <a href="mailto:rh@cardamome.example">mail</a> <a href="#main">skip</a> <a href="#top">top</a>
            <img src="/img/a.png" srcset="/img/a.png 1x, {PUBLIC}/img/a@2x.png 2x" alt="Logo">"""),
        "emplois/index.html": page_html('<ul id="liste"><li><a href="../">Accueil</a></li></ul>'),
        "img/a.png": b"png", "img/a@2x.png": b"png",
    })
    found, count = problems_of(root)
    assert found == []
    assert count >= 9  # every internal URL was looked at, the external and mailto ones were not


def test_missing_anchor_and_missing_srcset_image_are_reported(mini_site):
    root = mini_site({
        "index.html": page_html(f"""<a href="/emplois/#candidater">Postuler</a>
            <a href="#nulle-part">Ici</a>
            <img src="/img/a.png" srcset="{PUBLIC}/img/absente.png 2x" alt="Logo">"""),
        "emplois/index.html": page_html("<p>Offres</p>"),
        "img/a.png": b"png",
    })
    found, _ = problems_of(root)
    assert any(
        "broken anchor in <a href> '/emplois/#candidater': emplois/index.html has no element with id=\"candidater\"" in p
        for p in found
    ), found
    assert any("broken anchor in <a href> '#nulle-part': index.html has no element with id=\"nulle-part\"" in p for p in found)
    assert any(f"broken link in <img srcset> '{PUBLIC}/img/absente.png'" in p for p in found)
    assert len(found) == 3


def test_http_link_to_our_own_host_and_escaping_the_site_are_errors(mini_site):
    root = mini_site({
        "index.html": page_html('<a href="http://carrieres.cardamome.example/">Accueil</a> <a href="../../etc/passwd">x</a>'),
    })
    found, _ = problems_of(root)
    assert any("uses http:// instead of https://" in p for p in found), found
    # urljoin stops at the site root, so this asks for etc/passwd inside output/, which is not there
    assert any("'../../etc/passwd': no such file in the built site (expected etc/passwd)" in p for p in found)


def test_sitemap_and_robots_urls_must_be_built(mini_site):
    root = mini_site({
        "index.html": page_html("<p>Accueil</p>"),
        "sitemap.xml": f"""<?xml version="1.0" encoding="utf-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{PUBLIC}/</loc></url>
<url><loc>{PUBLIC}/emplois/fermee/</loc></url>
</urlset>
""",
        "robots.txt": f"User-agent: *\nSitemap: {PUBLIC}/sitemap.xml\n",
    })
    found, count = problems_of(root)
    assert count == 4  # the page's skip link, two sitemap URLs and robots.txt's
    assert found == [
        f"sitemap.xml:4: broken link '{PUBLIC}/emplois/fermee/': no such file in the built site "
        "(expected emplois/fermee/index.html) — fix: " + links.FIX_PAGE
    ]


def test_a_site_served_under_a_path_resolves_against_it(mini_site):
    root = mini_site({
        "index.html": page_html('<a href="https://org.example/carrieres/emplois/">Offres</a> <a href="/ailleurs/">Hors du site</a>'),
        "emplois/index.html": page_html("<p>Offres</p>"),
    })
    found, _ = links.run(Site(root, "https://org.example/carrieres"))[:2]
    messages = [p.message for p in found]
    assert messages == ["broken link in <a href> '/ailleurs/': is outside the site's folder /carrieres/"]
