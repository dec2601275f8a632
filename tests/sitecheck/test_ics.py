"""Public calendars parse with icalendar and follow RFC 5545 / 5546."""

from __future__ import annotations

import re

from sitecheck import Site, ics

from tests.sitecheck.conftest import FAST, PUBLIC, page_html, site_check

GOOD = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Cardamome Conseil//Vivier//FR", "METHOD:PUBLISH",
    "BEGIN:VTIMEZONE", "TZID:Europe/Paris",
    "BEGIN:STANDARD", "DTSTART:19701025T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "END:STANDARD",
    "END:VTIMEZONE",
    "BEGIN:VEVENT", "UID:portes-ouvertes-lyon-2026@carrieres.cardamome.example", "DTSTAMP:20261101T090000Z",
    "DTSTART;TZID=Europe/Paris:20261203T183000", "DTEND;TZID=Europe/Paris:20261203T210000",
    "SUMMARY:Portes ouvertes à Lyon", "ORGANIZER;CN=Cardamome Conseil:mailto:carrieres@cardamome.example",
    "END:VEVENT", "END:VCALENDAR", "",
])


def problems_of(mini_site, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    root = mini_site({"index.html": page_html("<p>x</p>"), "evenements/calendrier.ics": data})
    found, count, _ = ics.run(Site(root, PUBLIC))
    assert count == 1
    return [p.format() for p in found]


def test_make_check_fails_on_an_invalid_ics(site_copy):
    calendars = sorted(site_copy.rglob("*.ics"))
    assert calendars, "the sample site publishes no .ics"
    target = calendars[0]
    target.write_bytes(target.read_bytes().replace(b"\r\n", b"\n"))

    result = site_check(site_copy, "--skip", FAST)

    rel = target.relative_to(site_copy).as_posix()
    assert result.exit_code == 1, result.output
    assert f"{rel}:1: lines must end with CRLF (\\r\\n); found a bare LF or CR" in result.output
    assert "✗ ics" in result.output


def test_a_good_calendar_passes(mini_site):
    assert problems_of(mini_site, GOOD) == []


def test_garbage_is_not_a_calendar(mini_site):
    found = problems_of(mini_site, "Portes ouvertes le 3 décembre\r\n")
    assert len(found) == 1 and found[0].startswith("evenements/calendrier.ics: not a valid iCalendar file: ")


def test_missing_vtimezone_uid_dtstamp_and_attendee_are_errors(mini_site):
    text = re.sub(r"BEGIN:VTIMEZONE.*?END:VTIMEZONE\r\n", "", GOOD, flags=re.S)
    text = text.replace("UID:portes-ouvertes-lyon-2026@carrieres.cardamome.example\r\n", "")
    text = text.replace("DTSTAMP:20261101T090000Z\r\n", "ATTENDEE:mailto:lea.martin@cardamome.example\r\n")
    messages = [m.split(" — fix:")[0] for m in problems_of(mini_site, text)]
    assert messages == [
        "evenements/calendrier.ics: VEVENT ?: UID is missing",
        "evenements/calendrier.ics: VEVENT ?: DTSTAMP is missing",
        "evenements/calendrier.ics: VEVENT ?: a published calendar must not list an ATTENDEE (personal data)",
        "evenements/calendrier.ics: TZID Europe/Paris is used but the calendar has no VTIMEZONE for it",
    ]


def test_method_must_be_publish_and_lines_folded(mini_site):
    text = GOOD.replace("METHOD:PUBLISH", "METHOD:REQUEST").replace("SUMMARY:Portes ouvertes à Lyon", "SUMMARY:" + "Portes ouvertes " * 6)
    messages = [m.split(" — fix:")[0] for m in problems_of(mini_site, text)]
    assert "evenements/calendrier.ics:18: line is 104 octets long; fold lines at 75 octets" in messages
    assert any("METHOD is REQUEST; a published .ics must be METHOD:PUBLISH" in m for m in messages)
