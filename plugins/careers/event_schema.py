"""The fields of an event file and the rules that tie them together.

`fields.Schema` checks each value alone; `check_event` checks what only makes
sense together (end after start, a place or a link, a rescheduled event's
previous date, local times that exist in the event's time zone).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from . import fields as f
from .fields import FieldValueError, field_line
from .report import ContentReport
from .sources import header_broken

STATUSES = ("scheduled", "rescheduled", "cancelled")
STATUS_ALIASES = {
    "prévu": "scheduled",
    "prevu": "scheduled",
    "confirmed": "scheduled",
    "confirmé": "scheduled",
    "reporté": "rescheduled",
    "reporte": "rescheduled",
    "postponed": "rescheduled",
    "annulé": "cancelled",
    "annule": "cancelled",
    "canceled": "cancelled",
}

_KEY_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


def _key(what: str, example: str):
    """A lower-case slug-like name (segment, reference)."""

    def parse(value):
        raw = f._text(value)
        if not _KEY_RE.fullmatch(raw):
            raise FieldValueError(f"{raw!r} is not a valid {what} (lower-case letters, digits and hyphens, e.g. {example})")
        return raw

    return parse


def _country():
    def parse(value):
        raw = f._text(value)
        if not re.fullmatch(r"[A-Za-z]{2}", raw):
            raise FieldValueError(f"{raw!r} is not a two-letter ISO 3166 country code")
        return raw.upper()

    return parse


def event_schema(languages) -> f.Schema:
    """Every field an event file accepts, with an example and what it is for."""
    return f.Schema(
        "event",
        [
            f.Field("title", f.text(max_length=120, plain=True), required=True, example="Portes ouvertes à Lyon",
                    help="the event's name, as candidates will see it"),
            f.Field("lang", f.language(languages), example="fr", help="language of this file: fr or en"),
            f.Field("reference", _key("reference", "portes-ouvertes-lyon-2027"), example="portes-ouvertes-lyon-2027",
                    help="shared by the translations of one event; the calendar UID is made from it (default: the slug). Never change it once published"),
            f.Field("date", f.datetime_in(), required=True, example="2026-11-02 09:00",
                    help="when the event was announced (site time zone)"),
            f.Field("modified", f.datetime_in(), example="2026-11-20 10:00",
                    help="last change of this file; calendars use it as the file's time stamp"),
            f.Field("start", f.datetime_in(), required=True, example="2027-01-14 18:30",
                    help="local start time, YYYY-MM-DD HH:MM, in Timezone"),
            f.Field("end", f.datetime_in(), required=True, example="2027-01-14 21:00",
                    help="local end time, YYYY-MM-DD HH:MM, in Timezone"),
            f.Field("timezone", f.timezone(), example="Europe/Paris",
                    help="IANA time zone of Start and End (default: the site's TIMEZONE)"),
            f.Field("venue", f.text(max_length=120), example="Cardamome Conseil, agence de Lyon",
                    help="name of the place; leave empty for an online-only event"),
            f.Field("address", f.text(max_length=200), example="18 rue des Tisserands", help="street address of the venue"),
            f.Field("postal_code", f.text(max_length=12), example="69002"),
            f.Field("city", f.text(max_length=80), example="Lyon", help="required with a Venue"),
            f.Field("country", _country(), example="FR", help="two-letter ISO code, required with a Venue"),
            f.Field("online_url", f.url(), example="https://visio.cardamome.example/portes-ouvertes",
                    help="https link to join online; leave empty for an on-site-only event"),
            f.Field("capacity", f.integer(minimum=1), example="80", help="number of places"),
            f.Field("registration_url", f.url(("https", "mailto")), example="https://www.cardamome.example/inscription/portes-ouvertes",
                    help="where to register (https or mailto)"),
            f.Field("free", f.boolean(), default=True, example="yes", help="yes if attending is free (default yes)"),
            f.Field("status", f.choice(STATUSES, STATUS_ALIASES), default="scheduled", example="scheduled",
                    help="scheduled, rescheduled or cancelled"),
            f.Field("revision", f.integer(minimum=0), default=0, example="0",
                    help="add 1 each time the date, time, place or status changes after publication"),
            f.Field("previous_start", f.datetime_in(), example="2027-01-07 18:30",
                    help="for a rescheduled event: the start it had before, in Timezone"),
            f.Field("segments", f.list_of(_key("segment name", "data-lyon")), default=list, example="data-lyon, juniors",
                    help="talent-pool segments to invite, comma-separated"),
            f.Field("summary", lambda v: v, example="Une soirée pour découvrir nos métiers et nos équipes.",
                    help="one or two sentences for lists, feeds and calendars"),
        ],
    )


def aware(local: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, str | None]:
    """A wall-clock time made aware in `zone`, and a problem if that time is odd there.

    Times skipped when clocks go forward do not exist; times repeated when
    they go back are ambiguous (we take the first and say so).
    """
    if local.tzinfo is not None:
        return local.astimezone(zone), None
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    round_trip = first.astimezone(dt.timezone.utc).astimezone(zone).replace(tzinfo=None)
    if round_trip != local:
        return first, f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks jump forward that night); choose another time"
    if first.utcoffset() != second.utcoffset():
        return first, f"{local:%Y-%m-%d %H:%M} happens twice in {zone.key} (the clocks go back that night); the first one is used"
    return first, None


def check_event(values: dict, path: str, report: ContentReport, site_zone: ZoneInfo) -> dict:
    """Make times aware and check the rules between fields; returns the values."""
    zone = values.get("timezone") or site_zone
    values["timezone"] = zone
    for name in ("start", "end", "previous_start"):
        if values.get(name) is None:
            continue
        values[name], problem = aware(values[name], zone)
        if problem:
            record = report.warning if "happens twice" in problem else report.error
            record(path, name, problem, line=field_line(path, name))
    for name in ("date", "modified"):
        if values.get(name) is not None and values[name].tzinfo is None:
            values[name] = values[name].replace(tzinfo=site_zone)

    start, end = values.get("start"), values.get("end")
    if start and end and end <= start:
        report.error(path, "end", f"the event ends ({end:%Y-%m-%d %H:%M}) before it starts ({start:%Y-%m-%d %H:%M})",
                     "End: " + (start + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"), field_line(path, "end"))
    elif start and end and end - start > dt.timedelta(days=14):
        report.error(path, "end", f"the event lasts {(end - start).days} days; check End (events last at most 14 days)",
                     line=field_line(path, "end"))

    if not values.get("venue") and not values.get("online_url") and not header_broken(report, path):
        report.error(path, "venue", "an event needs a Venue (on site), an Online_url (online), or both",
                     "Venue: Cardamome Conseil, agence de Lyon")
    if values.get("venue"):
        for name, example in (("city", "Lyon"), ("country", "FR")):
            if not values.get(name) and not header_broken(report, path):
                report.error(path, name, "is required when the event has a Venue (used by calendars and search engines)",
                             f"{name[:1].upper() + name[1:]}: {example}", field_line(path, name))

    status = values.get("status")
    if status == "rescheduled":
        if values.get("previous_start") is None:
            report.error(path, "previous_start", "a rescheduled event must say when it was planned before",
                         "Previous_start: 2027-01-07 18:30", field_line(path, "status"))
        if not values.get("revision"):
            report.error(path, "revision", "a rescheduled event must have Revision 1 or more, so that calendars replace the old times",
                         "Revision: 1", field_line(path, "revision") or field_line(path, "status"))
    return values
