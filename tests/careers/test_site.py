"""The sample site, built by the real pelican: languages, feeds, sitemap, privacy."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import feedparser
import yaml
from lxml import etree

from tests.conftest import ROOT
from tests.helpers import html_files, page

PUBLIC = "https://carrieres.cardamome.example"


def test_home_pages_exist_in_both_languages(site):
    fr = page(site / "index.html")
    en = page(site / "en" / "index.html")
    assert fr.get("lang") == "fr" and en.get("lang") == "en"
    assert fr.xpath("//h1") and en.xpath("//h1")
    # Theme strings are translated, not hard-coded.
    assert fr.xpath("string(//a[@class='skip-link'])") == "Aller au contenu"
    assert en.xpath("string(//a[@class='skip-link'])") == "Skip to content"


def test_translated_article_links_its_translation(site):
    fr = page(site / "articles" / "entretien-inverse" / "index.html")
    en = page(site / "en" / "articles" / "entretien-inverse" / "index.html")
    assert fr.xpath("//nav[contains(@class,'lang-switch')]//a[@hreflang='en']/@href") == ["/en/articles/entretien-inverse/"]
    assert en.xpath("//nav[contains(@class,'lang-switch')]//a[@hreflang='fr']/@href") == ["/articles/entretien-inverse/"]
    alternates = dict(
        (link.get("hreflang"), link.get("href")) for link in fr.xpath("//link[@rel='alternate'][@hreflang]")
    )
    assert alternates == {
        "fr": f"{PUBLIC}/articles/entretien-inverse/",
        "en": f"{PUBLIC}/en/articles/entretien-inverse/",
        "x-default": f"{PUBLIC}/articles/entretien-inverse/",
    }
    assert fr.xpath("//link[@rel='canonical']/@href") == [f"{PUBLIC}/articles/entretien-inverse/"]


def test_every_page_has_lang_landmarks_switcher_and_social_meta(site):
    pages = html_files(site)
    assert len(pages) > 20
    for path in pages:
        doc = page(path)
        rel = path.relative_to(site)
        assert doc.get("lang") in ("fr", "en"), rel
        assert doc.xpath("//main[@id='main']"), rel
        assert doc.xpath("//a[@class='skip-link'][@href='#main']"), rel
        assert len(doc.xpath("//h1")) == 1, rel
        assert doc.xpath("//meta[@property='og:title']/@content"), rel
        assert doc.xpath("//meta[@name='twitter:card']/@content"), rel
        canonical = doc.xpath("//link[@rel='canonical']/@href")
        assert canonical and canonical[0].startswith(PUBLIC + "/"), rel
        if rel.name != "404.html" and "newsletters" not in rel.parts:
            assert doc.xpath("//nav[contains(@class,'lang-switch')]//a[@hreflang]"), rel


def test_headings_never_skip_a_level(site):
    for path in html_files(site):
        levels = [int(h.tag[1]) for h in page(path).xpath("//main//*[self::h1 or self::h2 or self::h3 or self::h4]")]
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{path.relative_to(site)}: h{before} then h{after}"


def test_assets_never_come_from_another_host(site):
    for path in html_files(site):
        doc = page(path)
        assets = doc.xpath("//script/@src | //img/@src | //link[@rel='stylesheet' or @rel='icon' or @rel='preload']/@href | //iframe/@src | //source/@src")
        for url in assets:
            host = urlsplit(url).netloc
            assert host in ("", "carrieres.cardamome.example"), f"{path.relative_to(site)} loads {url}"
    css = (site / "theme" / "css" / "site.css").read_text()
    assert not re.search(r"url\(\s*['\"]?https?:", css) and "@import" not in css


def test_article_feeds_parse_per_language(site):
    fr = feedparser.parse((site / "feeds" / "articles.atom.xml").read_bytes())
    en = feedparser.parse((site / "en" / "feeds" / "articles.atom.xml").read_bytes())
    assert not fr.bozo and not en.bozo
    assert len(fr.entries) >= 6 and len(en.entries) >= 3
    assert all(e.link.startswith(f"{PUBLIC}/articles/") for e in fr.entries)
    assert all(e.link.startswith(f"{PUBLIC}/en/articles/") for e in en.entries)
    assert fr.feed.language == "fr" and en.feed.language == "en"
    assert all(e.get("author") for e in fr.entries)


def test_sitemap_lists_pages_with_lastmod_and_robots_points_to_it(site):
    tree = etree.parse(str(site / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in tree.findall("s:url", ns)}
    assert f"{PUBLIC}/" in locs and f"{PUBLIC}/en/" in locs
    assert f"{PUBLIC}/nos-valeurs/" in locs and f"{PUBLIC}/en/nos-valeurs/" in locs
    article = f"{PUBLIC}/articles/entretien-inverse/"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", locs[article] or "")
    # Every URL in the sitemap was really built.
    for loc in locs:
        rel = loc[len(PUBLIC) + 1:]
        target = site / rel / "index.html" if rel.endswith("/") or rel == "" else site / rel
        assert target.exists(), loc
    robots = (site / "robots.txt").read_text()
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in robots


def test_required_static_pages_exist_in_both_languages(site):
    for slug in ("a-propos", "nos-valeurs", "confidentialite", "accessibilite"):
        assert (site / slug / "index.html").exists(), slug
        assert (site / "en" / slug / "index.html").exists(), slug


def test_theme_strings_exist_in_every_language():
    folder = ROOT / "theme" / "strings"

    def keys(tree, prefix=""):
        for key, value in tree.items():
            if isinstance(value, dict):
                yield from keys(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}"

    fr = set(keys(yaml.safe_load((folder / "fr.yml").read_text())))
    en = set(keys(yaml.safe_load((folder / "en.yml").read_text())))
    assert fr == en, f"only in fr: {fr - en}; only in en: {en - fr}"


def test_templates_use_only_known_strings():
    strings = yaml.safe_load((ROOT / "theme" / "strings" / "fr.yml").read_text())

    def has(key):
        node = strings
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    used = set()
    for template in (ROOT / "theme" / "templates").rglob("*.html"):
        used |= set(re.findall(r"'([a-z_]+(?:\.[a-z_]+)+|lang_name)'\s*\|\s*t\b", template.read_text()))
    missing = sorted(k for k in used if not has(k))
    assert used and not missing, missing
