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
    "jobLocation": [{"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": "Nantes", "addressRegion": "Pays de la Loire", "addressCountry": "FR"}}],
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


def ld_page(*blocks, noindex=False, body="") -> str:
    head = '<meta name="robots" content="noindex, nofollow">' if noindex else ""
    scripts = "".join(f'<script type="application/ld+json">{json.dumps(b)}</script>' for b in blocks)
    return page_html(f"<p>Offre à Nantes, Pays de la Loire</p>{body}", head=head + scripts)


def messages(mini_site, *blocks, noindex=False, today=dt.date(2026, 11, 22), body="", files=None):
    root = mini_site({"index.html": ld_page(*blocks, noindex=noindex, body=body), **(files or {})})
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


JOB_PAGE = """<ul class="skills must-have"><li>Python</li><li>SQL</li></ul>
<ul class="skills nice-to-have"><li>dbt</li></ul>
<ol class="job-steps"><li>Un appel de 30 minutes</li></ol>
<dl><dd class="job-salary">45\u202f000\u00a0€ – 55\u202f000\u00a0€ brut par an</dd></dl>
<section id="apply"><a href="mailto:recrutement@cardamome.example?subject=x">Postuler par e-mail</a></section>"""
FULL = ("<p>Mission</p><ul><li>Python</li><li>SQL</li></ul><ul><li>dbt</li></ul><ol><li>Un appel de 30 minutes</li></ol>"
        "<p>45 000 € – 55 000 € brut par an</p>")


def test_a_job_posting_says_what_its_page_shows(mini_site):
    assert messages(mini_site, {**JOB, "description": FULL, "directApply": False}, body=JOB_PAGE) == []


def test_direct_apply_for_an_email_application_is_refused(mini_site):
    found = messages(mini_site, {**JOB, "description": FULL, "directApply": True}, body=JOB_PAGE)
    assert found == ["JobPosting 'Ingénieure data': directApply is true but the application does not start on this site "
                     "(the page's apply links: mailto:recrutement@cardamome.example)"]
    on_site = JOB_PAGE.replace("mailto:recrutement@cardamome.example?subject=x", "/postuler/")
    assert messages(mini_site, {**JOB, "description": FULL, "directApply": True}, body=on_site) == []


def test_a_description_without_the_pages_skills_process_or_pay_is_refused(mini_site):
    found = messages(mini_site, {**JOB, "description": "<p>Mission</p><ul><li>Python</li></ul>"}, body=JOB_PAGE)
    assert found == [
        "JobPosting 'Ingénieure data': description lacks the must-have skill 'SQL' shown on the page",
        "JobPosting 'Ingénieure data': description lacks the nice-to-have skill 'dbt' shown on the page",
        "JobPosting 'Ingénieure data': description lacks the interview step 'Un appel de 30 minutes' shown on the page",
        "JobPosting 'Ingénieure data': description lacks the pay '45 000 € – 55 000 € brut par an' shown on the page",
    ]


def test_an_address_without_region_or_not_shown_on_the_page_is_refused(mini_site):
    place = {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": "Nantes", "addressCountry": "FR",
                                           "streetAddress": "5 quai de la Fosse"}}
    assert messages(mini_site, {**JOB, "jobLocation": place}) == [
        "JobPosting 'Ingénieure data': jobLocation 1 (Nantes) has no address.addressRegion",
        "JobPosting 'Ingénieure data': jobLocation 1 streetAddress '5 quai de la Fosse' is not shown on the page",
    ]


def test_the_logo_must_be_a_raster_of_at_least_112_pixels(mini_site):
    def with_logo(url):
        return {**JOB, "hiringOrganization": {**JOB["hiringOrganization"], "logo": url}}

    def png(width, height):
        return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x06\x00\x00\x00"

    assert messages(mini_site, with_logo(f"{PUBLIC}/theme/img/logo.svg")) == [
        f"JobPosting 'Ingénieure data': hiringOrganization.logo '{PUBLIC}/theme/img/logo.svg' is not a raster image (PNG, JPEG, GIF or WebP)"]
    assert messages(mini_site, with_logo(f"{PUBLIC}/logo-small.png"), files={"logo-small.png": png(32, 32)}) == [
        f"JobPosting 'Ingénieure data': hiringOrganization.logo '{PUBLIC}/logo-small.png' is 32×32 pixels, under 112×112"]
    assert messages(mini_site, with_logo(f"{PUBLIC}/logo.png"), files={"logo.png": png(512, 512)}) == []
