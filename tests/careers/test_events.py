"""Events on the built sample site: pages, JSON-LD, lists, home, links, validation, `vivier new event`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from tests.careers.test_events_support import content_with_events_only, load_events
from tests.conftest import ROOT, run_pelican
from tests.helpers import json_ld, page

PUBLIC = "https://carrieres.cardamome.example"
SCHEMA = "https://schema.org/"

NUIT = "evenements/nuit-du-code-2027/index.html"
NUIT_EN = "en/events/code-night-2027/index.html"
WEBINAR = "evenements/webinaire-recrutement-decembre-2026/index.html"
MONTREAL = "evenements/forum-carrieres-montreal-2027/index.html"
CANCELLED = "evenements/meetup-data-nantes-decembre-2026/index.html"
PAST = "evenements/portes-ouvertes-lyon-2026/index.html"


def events_ld(site, rel):
    return [block for block in json_ld(site / rel) if block.get("@type") == "Event"]


def text(doc, xpath):
    return " ".join(" ".join(doc.xpath(xpath + "//text()")).split())


def card_titles(doc, scope="//main"):
    return [" ".join(a.text_content().split()) for a in doc.xpath(scope + "//article[contains(@class,'event-card')]//a[1]")]


# --- Pages and JSON-LD -------------------------------------------------------


def test_rescheduled_hybrid_event_json_ld(site):
    (data,) = events_ld(site, NUIT)
    assert data["@context"] == "https://schema.org"
    assert data["name"] == "Nuit du code solidaire 2027"
    assert data["url"] == f"{PUBLIC}/evenements/nuit-du-code-2027/"
    assert data["startDate"] == "2027-03-27T20:00:00+01:00"
    assert data["endDate"] == "2027-03-28T04:00:00+02:00"
    assert data["eventStatus"] == SCHEMA + "EventRescheduled"
    assert data["previousStartDate"] == "2027-03-13T20:00:00+01:00"
    assert data["eventAttendanceMode"] == SCHEMA + "MixedEventAttendanceMode"
    place, virtual = data["location"]
    assert place["@type"] == "Place" and place["address"]["addressCountry"] == "FR"
    assert place["address"]["addressLocality"] == "Lyon" and place["address"]["postalCode"] == "69002"
    assert virtual == {"@type": "VirtualLocation", "url": "https://visio.cardamome.example/nuit-du-code"}
    assert data["organizer"] == {"@type": "Organization", "name": "Cardamome Conseil", "url": "https://www.cardamome.example"}
    offer = data["offers"]
    assert offer["@type"] == "Offer" and offer["price"] == 0 and offer["priceCurrency"] == "EUR"
    assert offer["url"] == "https://inscriptions.cardamome.example/nuit-du-code-2027"
    assert data["maximumAttendeeCapacity"] == 60


def test_json_ld_is_visible_on_the_page(site):
    doc = page(site / NUIT)
    (data,) = events_ld(site, NUIT)
    assert text(doc, "//h1") == data["name"]
    assert data["description"] in text(doc, "//main")
    times = doc.xpath("//dl[contains(@class,'event-facts')]//time/@datetime")
    assert times == [data["startDate"], data["endDate"]]
    facts = text(doc, "//dl[contains(@class,'event-facts')]")
    assert data["location"][0]["name"] in facts and "Cardamome Conseil" in facts
    assert doc.xpath(f"//a[@href='{data['location'][1]['url']}']")
    assert doc.xpath(f"//a[@href='{data['offers']['url']}']")


def test_online_event_has_a_virtual_location_only(site):
    (data,) = events_ld(site, WEBINAR)
    assert data["eventAttendanceMode"] == SCHEMA + "OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://visio.cardamome.example/recrutement-decembre"}
    assert data["eventStatus"] == SCHEMA + "EventScheduled"


def test_event_abroad_is_offline_in_its_own_zone(site):
    (data,) = events_ld(site, MONTREAL)
    assert data["eventAttendanceMode"] == SCHEMA + "OfflineEventAttendanceMode"
    assert data["startDate"] == "2027-02-04T10:00:00-05:00"
    assert data["location"]["address"]["addressCountry"] == "CA"
    doc = page(site / MONTREAL)
    facts = text(doc, "//dl[contains(@class,'event-facts')]")
    assert "jeudi 4 février 2027 à 10:00" in facts and "17:00" in facts
    assert "America/Montreal (UTC−05:00)" in facts
    # Candidates in France also see the time at home.
    assert "Heure de Paris (Europe/Paris) : jeudi 4 février 2027 à 16:00 – 23:00" in facts


def test_cancelled_event_keeps_its_page_with_status_and_no_offer(site):
    (data,) = events_ld(site, CANCELLED)
    assert data["eventStatus"] == SCHEMA + "EventCancelled"
    assert "offers" not in data
    doc = page(site / CANCELLED)
    assert "annulé" in text(doc, "//main//p[contains(@class,'notice')]")
    assert not doc.xpath("//a[contains(@href,'calendar.google.com')]"), "no invitation to add a cancelled event"
    assert doc.xpath("//a[@href='/evenements/meetup-data-nantes-decembre-2026/meetup-data-nantes-decembre-2026.ics']")


def test_past_event_is_noindex_without_markup(site):
    doc = page(site / PAST)
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex, nofollow"]
    assert events_ld(site, PAST) == []
    assert "a eu lieu" in text(doc, "//main")
    assert not doc.xpath("//a[contains(@href,'outlook.live.com')]")


def test_dst_crossing_event_shows_the_right_local_times(site):
    doc = page(site / NUIT)
    start, end = doc.xpath("//dl[contains(@class,'event-facts')]//time")
    assert start.get("datetime") == "2027-03-27T20:00:00+01:00" and start.text == "samedi 27 mars 2027 à 20:00"
    assert end.get("datetime") == "2027-03-28T04:00:00+02:00" and end.text == "dimanche 28 mars 2027 à 04:00"
    zone = text(doc, "//span[@class='event-zone']")
    assert "Europe/Paris" in zone and "UTC+01:00 au début, UTC+02:00 à la fin" in zone
    en = page(site / NUIT_EN)
    start, end = en.xpath("//dl[contains(@class,'event-facts')]//time")
    assert start.text == "Saturday 27 March 2027, 20:00" and end.text == "Sunday 28 March 2027, 04:00"
    assert "UTC+01:00 at the start, UTC+02:00 at the end" in text(en, "//span[@class='event-zone']")
    # The add-to-calendar links carry the real instants: 7 hours, not 8.
    google = en.xpath("//a[contains(@href,'calendar.google.com')]/@href")[0]
    assert parse_qs(urlsplit(google).query)["dates"] == ["20270327T190000Z/20270328T020000Z"]


def test_add_to_calendar_links_are_plain_prefilled_links(site):
    doc = page(site / WEBINAR)
    assert not doc.xpath("//script[@src]") and not doc.xpath("//iframe")
    google = urlsplit(doc.xpath("//a[contains(@href,'calendar.google.com')]/@href")[0])
    assert google.scheme == "https" and google.path == "/calendar/render"
    query = parse_qs(google.query)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Une heure pour comprendre notre recrutement"]
    assert query["dates"] == ["20261210T113000Z/20261210T123000Z"]
    assert query["ctz"] == ["Europe/Paris"]
    assert f"{PUBLIC}/evenements/webinaire-recrutement-decembre-2026/" in query["details"][0]
    outlook = urlsplit(doc.xpath("//a[contains(@href,'outlook.live.com')]/@href")[0])
    assert outlook.path == "/calendar/0/action/compose"
    query = parse_qs(outlook.query)
    assert query["rru"] == ["addevent"] and query["subject"] == ["Une heure pour comprendre notre recrutement"]
    assert query["startdt"] == ["2026-12-10T11:30:00Z"] and query["enddt"] == ["2026-12-10T12:30:00Z"]
    ics = doc.xpath("//a[@download][contains(@href,'.ics')]/@href")
    assert ics and all((site / href.lstrip("/")).is_file() for href in ics)


def test_translations_link_each_other(site):
    fr, en = page(site / NUIT), page(site / NUIT_EN)
    assert fr.xpath("//nav[contains(@class,'lang-switch')]//a[@hreflang='en']/@href") == ["/en/events/code-night-2027/"]
    assert en.xpath("//nav[contains(@class,'lang-switch')]//a[@hreflang='fr']/@href") == ["/evenements/nuit-du-code-2027/"]
    assert en.get("lang") == "en"


# --- Lists, home, sitemap ----------------------------------------------------


def test_upcoming_list_is_soonest_first_without_past_events(site):
    doc = page(site / "evenements" / "index.html")
    titles = card_titles(doc)
    assert titles == [
        "Meetup data à Nantes : qualité des données en production",
        "Une heure pour comprendre notre recrutement",
        "Forum des carrières numériques France-Québec à Montréal",
        "Nuit du code solidaire 2027",
    ]
    assert "Soirée portes ouvertes et meetup à Lyon" not in titles
    cancelled = doc.xpath("//article[contains(@class,'event-cancelled')]")
    assert len(cancelled) == 1 and "Annulé" in cancelled[0].text_content()
    assert doc.xpath("//a[@href='/evenements/archives/']")
    assert doc.xpath("//a[@href='webcal://carrieres.cardamome.example/evenements/calendrier.ics']")


def test_archive_lists_past_events_only(site):
    doc = page(site / "evenements" / "archives" / "index.html")
    assert card_titles(doc) == ["Soirée portes ouvertes et meetup à Lyon"]
    en = page(site / "en" / "events" / "archive" / "index.html")
    assert card_titles(en) == ["Open evening and meetup in Lyon"]


def test_english_list_falls_back_to_the_french_version(site):
    doc = page(site / "en" / "events" / "index.html")
    assert "Forum des carrières numériques France-Québec à Montréal" in card_titles(doc)
    assert "Code for good night 2027" in card_titles(doc)
    (montreal,) = doc.xpath("//article[contains(@class,'event-card')][.//a[contains(@href,'montreal')]]")
    assert montreal.get("lang") == "fr"


def test_home_shows_next_events_not_past_nor_cancelled(site):
    for home, expected in ((site / "index.html", "Une heure pour comprendre notre recrutement"),
                           (site / "en" / "index.html", "One hour to understand how we hire")):
        doc = page(home)
        section = doc.xpath("//section[@aria-labelledby='home-events']")
        assert section, home
        titles = card_titles(doc, "//section[@aria-labelledby='home-events']")
        assert titles[0] == expected
        assert len(titles) == 3
        assert not any("portes ouvertes" in t.lower() or "open evening" in t.lower() for t in titles)
        assert not any("meetup" in t.lower() for t in titles)


def test_main_menu_links_the_events(site):
    doc = page(site / "index.html")
    nav = doc.xpath("//nav[contains(@class,'main-nav')]//a/@href")
    assert "/evenements/" in nav
    assert nav.index("/evenements/") < nav.index("/articles/")


def test_sitemap_has_upcoming_events_not_past_ones(site):
    tree = etree.parse(str(site / "sitemap.xml"))
    locs = set(tree.xpath("//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}))
    assert f"{PUBLIC}/evenements/nuit-du-code-2027/" in locs
    assert f"{PUBLIC}/en/events/code-night-2027/" in locs
    assert f"{PUBLIC}/evenements/" in locs and f"{PUBLIC}/en/events/archive/" in locs
    assert f"{PUBLIC}/evenements/portes-ouvertes-lyon-2026/" not in locs


def test_contract_attributes(tmp_path):
    generator, report = load_events(tmp_path=tmp_path)
    events = generator.context["events"]
    assert len(events) == 9 and not report.errors
    upcoming = generator.context["upcoming_events"]
    assert [e.start for e in upcoming] == sorted(e.start for e in upcoming)
    assert all(not e.is_past for e in upcoming) and any(e.is_cancelled for e in upcoming)
    nuit = next(e for e in events if e.slug == "nuit-du-code-2027")
    assert nuit.segments == ["juniors", "silver-medalists", "data-lyon"]
    assert nuit.timezone.key == "Europe/Paris" and nuit.start.tzinfo is nuit.timezone
    assert nuit.ics_url == "evenements/nuit-du-code-2027/nuit-du-code-2027.ics"
    assert (nuit.sequence, nuit.capacity, nuit.status) == (1, 60, "rescheduled")
    assert nuit.online_url and nuit.venue and nuit.address == "18 rue des Tisserands"


# --- Validation ----------------------------------------------------------------

BROKEN = """Title: Atelier mal renseigné
Slug: atelier-mal-renseigne
Lang: fr
Date: 2026-11-01 10:00
Start: 2027-01-14 18:30
End: 2027-01-14 17:00
Timezone: Europe/Pariss
Capacity: beaucoup
Status: reporte
Segments: Data Lyon

Un atelier.
"""

DST_GAP = """Title: Atelier à une heure qui n'existe pas
Slug: atelier-heure-fantome
Lang: fr
Date: 2026-11-01 10:00
Start: 2027-03-28 02:30
End: 2027-03-28 05:00
Timezone: Europe/Paris
Online_url: https://visio.cardamome.example/fantome

Un atelier.
"""

MISMATCH = """Title: Code for good night 2027
Slug: code-night-2027
Reference: nuit-du-code-2027
Lang: en
Date: 2026-10-15 09:00
Start: 2027-03-27 21:00
End: 2027-03-28 04:00
Timezone: Europe/Paris
Online_url: https://visio.cardamome.example/nuit-du-code
Status: rescheduled
Revision: 1
Previous_start: 2027-03-13 20:00

Body.
"""


def test_bad_events_fail_the_build_once_with_every_problem(tmp_path):
    content = content_with_events_only(tmp_path)
    (content / "events" / "atelier-mal-renseigne.md").write_text(BROKEN, encoding="utf-8")
    (content / "events" / "atelier-heure-fantome.md").write_text(DST_GAP, encoding="utf-8")
    (content / "events" / "en" / "nuit-du-code-2027.md").write_text(MISMATCH, encoding="utf-8")
    result = run_pelican(content, tmp_path / "out")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for expected in (
        "events/atelier-mal-renseigne.md:7: timezone: 'Europe/Pariss' is not an IANA time zone name",
        "events/atelier-mal-renseigne.md:8: capacity: 'beaucoup' is not a whole number",
        "events/atelier-mal-renseigne.md:10: segments: 'Data Lyon' is not a valid segment name",
        "events/atelier-mal-renseigne.md: venue: an event needs a Venue",
        "events/atelier-mal-renseigne.md:9: previous_start: a rescheduled event must say when it was planned before",
        "events/atelier-heure-fantome.md:5: start: 2027-03-28 02:30 does not exist in Europe/Paris",
        "events/en/nuit-du-code-2027.md:6: start: differs from its translation",
    ):
        assert expected in output, f"missing {expected!r} in:\n{output}"
    assert not (tmp_path / "out" / "index.html").exists()


def test_end_before_start_is_reported_with_a_fix(tmp_path):
    content = tmp_path / "content"
    (content / "events").mkdir(parents=True)
    (content / "events" / "a.md").write_text(BROKEN.replace("Europe/Pariss", "Europe/Paris"), encoding="utf-8")
    _, report = load_events(content, tmp_path)
    messages = [p.format(str(content)) for p in report.errors]
    assert any(m.startswith("events/a.md:6: end: the event ends (2027-01-14 17:00) before it starts") and "End: 2027-01-14 20:30" in m for m in messages), messages
    # Aliases are accepted: 'reporte' means rescheduled, which then needs a revision.
    assert any("revision: a rescheduled event must have Revision 1 or more" in m for m in messages), messages


# --- vivier new event ------------------------------------------------------------


def test_vivier_new_event_writes_a_file_that_builds(tmp_path):
    project = tmp_path / "site"
    (project / "content").mkdir(parents=True)
    (project / "pelicanconf.py").write_text((ROOT / "pelicanconf.py").read_text(encoding="utf-8"), encoding="utf-8")
    (project / "theme").symlink_to(ROOT / "theme")
    cmd = [sys.executable, "-m", "vivier", "-s", str(project / "pelicanconf.py"), "new", "event", "Petit-déjeuner des alternants"]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path == project / "content" / "events" / "petit-dejeuner-des-alternants.md"
    written = path.read_text(encoding="utf-8")
    for field in ("Title: Petit-déjeuner des alternants", "Start: 2026-12-22 18:30", "Timezone: Europe/Paris", "Segments:", "Revision: 0"):
        assert field in written, written
    generator, report = load_events(project / "content", tmp_path / "out")
    assert not report.errors, [p.format() for p in report.errors]
    (event,) = generator.events
    assert event.title == "Petit-déjeuner des alternants" and event.url == "evenements/petit-dejeuner-des-alternants/"
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "already exists" in again.stdout + again.stderr


MINIMAL = """Title: Sans résumé
Date: 2026-11-01 10:00
Start: 2027-01-14 18:30
End: 2027-01-14 20:00
Online_url: https://visio.cardamome.example/sans-resume

## Programme

Une présentation <em>courte</em> & des questions.
"""


def test_minimal_event_gets_defaults_and_a_plain_summary(tmp_path):
    content = tmp_path / "content"
    (content / "events").mkdir(parents=True)
    (content / "events" / "sans-resume.md").write_text(MINIMAL, encoding="utf-8")
    generator, report = load_events(content, tmp_path)
    assert not report.errors, [p.format() for p in report.errors]
    (event,) = generator.events
    assert (event.lang, event.slug, event.reference, event.status, event.revision) == ("fr", "sans-resume", "sans-resume", "scheduled", 0)
    assert event.timezone.key == "Europe/Paris" and event.segments == [] and event.free is True
    # No heading from the body leaks into lists: the summary is the first paragraph, as text.
    assert event.summary == "<p>Une présentation courte &amp; des questions.</p>"


def test_an_event_is_upcoming_until_the_end_of_its_last_day(tmp_path, monkeypatch):
    def state(day):
        monkeypatch.setenv("VIVIER_TODAY", day)
        generator, _ = load_events(tmp_path=tmp_path)
        meetup = next(e for e in generator.events if e.slug == "meetup-data-nantes-decembre-2026")
        return meetup.is_past, meetup in generator.context["upcoming_events"]

    assert state("2026-12-03") == (False, True)
    assert state("2026-12-04") == (True, False)
