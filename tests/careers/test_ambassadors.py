"""Ambassadors on the built sample site: listing, profiles, privacy, booking links, job pages."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree

from tests.conftest import ROOT
from tests.helpers import json_ld, page

PUBLIC = "https://carrieres.cardamome.example"
LISTED = {"lea-martin", "karim-benali", "sophie-nguyen", "julien-moreau"}
UNLISTED = "amandine-roux"
EXPIRED = "marc-dubois"


def _card_ids(doc):
    return {li.get("data-id") for li in doc.xpath("//ul[@data-facet-results]/li")}


def _sitemap(site):
    tree = etree.parse(str(site / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    return {loc.text for loc in tree.findall("s:url/s:loc", ns)}


def test_listing_shows_listed_profiles_only_in_both_languages(site):
    fr = page(site / "rencontrer-l-equipe" / "index.html")
    en = page(site / "en" / "meet-the-team" / "index.html")
    assert _card_ids(fr) == LISTED and _card_ids(en) == LISTED
    assert fr.xpath("string(//h1)") == "Rencontrer l'équipe" and en.xpath("string(//h1)") == "Meet the team"
    text = fr.text_content() + en.text_content()
    assert "Amandine" not in text and "Marc Dubois" not in text
    # The menu links the listing in each language, between jobs and events.
    nav = [a.get("href") for a in fr.xpath("//nav[@class='main-nav']//a")]
    assert "/rencontrer-l-equipe/" in nav
    assert fr.xpath("//nav[@class='main-nav']//a[@href='/rencontrer-l-equipe/']/@aria-current") == ["page"]


def test_unlisted_profile_is_built_noindex_and_absent_from_sitemap_lists_and_facets(site):
    for path in (site / "rencontrer-l-equipe" / UNLISTED / "index.html", site / "en" / "meet-the-team" / UNLISTED / "index.html"):
        doc = page(path)
        assert doc.xpath("//meta[@name='robots']/@content") == ["noindex, nofollow"]
        assert doc.xpath("string(//h1)") == "Amandine Roux"
    locs = _sitemap(site)
    assert not any(UNLISTED in loc or EXPIRED in loc for loc in locs)
    for slug in LISTED:
        assert f"{PUBLIC}/rencontrer-l-equipe/{slug}/" in locs and f"{PUBLIC}/en/meet-the-team/{slug}/" in locs
    assert f"{PUBLIC}/rencontrer-l-equipe/" in locs and f"{PUBLIC}/en/meet-the-team/equipe/data/" not in locs
    assert f"{PUBLIC}/en/meet-the-team/team/data/" in locs
    for index in (site / "rencontrer-l-equipe" / "index.json", site / "en" / "meet-the-team" / "index.json"):
        ids = {item["id"] for item in json.loads(index.read_text())["items"]}
        assert ids == LISTED
    for facet_page in (site / "rencontrer-l-equipe").glob("*/*/index.html"):
        assert _card_ids(page(facet_page)) <= LISTED, facet_page
    # No feed or other page mentions the unlisted or expired profiles.
    for feed in site.rglob("*.xml"):
        text = feed.read_text()
        assert UNLISTED not in text and EXPIRED not in text, feed
    # The delivery team has only an unlisted ambassador: no facet page for it.
    assert not (site / "rencontrer-l-equipe" / "equipe" / "delivery").exists()


def test_expired_consent_is_not_published_nor_its_photo(site):
    assert not (site / "rencontrer-l-equipe" / EXPIRED).exists()
    assert not list(site.rglob(f"*{EXPIRED}*"))


def test_photos_are_published_only_with_photo_consent(site):
    photos = {p.name for p in (site / "images" / "ambassadors").iterdir()}
    assert photos == {"lea-martin.png", "karim-benali.png", "julien-moreau.png", "amandine-roux.png"}
    sophie = page(site / "rencontrer-l-equipe" / "sophie-nguyen" / "index.html")
    assert not sophie.xpath("//main//img")
    assert "image" not in json_ld(site / "rencontrer-l-equipe" / "sophie-nguyen" / "index.html")[0]
    lea = page(site / "rencontrer-l-equipe" / "lea-martin" / "index.html")
    img = lea.xpath("//img[@class='ambassador-photo']")[0]
    assert img.get("src") == "/images/ambassadors/lea-martin.png" and "Léa Martin" in img.get("alt")


def test_facet_pages_filter_by_team_language_and_format(site):
    data = page(site / "rencontrer-l-equipe" / "equipe" / "data" / "index.html")
    assert _card_ids(data) == {"lea-martin"}
    assert data.xpath("string(//h1)").startswith("Équipe : Data & IA")
    arabic = page(site / "en" / "meet-the-team" / "language" / "ar" / "index.html")
    assert _card_ids(arabic) == {"karim-benali"}
    walking = page(site / "rencontrer-l-equipe" / "format" / "walking" / "index.html")
    assert _card_ids(walking) == {"lea-martin"}
    phone = page(site / "rencontrer-l-equipe" / "format" / "phone" / "index.html")
    assert _card_ids(phone) == {"karim-benali", "sophie-nguyen", "julien-moreau"}
    # Facet links (for visitors without JavaScript) carry the counts.
    listing = page(site / "rencontrer-l-equipe" / "index.html")
    link = listing.xpath("//nav[@data-facets-fallback]//a[@href='/rencontrer-l-equipe/format/phone/']")[0]
    assert "(3)" in link.text_content()
    # The facets.js form follows the shared contract.
    form = listing.xpath("//form[@data-facets]")[0]
    assert form.get("data-index") == "/rencontrer-l-equipe/index.json" and form.get("hidden") is not None
    assert {fs.get("data-facet") for fs in form.xpath(".//fieldset")} == {"team", "language", "format"}
    assert form.xpath(".//span[@data-count-for='format:phone']/text()") == ["3"]
    index = json.loads((site / "rencontrer-l-equipe" / "index.json").read_text())
    julien = next(i for i in index["items"] if i["id"] == "julien-moreau")
    assert julien["facets"] == {"team": ["cyber"], "language": ["fr"], "format": ["phone", "video"]}
    assert "cybersécurité" in julien["text"].lower()


def test_profile_has_person_json_ld_without_contact_details(site):
    path = site / "rencontrer-l-equipe" / "karim-benali" / "index.html"
    (person,) = json_ld(path)
    assert person["@type"] == "Person" and person["name"] == "Karim Benali"
    assert person["jobTitle"] == "Architecte cloud"
    assert person["worksFor"]["name"] == "Cardamome Conseil"
    assert person["knowsLanguage"] == ["fr", "en", "ar"]
    assert person["url"] == f"{PUBLIC}/rencontrer-l-equipe/karim-benali/"
    raw = json.dumps(person)
    assert "@" not in raw.replace("@context", "").replace("@type", "") and "telephone" not in raw and "email" not in raw
    # Everything in the markup is visible on the page.
    text = page(path).xpath("string(//main)")
    for value in [person["name"], person["jobTitle"], *person["knowsAbout"]]:
        assert value in text
    # The English profile is the translation, linked both ways.
    en = page(site / "en" / "meet-the-team" / "karim-benali" / "index.html")
    assert en.xpath("string(//h1)") == "Karim Benali" and "Cloud architect" in en.xpath("string(//main)")
    assert page(path).xpath("//nav[contains(@class,'lang-switch')]//a[@hreflang='en']/@href") == ["/en/meet-the-team/karim-benali/"]


def _plain_links(site, *parts):
    doc = page(site.joinpath(*parts, "index.html"))
    return {a.get("data-format"): a.get("href") for a in doc.xpath("//div[@data-booking-plain]//a")}


def test_plain_mailto_links_prefill_format_with_rfc6068_encoding(site):
    links = _plain_links(site, "rencontrer-l-equipe", "sophie-nguyen")
    assert set(links) == {"video", "phone", "on-site"}
    href = links["phone"]
    parts = urlsplit(href)
    assert parts.scheme == "mailto" and parts.path == "entretiens-dev@cardamome.example"
    assert "+" not in parts.query and " " not in href and "%0D%0A" in href
    query = parse_qs(parts.query)
    assert query["subject"] == ["Entretien inversé avec Sophie Nguyen — téléphone"]
    body = query["body"][0]
    assert body.startswith("Bonjour Sophie,\r\n\r\nJe souhaiterais échanger")
    assert "Format souhaité : téléphone\r\n" in body and "\n" not in body.replace("\r\n", "")


def test_plain_scheduler_links_prefill_format_and_keep_existing_parameters(site):
    calendly = _plain_links(site, "en", "meet-the-team", "karim-benali")["phone"]
    assert calendly.startswith("https://calendly.com/cardamome-karim/entretien-inverse?a1=")
    assert parse_qs(urlsplit(calendly).query) == {"a1": ["Preferred format: phone"]}
    calcom = _plain_links(site, "rencontrer-l-equipe", "amandine-roux")["walking"]
    assert calcom.startswith("https://cal.com/cardamome/amandine-roux?duration=30&notes=")
    assert parse_qs(urlsplit(calcom).query) == {"duration": ["30"], "notes": ["Format souhaité : en marchant"], "format": ["walking"]}


def test_form_profile_posts_to_the_configured_endpoint(site):
    doc = page(site / "rencontrer-l-equipe" / "julien-moreau" / "index.html")
    form = doc.xpath("//form[@data-booking-form]")[0]
    assert form.get("method") == "post" and form.get("action") == "https://api.carrieres.cardamome.example/entretien-inverse"
    assert form.get("hidden") is None  # works without JavaScript
    assert {i.get("value") for i in form.xpath(".//input[@name='format']")} == {"phone", "video"}
    assert form.xpath(".//input[@name='ambassador']/@value") == ["julien-moreau"]
    assert "Au plus 2 échanges par mois" in doc.text_content()


def test_job_pages_link_listed_ambassadors_of_their_department_with_the_reference(site):
    checked = 0
    for path in list((site / "emplois").glob("*/index.html")) + list((site / "en" / "jobs").glob("*/index.html")):
        doc = page(path)
        links = doc.xpath("//section[@class='job-ambassadors']//a[contains(@href,'?job=')]/@href")
        for href in links:
            parts = urlsplit(href)
            slug = parts.path.rstrip("/").rsplit("/", 1)[1]
            assert slug in LISTED, (path, href)
            assert parts.fragment == "booking"
            (ref,) = parse_qs(parts.query)["job"]
            assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", ref)
            assert ref in doc.text_content(), (path, ref)
            profile = page(site / unquote(parts.path).lstrip("/") / "index.html")
            assert profile.get("lang") == doc.get("lang")
            checked += 1
    assert checked >= 2


def test_reverse_interview_page_exists_in_both_languages(site):
    fr = page(site / "comment-se-passe-un-entretien-inverse" / "index.html")
    en = page(site / "en" / "comment-se-passe-un-entretien-inverse" / "index.html")
    assert "pas une évaluation" in fr.text_content() and "not an assessment" in en.text_content()
    listing = page(site / "rencontrer-l-equipe" / "index.html")
    assert listing.xpath("//a[@href='/comment-se-passe-un-entretien-inverse/']")


def test_every_field_and_setting_is_documented():
    from careers import ambassador_fields as af

    doc = (ROOT / "docs" / "ambassadors.md").read_text()
    settings = {"THEME": str(ROOT / "theme"), "DEFAULT_LANG": "fr", "CAREERS_LANGUAGES": ["fr", "en"]}
    for field in af.schema(settings).fields:
        assert f"`{field.name.capitalize()}`" in doc, field.name
    for setting in af.DEFAULTS:
        assert f"`{setting}`" in doc, setting
    assert "vivier new ambassador" in doc
