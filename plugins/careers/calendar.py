"""RFC 5545 calendar files for events: public downloads, the subscribable feed, invitations.

One function writes every VEVENT, so a page's `.ics`, the feed and a personal
invitation (RFC 5546 REQUEST / CANCEL) always agree on UID, SEQUENCE and
times. Output is deterministic: DTSTAMP comes from the event file's
`Modified` (or `Date`), never from the clock, and each TZID used ships its
VTIMEZONE. icalendar writes CRLF line endings and folds lines at 75 octets.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from icalendar import Calendar, vCalAddress, vText, vUri
from icalendar import Event as VEvent

from .event_display import calendar_details, location_text
from .event_vtimezone import span, vtimezone
from .i18n import translator
from .urls import absolute

METHODS = ("PUBLISH", "REQUEST", "CANCEL")
UTC = dt.timezone.utc


def organizer(settings) -> tuple[str, str]:
    """(name, email) from EVENTS_ORGANIZER; the build refuses events without it."""
    value = settings.get("EVENTS_ORGANIZER") or {}
    name, email = value.get("name"), value.get("email")
    if not (name and email and "@" in email):
        from .settings import SettingsError

        raise SettingsError(
            'EVENTS_ORGANIZER must be {"name": ..., "email": ...} in pelicanconf.py '
            f"(calendar files and invitations name an organizer), not {value!r}"
        )
    return name, email


def _address(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = vText(value)
    return address


def _vevent(event, settings, method: str, attendee, *, sent_by: str | None = None, stamp: dt.datetime | None = None,
            changed: dt.datetime | None = None) -> VEvent:
    t = translator(settings["THEME"], settings["DEFAULT_LANG"])
    cancelled = method == "CANCEL" or event.status == "cancelled"
    sequence = event.sequence
    if method == "CANCEL" and event.status != "cancelled":
        sequence += 1  # withdrawing a still-scheduled event is itself a change
    component = VEvent()
    component.add("uid", event.uid)
    component.add("dtstamp", (stamp or event.dtstamp).astimezone(UTC))
    component.add("sequence", sequence)
    component.add("dtstart", event.start)
    component.add("dtend", event.end)
    title = t("events.cancelled_prefix", event.lang, title=event.title) if cancelled else event.title
    component.add("summary", title)
    component.add("description", calendar_details(event, settings))
    location = location_text(event)
    if location:
        component.add("location", location)
    component.add("url", vUri(absolute(settings, event.url)), parameters={"VALUE": "URI"})
    if event.online_url:
        component.add(
            "conference", vUri(event.online_url),
            parameters={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": t("events.join_online", event.lang)},
        )
    component.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    component.add("transp", "OPAQUE")
    component.add("class", "PUBLIC")
    component.add("created", event.date.astimezone(UTC))
    component.add("last-modified", max(event.dtstamp, changed or event.dtstamp).astimezone(UTC))
    name, email = organizer(settings)
    if sent_by and sent_by.strip().lower() != email.lower():
        # RFC 5545 §3.2.18: the message comes from another address than the organizer's.
        component.add("organizer", _address(email, name, sent_by=f"mailto:{sent_by.strip()}"))
    else:
        component.add("organizer", _address(email, name))
    if attendee is not None:
        attendee_email, attendee_name = attendee
        component.add(
            "attendee",
            _address(attendee_email, attendee_name or attendee_email, cutype="INDIVIDUAL",
                     role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="TRUE"),
        )
    return component


def _calendar(settings, method: str, vevents: list[VEvent], zones, **extra) -> bytes:
    cal = Calendar()
    company = settings["CAREERS_COMPANY"]["name"]
    cal.add("prodid", f"-//{company}//Vivier//{settings['DEFAULT_LANG'].upper()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    for key, value in extra.items():
        params = {"VALUE": "DURATION"} if isinstance(value, dt.timedelta) else {}
        cal.add(key.replace("_", "-"), value, parameters=params)
    by_key = {}
    for start, end in zones:
        if getattr(start.tzinfo, "key", None):
            by_key.setdefault(start.tzinfo.key, (start.tzinfo, []))[1].extend((start, end))
    for key in sorted(by_key):
        zone, moments = by_key[key]
        first, last = span(moments)
        cal.add_component(vtimezone(zone, first, last))
    for component in vevents:
        cal.add_component(component)
    missing = cal.get_missing_tzids()
    if missing:  # every TZID must ship its VTIMEZONE
        raise ValueError(f"no VTIMEZONE for {sorted(missing)}")
    return cal.to_ical()


def event_to_ical(event, settings, *, method: str = "PUBLISH", attendee: tuple[str, str] | None = None,
                  sent_by: str | None = None, stamp: dt.datetime | None = None, changed: dt.datetime | None = None) -> bytes:
    """One event as RFC 5545 bytes.

    PUBLISH (public download): ORGANIZER, no ATTENDEE. REQUEST (an invitation)
    and CANCEL need `attendee=(email, name)`: that member is the one ATTENDEE,
    with RSVP=TRUE. CANCEL keeps the UID, carries STATUS:CANCELLED and a
    SEQUENCE above any sent for the event while it was scheduled.

    For messages (RFC 5546): `sent_by`, the address the email comes from,
    becomes ORGANIZER's SENT-BY when it is not the organizer's own; `stamp`
    (when the message is made) is the DTSTAMP; `changed` (when an update or
    a cancellation was decided) moves LAST-MODIFIED forward. Without them,
    both come from the event file's `Modified` (or `Date`).
    """
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if method == "PUBLISH" and attendee is not None:
        raise ValueError("a published calendar (METHOD:PUBLISH) names no attendee")
    if method != "PUBLISH":
        if not attendee or not attendee[0] or "@" not in attendee[0]:
            raise ValueError(f"METHOD:{method} needs attendee=(email, name)")
        if method == "REQUEST" and event.status == "cancelled":
            raise ValueError(f"{event.title!r} is cancelled: send method='CANCEL', not an invitation")
    vevent = _vevent(event, settings, method, attendee, sent_by=sent_by, stamp=stamp, changed=changed)
    return _calendar(settings, method, [vevent], [(event.start, event.end)])


def feed_to_ical(events: Iterable, settings, *, name: str, description: str, url: str) -> bytes:
    """The subscribable calendar: every given event, METHOD:PUBLISH, refreshed twice a day."""
    events = list(events)
    vevents = [_vevent(event, settings, "PUBLISH", None) for event in events]
    return _calendar(
        settings, "PUBLISH", vevents, [(e.start, e.end) for e in events],
        name=name, x_wr_calname=name, x_wr_caldesc=description,
        source=vUri(absolute(settings, url)),
        refresh_interval=dt.timedelta(hours=12), x_published_ttl="PT12H",
    )
