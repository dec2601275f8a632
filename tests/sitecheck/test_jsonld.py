"""JSON-LD: JobPosting, Event and Person carry what Google and our rules require."""

from __future__ import annotations

import datetime as dt
import json

import lxml.html

from sitecheck import Site, jsonld

from tests.helpers import html_files
from tests.sitecheck.conftest import FAST, PUBLIC, inject, page_html, site_check

JOB = {
    "@context": "https://schema.org/", "@type": "JobPosting", "title": "Ingénieure data",
    "description": "<p>Mission</p>", "datePosted": "2026-11-02", "validThrough": "2027-01-31",
    "hiringOrganization": {"@type": "Organization", "name": "Cardamome Conseil"},
    "jobLocation": [{"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": "Nantes", "addressCountry": "FR"}}],
    "employmentType": "FULL_TIME",
    "baseSalary": {"@type": "MonetaryAmount", "currency": "EUR",
                   "value": {"@type": "QuantitativeValue", "minValue": 45000, "maxValue": 55000, "unitText": "YEAR"}},
}
EVENT = {
    "@context": "https://schema.org", "@type": "Event", "name": "Portes ouvertes à Lyon",
    "startDate": "2026-12-03T18:30:00+01:00", "endDate": "2026-12-03T21:00:00+01:00",
    "eventStatus": "https://schema.org/EventScheduled",
    "location": {"@type": "Place", "name": "Cardamome Lyon", "address": "18 rue des Tisserands, 69002 Lyon"},
    "organizer": {"@type": "Organization", "name": "Cardamome Conseil", "url": "https://www.cardamome.example"},
}


def ld_page(*blocks, noindex=False) -> str:
    head = '<meta name="robots" content="noindex, nofollow">' if noindex else ""
    scripts = "".join(f'<script type="application/ld+json">{json.dumps(b)}</script>' for b in blocks)
    return page_html("<p>Offre</p>", head=head + scripts)


def messages(mini_site, *blocks, noindex=False, today=dt.date(2026, 11, 22)):
    root = mini_site({"index.html": ld_page(*blocks, noindex=noindex)})
    found, _, _ = jsonld.run(Site(root, PUBLIC, today=today))
    return [p.message for p in found]


def test_make_check_fails_on_a_job_missing_its_country(site_copy):
    job_page = script = None
    for path in html_files(site_copy):
        for candidate in lxml.html.fromstring(path.read_bytes()).xpath('//script[@type="application/ld+json"]'):
            if json.loads(candidate.text).get("@type") == "JobPosting":
                job_page, script = path, candidate.text
                break
        if job_page:
            break
    assert job_page, "the sample site has no job page with JobPosting markup"
    data = json.loads(script)
    locations = data["jobLocation"] if isinstance(data["jobLocation"], list) else [data["jobLocation"]]
    del locations[0]["address"]["addressCountry"]
    inject(job_page, script, json.dumps(data, ensure_ascii=False))

    result = site_check(site_copy, "--skip", FAST)

    rel = job_page.relative_to(site_copy).as_posix()
    city = locations[0]["address"].get("addressLocality")
    assert result.exit_code == 1, result.output
    assert f"{rel}:" in result.output
    assert f"JobPosting {data['title']!r}: jobLocation 1 ({city}) has no address.addressCountry" in result.output
    assert "→ end each location of the job's Locations field with its country code, e.g. `Locations: Lyon, 69002, FR`" in result.output
    assert "✗ jsonld" in result.output


def test_a_complete_job_and_event_pass(mini_site):
    assert messages(mini_site, JOB, EVENT, {"@context": "https://schema.org", "@type": "Person", "name": "Léa Martin"}) == []


def test_job_requirements(mini_site):
    job = {**JOB, "datePosted": "2 novembre", "hiringOrganization": {}, "employmentType": "CDI"}
    del job["validThrough"]
    found = messages(mini_site, job)
    assert "JobPosting 'Ingénieure data': datePosted '2 novembre' is not an ISO 8601 date" in found
    assert "JobPosting 'Ingénieure data': validThrough None is missing or not an ISO 8601 date" in found
    assert "JobPosting 'Ingénieure data': hiringOrganization with a name is missing" in found
    assert any(m.startswith("JobPosting 'Ingénieure data': employmentType 'CDI' is not one of") for m in found)
    assert len(found) == 4


def test_telecommute_needs_applicant_location_requirements(mini_site):
    remote = {**JOB, "jobLocationType": "TELECOMMUTE"}
    del remote["jobLocation"]
    assert messages(mini_site, remote) == [
        "JobPosting 'Ingénieure data': jobLocationType TELECOMMUTE needs applicantLocationRequirements "
        "(the countries candidates may live in)"
    ]
    remote["applicantLocationRequirements"] = {"@type": "Country", "name": "FR"}
    assert messages(mini_site, remote) == []


def test_expired_noindex_and_listed_jobs_lose_their_markup(mini_site):
    assert messages(mini_site, {**JOB, "validThrough": "2026-11-15"}) == [
        "JobPosting 'Ingénieure data': the job expired on 2026-11-15 but its page still carries JobPosting markup"
    ]
    assert messages(mini_site, JOB, noindex=True) == [
        "JobPosting 'Ingénieure data': the page is noindex but still carries JobPosting markup"
    ]
    assert messages(mini_site, JOB, {**JOB, "title": "Data analyst"}) == ["2 JobPosting blocks on one page"]


def test_event_requirements(mini_site):
    event = {**EVENT, "startDate": "2026-12-03T18:30:00", "eventStatus": "scheduled", "organizer": None}
    del event["location"]
    assert messages(mini_site, event) == [
        "Event 'Portes ouvertes à Lyon': startDate '2026-12-03T18:30:00' must be a date-time with its UTC offset (2026-12-03T18:30:00+01:00)",
        "Event 'Portes ouvertes à Lyon': eventStatus 'scheduled' is not a schema.org status such as https://schema.org/EventScheduled",
        "Event 'Portes ouvertes à Lyon': location is missing",
        "Event 'Portes ouvertes à Lyon': organizer with a name is missing",
    ]
    online = {**EVENT, "@type": "EducationEvent", "location": {"@type": "VirtualLocation"}}
    assert messages(mini_site, online) == ["Event 'Portes ouvertes à Lyon': the VirtualLocation has no url"]


def test_person_needs_a_name_and_blocks_must_parse(mini_site):
    root = mini_site({"index.html": page_html(
        "<p>x</p>",
        head='<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Person"}</script>'
             '<script type="application/ld+json">{"@type": "Person", "name": "Léa",}</script>',
    )})
    found, count, _ = jsonld.run(Site(root, PUBLIC))
    assert count == 2
    assert found[0].message == "Person: Person has no name"
    assert found[1].message.startswith("JSON-LD block does not parse: ")
    assert found[1].line == 7
