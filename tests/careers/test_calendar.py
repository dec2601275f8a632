"""careers.calendar: RFC 5545 files read back with the icalendar package."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Timezone

from careers.calendar import event_to_ical, feed_to_ical
from careers.event_display import calendar_details
from careers.event_vtimezone import transitions, vtimezone
from careers.settings import SettingsError
from tests.careers.test_events_support import by_reference, load_events, parse_ics

UTC = dt.timezone.utc
ORGANIZER = "mailto:evenements@cardamome.example"
HOST = "carrieres.cardamome.example"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    generator, report = load_events(tmp_path=tmp_path_factory.mktemp("out"))
    assert not report.errors, [p.format() for p in report.errors]
    return generator


def ics_files(site):
    files = sorted(site.rglob("*.ics"))
    assert files, "the sample site has no .ics file"
    return files


def check_wire_format(data: bytes, name: str) -> None:
    """CRLF only, every physical line at most 75 octets, folds never split a character."""
    assert data.endswith(b"\r\n"), name
    assert b"\n" not in data.replace(b"\r\n", b""), f"{name}: bare LF"
    assert b"\r" not in data.replace(b"\r\n", b""), f"{name}: bare CR"
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, f"{name}: {len(line)} octets: {line!r}"
        line.decode("utf-8")  # a fold in the middle of a UTF-8 sequence would fail here


def test_every_ics_of_the_site_is_valid_rfc5545_with_method_publish(site):
    for path in ics_files(site):
        name = str(path.relative_to(site))
        data = path.read_bytes()
        check_wire_format(data, name)
        cal = parse_ics(data)
        assert cal.name == "VCALENDAR"
        assert str(cal["VERSION"]) == "2.0" and cal.get("PRODID"), name
        assert str(cal["METHOD"]) == "PUBLISH", name
        events = cal.walk("VEVENT")
        assert events, name
        zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
        for event in events:
            assert "@" + HOST in str(event["UID"]), name
            stamp = event.decoded("DTSTAMP")
            assert stamp.tzinfo is not None and stamp.utcoffset() == dt.timedelta(0), name
            assert isinstance(event.decoded("SEQUENCE"), int), name
            assert str(event["ORGANIZER"]) == ORGANIZER and event["ORGANIZER"].params["CN"], name
            assert "ATTENDEE" not in event, f"{name}: a public calendar names no attendee"
            assert str(event["STATUS"]) in ("CONFIRMED", "CANCELLED"), name
            for prop in ("DTSTART", "DTEND"):
                tzid = event[prop].params.get("TZID")
                assert tzid, f"{name}: {prop} without TZID"
                assert tzid in zones, f"{name}: TZID {tzid} has no VTIMEZONE"
            assert event.decoded("DTEND") > event.decoded("DTSTART"), name
        assert not cal.get_missing_tzids(), name


def test_long_lines_are_folded_and_unfold_to_the_original_text(sample, site):
    event = by_reference(sample.events, "nuit-du-code-2027")
    data = (site / event.ics_url).read_bytes()
    assert b"\r\n " in data, "the long DESCRIPTION should be folded"
    parsed = parse_ics(data).walk("VEVENT")[0]
    assert str(parsed["DESCRIPTION"]) == calendar_details(event, sample.settings)
    assert "é" in str(parsed["DESCRIPTION"])  # multi-byte text survives folding


def test_uid_is_stable_shared_by_translations_and_independent_of_the_machine(sample, site):
    fr = by_reference(sample.events, "meetup-data-nantes-2026-12", "fr")
    en = by_reference(sample.events, "meetup-data-nantes-2026-12", "en")
    uid = f"meetup-data-nantes-2026-12@{HOST}"
    assert fr.uid == en.uid == uid
    for event in (fr, en):
        parsed = parse_ics((site / event.ics_url).read_bytes()).walk("VEVENT")[0]
        assert str(parsed["UID"]) == uid


def test_cancelled_event_keeps_uid_bumps_sequence_and_says_cancelled(sample, site):
    event = by_reference(sample.events, "meetup-data-nantes-2026-12")
    assert event.status == "cancelled" and event.revision == 0
    parsed = parse_ics((site / event.ics_url).read_bytes()).walk("VEVENT")[0]
    assert str(parsed["STATUS"]) == "CANCELLED"
    assert parsed.decoded("SEQUENCE") == 1  # revision 0, plus one for the cancellation
    assert str(parsed["SUMMARY"]).startswith("Annulé : ")
    feed = parse_ics((site / "evenements" / "calendrier.ics").read_bytes())
    in_feed = [e for e in feed.walk("VEVENT") if str(e["UID"]) == event.uid]
    assert len(in_feed) == 1 and str(in_feed[0]["STATUS"]) == "CANCELLED"


def test_sequence_follows_revision(sample):
    rescheduled = by_reference(sample.events, "nuit-du-code-2027")
    plain = by_reference(sample.events, "webinaire-recrutement-2026-12")
    assert parse_ics(event_to_ical(rescheduled, sample.settings)).walk("VEVENT")[0].decoded("SEQUENCE") == 1
    assert parse_ics(event_to_ical(plain, sample.settings)).walk("VEVENT")[0].decoded("SEQUENCE") == 0


def test_dtstamp_comes_from_the_file_so_output_is_deterministic(sample):
    modified = by_reference(sample.events, "meetup-data-nantes-2026-12")  # Modified: 2026-11-18 14:00 (Paris)
    announced = by_reference(sample.events, "webinaire-recrutement-2026-12")  # no Modified; Date: 2026-11-05 09:00
    first = event_to_ical(modified, sample.settings)
    assert first == event_to_ical(modified, sample.settings)
    assert parse_ics(first).walk("VEVENT")[0].decoded("DTSTAMP") == dt.datetime(2026, 11, 18, 13, 0, tzinfo=UTC)
    stamp = parse_ics(event_to_ical(announced, sample.settings)).walk("VEVENT")[0].decoded("DTSTAMP")
    assert stamp == dt.datetime(2026, 11, 5, 8, 0, tzinfo=UTC)


def test_dst_crossing_event_keeps_its_local_times_and_real_duration(sample, site):
    event = by_reference(sample.events, "nuit-du-code-2027")
    data = (site / event.ics_url).read_bytes()
    assert b"DTSTART;TZID=Europe/Paris:20270327T200000\r\n" in data
    assert b"DTEND;TZID=Europe/Paris:20270328T040000\r\n" in data
    parsed = parse_ics(data).walk("VEVENT")[0]
    start, end = parsed.decoded("DTSTART"), parsed.decoded("DTEND")
    assert start.astimezone(UTC) == dt.datetime(2027, 3, 27, 19, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == dt.datetime(2027, 3, 28, 2, 0, tzinfo=UTC)
    # Same-zone subtraction in Python counts wall-clock hours (8); real time is 7 hours.
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=7)
    # The shipped VTIMEZONE states the change at 02:00 local (+01:00), as RFC 5545 wants.
    vtz = parse_ics(data).walk("VTIMEZONE")[0]
    daylight = [c for c in vtz.walk("DAYLIGHT")]
    assert [c.decoded("DTSTART") for c in daylight] == [dt.datetime(2027, 3, 28, 2, 0)]
    assert daylight[0].decoded("TZOFFSETFROM") == dt.timedelta(hours=1)
    assert daylight[0].decoded("TZOFFSETTO") == dt.timedelta(hours=2)


def test_event_abroad_ships_its_own_vtimezone(sample, site):
    event = by_reference(sample.events, "forum-carrieres-montreal-2027")
    cal = parse_ics((site / event.ics_url).read_bytes())
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/Montreal"]
    parsed = cal.walk("VEVENT")[0]
    assert parsed["DTSTART"].params["TZID"] == "America/Montreal"
    assert parsed.decoded("DTSTART").astimezone(UTC) == dt.datetime(2027, 2, 4, 15, 0, tzinfo=UTC)
    assert str(parsed["LOCATION"]).endswith("H2K 1E4 Montréal")


@pytest.mark.parametrize("key", ["Europe/Paris", "America/Montreal", "Australia/Sydney", "Asia/Tokyo", "Europe/Lisbon"])
def test_vtimezone_onsets_match_the_iana_database(key):
    zone = ZoneInfo(key)
    first, last = dt.date(2026, 1, 1), dt.date(2028, 1, 1)
    component = Timezone.from_ical(vtimezone(zone, first, last).to_ical())
    changes = set(transitions(zone, first, last))
    onsets = []
    for part in component.subcomponents:
        before, after = part.decoded("TZOFFSETFROM"), part.decoded("TZOFFSETTO")
        rdates = part.get("RDATE", [])
        rdates = rdates if isinstance(rdates, list) else [rdates]
        local_onsets = [part.decoded("DTSTART")] + [d.dt for rdate in rdates for d in rdate.dts]
        for local in local_onsets:
            instant = (local - before).replace(tzinfo=UTC)
            onsets.append(instant)
            assert instant.astimezone(zone).utcoffset() == after, (key, local)
            assert part.name == ("DAYLIGHT" if instant.astimezone(zone).dst() else "STANDARD")
    # Every real change is announced, and nothing else (the first onset opens the range).
    assert changes == set(onsets) - {min(onsets)}
    if key in ("Europe/Paris", "America/Montreal", "Asia/Tokyo"):
        # A third-party reader of the VTIMEZONE agrees with the IANA database, hour by hour.
        tz = component.to_tz(lookup_tzid=False)
        moment = dt.datetime(2026, 1, 1, 12, tzinfo=UTC)
        while moment < dt.datetime(2027, 12, 31, tzinfo=UTC):
            assert moment.astimezone(tz).utcoffset() == moment.astimezone(zone).utcoffset(), moment
            moment += dt.timedelta(hours=1)


def test_subscribable_feed_lists_upcoming_events_once_in_its_language(sample, site):
    fr = parse_ics((site / "evenements" / "calendrier.ics").read_bytes())
    en = parse_ics((site / "en" / "events" / "calendar.ics").read_bytes())
    upcoming = {e.uid for e in sample.context["upcoming_events"]}
    past = {e.uid for e in sample.events if e.is_past}
    assert past and upcoming
    for cal, lang in ((fr, "fr"), (en, "en")):
        assert str(cal["METHOD"]) == "PUBLISH"
        assert cal.get("X-WR-CALNAME") and cal.get("REFRESH-INTERVAL")
        uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
        assert len(uids) == len(set(uids)), "one VEVENT per event"
        assert set(uids) == upcoming and not set(uids) & past
        assert not cal.get_missing_tzids()
        assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {"Europe/Paris", "America/Montreal"}
    summaries = {str(e["UID"]): str(e["SUMMARY"]) for e in en.walk("VEVENT")}
    assert summaries[f"nuit-du-code-2027@{HOST}"] == "Code for good night 2027"
    # The Montréal fair exists in French only: the English calendar carries it in French.
    assert summaries[f"forum-carrieres-montreal-2027@{HOST}"].startswith("Forum des carrières")


def test_request_is_a_personal_invitation_to_one_attendee(sample):
    event = by_reference(sample.events, "webinaire-recrutement-2026-12")
    public = parse_ics(event_to_ical(event, sample.settings)).walk("VEVENT")[0]
    data = event_to_ical(event, sample.settings, method="REQUEST", attendee=("lea.martin@exemple.example", "Léa Martin"))
    check_wire_format(data, "invitation")
    cal = parse_ics(data)
    assert str(cal["METHOD"]) == "REQUEST"
    vevent = cal.walk("VEVENT")[0]
    attendees = vevent.get("ATTENDEE")
    assert not isinstance(attendees, list), "exactly one ATTENDEE"
    assert str(attendees) == "mailto:lea.martin@exemple.example"
    assert attendees.params["RSVP"] == "TRUE" and attendees.params["CN"] == "Léa Martin"
    assert attendees.params["PARTSTAT"] == "NEEDS-ACTION" and attendees.params["ROLE"] == "REQ-PARTICIPANT"
    assert str(vevent["ORGANIZER"]) == ORGANIZER
    assert str(vevent["UID"]) == str(public["UID"])
    assert vevent.decoded("SEQUENCE") == public.decoded("SEQUENCE")
    assert str(vevent["STATUS"]) == "CONFIRMED"


def test_cancel_keeps_uid_with_a_higher_sequence(sample):
    scheduled = by_reference(sample.events, "webinaire-recrutement-2026-12")
    cancel = parse_ics(event_to_ical(scheduled, sample.settings, method="CANCEL", attendee=("lea.martin@exemple.example", "Léa Martin")))
    assert str(cancel["METHOD"]) == "CANCEL"
    vevent = cancel.walk("VEVENT")[0]
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["UID"]) == scheduled.uid
    assert vevent.decoded("SEQUENCE") == scheduled.sequence + 1
    assert str(vevent["ATTENDEE"]) == "mailto:lea.martin@exemple.example"
    # An event already marked cancelled has its SEQUENCE bumped once, not twice.
    cancelled = by_reference(sample.events, "meetup-data-nantes-2026-12")
    again = parse_ics(event_to_ical(cancelled, sample.settings, method="CANCEL", attendee=("a@exemple.example", "A")))
    assert again.walk("VEVENT")[0].decoded("SEQUENCE") == cancelled.revision + 1


def test_messages_name_their_sender_and_stamp_when_they_are_made(sample):
    """An event file without Modified: the update and the cancellation still move DTSTAMP and LAST-MODIFIED."""
    event = by_reference(sample.events, "webinaire-recrutement-2026-12")  # no Modified; Date: 2026-11-05 09:00
    who = ("lea.martin@exemple.example", "Léa Martin")
    invite_at = dt.datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    update_at, cancel_at = invite_at + dt.timedelta(days=3), invite_at + dt.timedelta(days=8)
    messages = [
        event_to_ical(event, sample.settings, method="REQUEST", attendee=who, sent_by="carrieres@cardamome.example", stamp=invite_at),
        event_to_ical(event, sample.settings, method="REQUEST", attendee=who, sent_by="carrieres@cardamome.example",
                      stamp=update_at, changed=update_at),
        event_to_ical(event, sample.settings, method="CANCEL", attendee=who, sent_by="carrieres@cardamome.example",
                      stamp=cancel_at, changed=cancel_at),
    ]
    vevents = [parse_ics(data).walk("VEVENT")[0] for data in messages]
    assert [v.decoded("DTSTAMP") for v in vevents] == [invite_at, update_at, cancel_at]
    assert [v.decoded("LAST-MODIFIED") for v in vevents] == [dt.datetime(2026, 11, 5, 8, 0, tzinfo=UTC), update_at, cancel_at]
    for vevent in vevents:
        assert str(vevent["ORGANIZER"]) == ORGANIZER
        assert vevent["ORGANIZER"].params["SENT-BY"] == "mailto:carrieres@cardamome.example"
    same = parse_ics(event_to_ical(event, sample.settings, method="REQUEST", attendee=who, sent_by="Evenements@cardamome.example"))
    assert "SENT-BY" not in same.walk("VEVENT")[0]["ORGANIZER"].params  # the organizer sends it itself
    public = parse_ics(event_to_ical(event, sample.settings)).walk("VEVENT")[0]
    assert "SENT-BY" not in public["ORGANIZER"].params


def test_wrong_calls_are_refused(sample):
    event = by_reference(sample.events, "webinaire-recrutement-2026-12")
    cancelled = by_reference(sample.events, "meetup-data-nantes-2026-12")
    with pytest.raises(ValueError, match="needs attendee"):
        event_to_ical(event, sample.settings, method="REQUEST")
    with pytest.raises(ValueError, match="no attendee"):
        event_to_ical(event, sample.settings, attendee=("a@exemple.example", "A"))
    with pytest.raises(ValueError, match="method must be"):
        event_to_ical(event, sample.settings, method="REPLY", attendee=("a@exemple.example", "A"))
    with pytest.raises(ValueError, match="CANCEL"):
        event_to_ical(cancelled, sample.settings, method="REQUEST", attendee=("a@exemple.example", "A"))


def test_missing_organizer_setting_is_named(sample):
    event = by_reference(sample.events, "webinaire-recrutement-2026-12")
    settings = dict(sample.settings, EVENTS_ORGANIZER=None)
    with pytest.raises(SettingsError, match="EVENTS_ORGANIZER"):
        event_to_ical(event, settings)


def test_feed_of_nothing_is_still_a_valid_calendar(sample):
    data = feed_to_ical([], sample.settings, name="Vide", description="Aucun événement", url="evenements/calendrier.ics")
    cal = Calendar.from_ical(data)
    assert str(cal["METHOD"]) == "PUBLISH" and not cal.walk("VEVENT")


def test_rebuilding_gives_the_same_bytes(sample, site):
    # The site was built by another process, earlier: same content, same calendars.
    for event in sample.events:
        assert event_to_ical(event, sample.settings) == (site / event.ics_url).read_bytes(), event.ics_url


def test_remembered_transitions_equal_a_fresh_search_and_stay_the_callers_own():
    from careers import event_vtimezone

    zone, first, last = ZoneInfo("Europe/Paris"), dt.date(2026, 1, 1), dt.date(2028, 1, 1)
    fresh = list(event_vtimezone._transitions.__wrapped__(zone, first, last))  # the search itself, not remembered
    assert len(fresh) == 4  # two changes a year
    found = transitions(zone, first, last)
    assert found == fresh
    found.clear()  # a caller's list is its own
    assert transitions(zone, first, last) == fresh
    assert event_vtimezone._transitions.cache_info().hits >= 1
