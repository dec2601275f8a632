"""JobPosting JSON-LD read back from the built pages: complete, visible, honest."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

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


def test_direct_apply_only_for_email_or_our_own_site(site):
    by_email = postings(site / "emplois" / "ingenieur-data-nantes" / "index.html")[0]
    third_party = postings(site / "emplois" / "consultant-cloud-aws-grenoble" / "index.html")[0]
    assert by_email["directApply"] is True
    assert third_party["directApply"] is False


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
