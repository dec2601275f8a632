"""VTIMEZONE components computed from the IANA database, for every TZID we write.

Calendar apps (Outlook above all) resolve `TZID=Europe/Paris` with the
VTIMEZONE shipped in the file, not with their own database, so each one must
state the exact transitions. We list them for the years the events span:
observance onsets are local times *before* the change (RFC 5545 §3.6.5),
which is where icalendar's own generator is an hour off for DAYLIGHT.
"""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

UTC = dt.timezone.utc
_STEP = dt.timedelta(hours=6)


def _offset(zone: ZoneInfo, instant: dt.datetime) -> dt.timedelta:
    return instant.astimezone(zone).utcoffset()


def transitions(zone: ZoneInfo, first: dt.date, last: dt.date) -> list[dt.datetime]:
    """UTC instants, between `first` and `last`, at which the zone's offset changes.

    Remembered per zone and span: the search converts some 6,000 instants a year (15 ms), and every
    event page's calendar, the site's feeds and each invitation ask for the same zone and years."""
    return list(_transitions(zone, first, last))


@functools.lru_cache(maxsize=64)
def _transitions(zone: ZoneInfo, first: dt.date, last: dt.date) -> tuple[dt.datetime, ...]:
    found = []
    cursor = _local_midnight(zone, first)
    end = _local_midnight(zone, last)
    while cursor < end:
        step_end = min(cursor + _STEP, end)
        if _offset(zone, cursor) != _offset(zone, step_end) or _name(zone, cursor) != _name(zone, step_end):
            low, high = cursor, step_end  # invariant: change happens in (low, high]
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if _offset(zone, middle) == _offset(zone, low) and _name(zone, middle) == _name(zone, low):
                    low = middle
                else:
                    high = middle
            found.append(high)
        cursor = step_end
    return tuple(found)


def _local_midnight(zone: ZoneInfo, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(UTC)


def _name(zone: ZoneInfo, instant: dt.datetime) -> str:
    return instant.astimezone(zone).tzname() or ""


def _is_dst(zone: ZoneInfo, instant: dt.datetime) -> bool:
    return bool(instant.astimezone(zone).dst())


def vtimezone(zone: ZoneInfo, first: dt.date, last: dt.date) -> Timezone:
    """A VTIMEZONE for `zone`, exact from `first` to `last` (local dates)."""
    start = _local_midnight(zone, first)
    observances: dict[tuple, list[dt.datetime]] = {}
    initial_offset = _offset(zone, start)
    initial_key = (_is_dst(zone, start), initial_offset, initial_offset, _name(zone, start))
    observances[initial_key] = [(start + initial_offset).replace(tzinfo=None)]
    for instant in transitions(zone, first, last):
        before = _offset(zone, instant - dt.timedelta(seconds=1))
        after = _offset(zone, instant)
        key = (_is_dst(zone, instant), before, after, _name(zone, instant))
        observances.setdefault(key, []).append((instant + before).replace(tzinfo=None))

    component = Timezone()
    component.add("tzid", zone.key)
    for (daylight, before, after, name), onsets in sorted(observances.items(), key=lambda item: item[1][0]):
        part = TimezoneDaylight() if daylight else TimezoneStandard()
        part.add("dtstart", onsets[0])
        for onset in onsets[1:]:
            part.add("rdate", onset)
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        if name:
            part.add("tzname", name)
        component.add_component(part)
    return component


def span(datetimes) -> tuple[dt.date, dt.date]:
    """The whole years (1 January to 1 January) covering some local datetimes."""
    years = [value.year for value in datetimes]
    return dt.date(min(years), 1, 1), dt.date(max(years) + 1, 1, 1)
