"""JobPosting JSON-LD read back from the built pages: complete, visible, honest."""

from __future__ import annotations

import datetime as dt
import json
import re

import lxml.html
import pytest
from lxml import etree

from tests.conftest import ROOT
from tests.helpers import html_files, json_ld, page

PUBLIC = "https://carrieres.cardamome.example"
REQUIRED = ("title", "description", "datePosted", "hiringOrganization")
RECOMMENDED = ("validThrough", "employmentType", "baseSalary", "identifier", "directApply")
CLOSED = ("emplois/architecte-cloud-azure-nantes", "en/jobs/architecte-cloud-azure-nantes", "emplois/consultant-pilotage-si-nantes")


def open_job_pages(site):
    pages = []
    for index in ("emplois/index.json", "en/jobs/index.json"):
        for item in json.loads((site / index).read_text())["items"]:
            pages.append(site / item["url"] / "index.html")
    return pages


def postings(path):
    return [block for block in json_ld(path) if block.get("@type") == "JobPosting"]


def digits(text):
    return re.sub(r"\D", "", text)


def test_every_open_job_page_has_one_complete_job_posting(site):
    pages = open_job_pages(site)
    assert len(pages) >= 15
    for path in pages:
        rel = path.relative_to(site)
        found = postings(path)
        assert len(found) == 1, rel
        data = found[0]
        assert data["@context"].startswith("https://schema.org")
        for prop in REQUIRED + RECOMMENDED:
            assert data.get(prop) not in (None, "", []), f"{rel}: {prop}"
        assert data["hiringOrganization"]["name"] == "Cardamome Conseil"
        assert data["hiringOrganization"]["sameAs"] == "https://www.cardamome.example"
        assert data["url"] == f"{PUBLIC}/{path.parent.relative_to(site)}/"
        assert data["identifier"]["@type"] == "PropertyValue"
        assert isinstance(data["directApply"], bool)
        assert "<p>" in data["description"]
        assert dt.datetime.fromisoformat(data["datePosted"]).tzinfo is not None
        assert dt.datetime.fromisoformat(data["validThrough"]).tzinfo is not None
        salary = data["baseSalary"]
        assert salary["@type"] == "MonetaryAmount" and salary["currency"] == "EUR"
        assert salary["value"]["unitText"] in ("HOUR", "DAY", "WEEK", "MONTH", "YEAR")
        assert salary["value"]["minValue"] <= salary["value"]["maxValue"]
        assert set(data["employmentType"]) <= {"FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "VOLUNTEER", "PER_DIEM", "OTHER"}
        if data.get("jobLocationType") != "TELECOMMUTE":
            places = data["jobLocation"] if isinstance(data["jobLocation"], list) else [data["jobLocation"]]
            for place in places:
                assert place["@type"] == "Place"
                assert re.fullmatch(r"[A-Z]{2}", place["address"]["addressCountry"]), rel
                assert place["address"]["addressLocality"]


def test_markup_matches_what_the_page_shows(site):
    for path in open_job_pages(site):
        rel = path.relative_to(site)
        doc = page(path)
        data = postings(path)[0]
        assert doc.xpath("string(//h1)").strip() == data["title"], rel
        salary_text = doc.xpath("string(//dd[@class='job-salary'])")
        value = data["baseSalary"]["value"]
        assert str(value["minValue"]) in digits(salary_text) and str(value["maxValue"]) in digits(salary_text), rel
        period = {"YEAR": ("par an", "per year"), "MONTH": ("par mois", "per month"), "DAY": ("par jour", "per day"), "HOUR": ("de l'heure", "per hour")}
        assert any(word in salary_text for word in period[value["unitText"]]), rel
        assert doc.xpath("string(//time[@class='job-posted']/@datetime)")[:10] == data["datePosted"][:10], rel
        assert doc.xpath("string(//time[@class='job-valid']/@datetime)") == data["validThrough"][:10], rel
        assert doc.xpath("string(//dd[@class='job-reference'])") == data["identifier"]["value"], rel
        assert doc.xpath("string(//dd[@class='job-employer'])") == data["hiringOrganization"]["name"], rel
        locations = doc.xpath("string(//dd[@class='job-locations'])")
        if "jobLocation" in data:
            places = data["jobLocation"] if isinstance(data["jobLocation"], list) else [data["jobLocation"]]
            for place in places:
                assert place["address"]["addressLocality"] in locations, rel
        for skill in data["skills"].split(", "):
            assert skill.split(" (")[0] in doc.xpath("string(//ul[contains(@class,'must-have')])"), rel


def test_employment_type_is_mapped_from_french_contracts(site):
    def types(slug):
        return postings(site / "emplois" / slug / "index.html")[0]["employmentType"]

    assert types("ingenieur-data-nantes") == ["FULL_TIME"]  # CDI
    assert types("charge-recrutement-it-lyon") == ["FULL_TIME", "TEMPORARY"]  # CDD
    assert types("stage-data-analyst-lyon") == ["FULL_TIME", "INTERN"]  # stage
    assert types("alternance-developpement-web-nantes") == ["FULL_TIME", "INTERN"]  # alternance
    assert types("consultant-freelance-power-bi") == ["CONTRACTOR"]  # freelance


def test_direct_apply_only_when_the_application_starts_on_our_site(site):
    """schema.org/Google: directApply means applying starts on the posting's site, never by email."""
    for path in open_job_pages(site):
        hrefs = page(path).xpath("//section[@id='apply']//a/@href")
        assert hrefs, path
        on_site = any(h.startswith((PUBLIC + "/", "/")) for h in hrefs)
        assert postings(path)[0]["directApply"] is on_site, path.relative_to(site)
    by_email = postings(site / "emplois" / "ingenieur-data-nantes" / "index.html")[0]
    third_party = postings(site / "emplois" / "consultant-cloud-aws-grenoble" / "index.html")[0]
    assert by_email["directApply"] is False and third_party["directApply"] is False


def test_direct_apply_is_true_for_an_apply_page_of_our_own_site():
    from types import SimpleNamespace

    from careers.jsonld import direct_apply

    settings = {"PUBLIC_URL": PUBLIC}
    assert direct_apply(SimpleNamespace(apply_url=f"{PUBLIC}/postuler/CC-1/", apply_email=None), settings) is True
    assert direct_apply(SimpleNamespace(apply_url=None, apply_email="jobs@cardamome.example"), settings) is False
    assert direct_apply(SimpleNamespace(apply_url="https://ats.example/1", apply_email="jobs@cardamome.example"), settings) is False


def text_of(html):
    return " ".join(lxml.html.fragment_fromstring(html, create_parent="div").text_content().replace("\u202f", " ").replace("\xa0", " ").split())


def shown(doc, xpath):
    return [" ".join(e.text_content().replace("\u202f", " ").replace("\xa0", " ").split()) for e in doc.xpath(xpath)]


def test_description_carries_skills_experience_process_and_pay_shown_on_the_page(site):
    """Google: the description is the full ad, not only the Markdown body."""
    checked = 0
    for path in open_job_pages(site):
        doc, data = page(path), postings(path)[0]
        described = text_of(data["description"])
        wanted = (shown(doc, "//ul[contains(@class,'must-have')]/li") + shown(doc, "//ul[contains(@class,'nice-to-have')]/li")
                  + shown(doc, "//ol[@class='job-steps']/li") + shown(doc, "//dd[@class='job-salary']"))
        assert len(wanted) >= 4, path
        for item in wanted:
            assert item in described, (path.relative_to(site), item)
        experience = doc.xpath("string(//dt[.='Expérience' or .='Experience']/following-sibling::dd)")
        assert experience and experience in described, path
        checked += 1
    assert checked >= 15
    indeed = etree.fromstring((site / "feeds" / "jobs-indeed.xml").read_bytes())
    for job in indeed.iter("job"):
        slug = job.findtext("url").rstrip("/").split("/")[-1]
        doc = page(site / "emplois" / slug / "index.html")
        described = text_of(job.findtext("description"))
        for item in shown(doc, "//ul[contains(@class,'must-have')]/li") + shown(doc, "//dd[@class='job-salary']"):
            assert item in described, (slug, item)


def test_places_carry_street_address_where_given_and_a_region_everywhere(site):
    multi = postings(site / "emplois" / "chef-de-projet-digital" / "index.html")[0]
    assert [p["address"] for p in multi["jobLocation"]] == [
        {"@type": "PostalAddress", "addressLocality": "Lyon", "addressCountry": "FR", "streetAddress": "18 rue des Tisserands",
         "postalCode": "69002", "addressRegion": "Auvergne-Rhône-Alpes"},
        {"@type": "PostalAddress", "addressLocality": "Nantes", "addressCountry": "FR", "streetAddress": "5 quai de la Fosse",
         "postalCode": "44000", "addressRegion": "Pays de la Loire"},
    ]
    grenoble = postings(site / "emplois" / "consultant-cloud-aws-grenoble" / "index.html")[0]
    assert "streetAddress" not in grenoble["jobLocation"]["address"]  # the ad gives none
    for path in open_job_pages(site):
        data = postings(path)[0]
        places = data.get("jobLocation", [])
        for place in places if isinstance(places, list) else [places]:
            assert place["address"]["addressRegion"], path
            shown_places = page(path).xpath("string(//dd[@class='job-locations'])")
            for part in ("streetAddress", "addressRegion", "postalCode"):
                if part in place["address"]:
                    assert place["address"][part] in shown_places, (path, part)


def test_more_street_addresses_than_cities_fails_the_build_naming_the_field(content_copy, tmp_path):
    from tests.conftest import run_pelican

    ad = content_copy / "jobs" / "ingenieur-data-nantes.md"
    ad.write_text(ad.read_text().replace("Street_address: 5 quai de la Fosse", "Street_address: 5 quai de la Fosse; 2 rue Kervégan"))
    result = run_pelican(content_copy, tmp_path / "out")
    out = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "ingenieur-data-nantes.md" in out and "has 2 street addresses for 1 city in Locations" in out


def test_french_regions_follow_the_postal_code():
    from careers.places import french_region

    assert french_region("69002") == "Auvergne-Rhône-Alpes"
    assert french_region("44000") == "Pays de la Loire"
    assert french_region("75011") == "Île-de-France"
    assert french_region("20000") == "Corse"
    assert french_region("97400") == "La Réunion"
    assert french_region("1000") is None and french_region(None) is None


def test_the_logo_is_a_raster_image_of_at_least_112_pixels(site):
    import struct

    data = postings(site / "emplois" / "ingenieur-data-nantes" / "index.html")[0]
    logo = data["hiringOrganization"]["logo"]
    assert logo == f"{PUBLIC}/theme/img/logo.png"
    raw = (site / logo[len(PUBLIC) + 1:]).read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", raw[16:24])
    assert width >= 112 and height >= 112


def test_closed_jobs_ask_for_a_recrawl_in_the_sitemap_and_the_job_board_feed(site):
    """Google: a removed posting is recrawled when the sitemap's lastmod moves; boards refetch on lastBuildDate."""
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    tree = etree.parse(str(site / "sitemap.xml"))
    lastmod = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns) for u in tree.findall("s:url", ns)}
    # Closed on 2026-11-20 (its Modified), today is 2026-11-22: listed, with the day it closed.
    assert lastmod[f"{PUBLIC}/emplois/architecte-cloud-azure-nantes/"] == "2026-11-20T10:00:00+01:00"
    assert lastmod[f"{PUBLIC}/en/jobs/architecte-cloud-azure-nantes/"] == "2026-11-20T10:00:00+01:00"
    # Expired after 2026-10-31: closed on 2026-11-01, within JOBS_RECRAWL_DAYS (30).
    assert lastmod[f"{PUBLIC}/emplois/consultant-pilotage-si-nantes/"] == "2026-11-01T00:00:00+01:00"
    indeed = etree.fromstring((site / "feeds" / "jobs-indeed.xml").read_bytes())
    newest_open = max(j.findtext("date") for j in indeed.iter("job"))
    assert newest_open < "2026-11-20"
    assert indeed.findtext("lastBuildDate") == "2026-11-20T10:00:00+01:00"


def test_closed_jobs_leave_the_sitemap_after_the_recrawl_window(tmp_path):
    from tests.conftest import run_pelican

    out = tmp_path / "out"
    result = run_pelican(ROOT / "content", out, "-e", "JOBS_RECRAWL_DAYS=10")
    assert result.returncode == 0, result.stderr[-2000:]
    text = (out / "sitemap.xml").read_text()
    assert "architecte-cloud-azure-nantes" in text  # 2 days ago
    assert "consultant-pilotage-si-nantes" not in text  # 21 days ago


def test_telecommute_only_for_fully_remote_jobs(site):
    remote = postings(site / "emplois" / "ingenieur-devops-kubernetes" / "index.html")[0]
    assert remote["jobLocationType"] == "TELECOMMUTE"
    assert remote["applicantLocationRequirements"] == [{"@type": "Country", "name": "FR"}, {"@type": "Country", "name": "BE"}]
    shown = page(site / "emplois" / "ingenieur-devops-kubernetes" / "index.html").xpath("string(//dd[@class='job-countries'])")
    assert shown == "France, Belgique"
    hybrid = postings(site / "emplois" / "ingenieur-data-nantes" / "index.html")[0]
    multi = postings(site / "emplois" / "chef-de-projet-digital" / "index.html")[0]
    for data in (hybrid, multi):
        assert "jobLocationType" not in data and "applicantLocationRequirements" not in data
    assert [p["address"]["addressLocality"] for p in multi["jobLocation"]] == ["Lyon", "Nantes"]
    for path in open_job_pages(site):
        data = postings(path)[0]
        assert ("jobLocationType" in data) == ("applicantLocationRequirements" in data) == (data["url"].rstrip("/").endswith("ingenieur-devops-kubernetes")), path


@pytest.mark.parametrize("rel", CLOSED)
def test_closed_and_expired_jobs_lose_their_markup_and_are_noindex(site, rel):
    path = site / rel / "index.html"
    doc = page(path)
    assert postings(path) == [] and json_ld(path) == []
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex, nofollow"]
    assert doc.xpath("//div[contains(@class,'job-closed')]")
    assert not doc.xpath("//section[@id='apply']")


def test_no_job_posting_on_listings_or_any_page_but_open_jobs(site):
    allowed = set(open_job_pages(site))
    for path in html_files(site):
        if path not in allowed:
            assert postings(path) == [], path.relative_to(site)
    for listing in ("emplois/index.html", "en/jobs/index.html", "emplois/lieu/lyon/index.html", "index.html"):
        assert not any("JobPosting" in json.dumps(b) for b in json_ld(site / listing)), listing
