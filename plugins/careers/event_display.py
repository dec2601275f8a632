"""How an event reads to people: local dates and times, the zone, the place, calendar links.

Times are always shown in the event's own time zone, named with its UTC
offset (both offsets when the event crosses a clock change), and, for an
event abroad, repeated in the site's time zone. The add-to-calendar links are
plain links built here: nothing is requested until the visitor clicks.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import urlencode, quote

from .urls import absolute

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/action/compose"

_TAG_RE = re.compile(r"<[^>]+>")


def plain_text(markup: str | None) -> str:
    """Text of a bit of HTML (summaries), for calendars and JSON-LD."""
    if not markup:
        return ""
    text = _TAG_RE.sub("", str(markup))
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def utc_offset(value: dt.datetime) -> str:
    """'+01:00', '−05:00' (with a real minus sign), '±00:00' written '+00:00'."""
    offset = value.utcoffset() or dt.timedelta()
    sign = "−" if offset < dt.timedelta() else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def long_datetime(t, lang: str, value: dt.datetime) -> str:
    """'samedi 27 mars 2027 à 20:00' / 'Saturday 27 March 2027, 20:00'."""
    weekdays = [w.strip() for w in t("events.weekdays", lang).split(",")]
    months = [m.strip() for m in t("dates.months", lang).split(",")]
    return t(
        "events.datetime", lang,
        weekday=weekdays[value.weekday()], day=value.day, month=months[value.month - 1],
        year=value.year, time=value.strftime("%H:%M"),
    )


def when(t, lang: str, start: dt.datetime, end: dt.datetime) -> dict[str, str]:
    """The start and end as shown on pages and in emails; end is short on the same day."""
    start_text = long_datetime(t, lang, start)
    end_text = end.strftime("%H:%M") if end.date() == start.date() else long_datetime(t, lang, end)
    return {"start": start_text, "end": end_text}


def zone_label(t, lang: str, start: dt.datetime, end: dt.datetime) -> str:
    """'Europe/Paris (UTC+01:00)', or both offsets when the clocks change during the event."""
    zone = start.tzinfo.key if hasattr(start.tzinfo, "key") else str(start.tzinfo)
    if start.utcoffset() == end.utcoffset():
        return t("events.zone", lang, zone=zone, offset=utc_offset(start))
    return t("events.zone_change", lang, zone=zone, start_offset=utc_offset(start), end_offset=utc_offset(end))


def in_site_zone(t, lang: str, start: dt.datetime, end: dt.datetime, site_zone) -> str | None:
    """For an event abroad, its times in the site's zone; None at home."""
    if getattr(start.tzinfo, "key", None) == site_zone.key:
        return None
    local_start, local_end = start.astimezone(site_zone), end.astimezone(site_zone)
    times = when(t, lang, local_start, local_end)
    city = site_zone.key.rsplit("/", 1)[-1].replace("_", " ")
    return t("events.site_zone_time", lang, city=city, start=times["start"], end=times["end"], zone=site_zone.key)


def location_text(event) -> str:
    """'Venue, street, postcode City' for calendars; the online link when there is no venue."""
    if event.venue:
        town = " ".join(part for part in (event.postal_code, event.city) if part)
        return ", ".join(part for part in (event.venue, event.address, town) if part)
    return event.online_url or ""


def calendar_details(event, settings) -> str:
    """The plain-text description calendars show: summary, page, registration, online link."""
    lines = [plain_text(event.summary)]
    lines.append(absolute(settings, event.url))
    if event.online_url:
        lines.append(event.online_url)
    if event.registration_url and event.registration_url not in lines:
        lines.append(event.registration_url)
    return "\n\n".join(line for line in lines if line)


def _utc(value: dt.datetime, pattern: str) -> str:
    return value.astimezone(dt.timezone.utc).strftime(pattern)


def google_link(event, settings) -> str:
    """Google Calendar's 'create event' page, pre-filled (times in UTC, zone named)."""
    params = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_utc(event.start, '%Y%m%dT%H%M%SZ')}/{_utc(event.end, '%Y%m%dT%H%M%SZ')}",
        "ctz": event.timezone.key,
        "details": calendar_details(event, settings),
        "location": location_text(event),
    }
    return GOOGLE + "?" + urlencode(params, quote_via=quote)


def outlook_link(event, settings) -> str:
    """Outlook on the web's compose page, pre-filled (times in UTC)."""
    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": _utc(event.start, "%Y-%m-%dT%H:%M:%SZ"),
        "enddt": _utc(event.end, "%Y-%m-%dT%H:%M:%SZ"),
        "body": calendar_details(event, settings),
        "location": location_text(event),
    }
    return OUTLOOK + "?" + urlencode(params, quote_via=quote)
