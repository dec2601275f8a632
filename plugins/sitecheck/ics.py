"""Every public `.ics` calendar file parses and follows RFC 5545/5546.

Read back with `icalendar`: CRLF line endings and 75-octet folding, METHOD,
PRODID, VERSION, and per event UID, DTSTAMP and DTSTART; a VTIMEZONE for every
TZID used. Published files are downloads for anyone: METHOD:PUBLISH, an
ORGANIZER, and never an ATTENDEE (that would publish a member's address).
"""

from __future__ import annotations

from icalendar import Calendar

from .model import Problem
from .site import Site

NAME = "ics"
TITLE = "Calendars (.ics)"
FIX_WRITER = "fix the calendar writer (careers.calendar.event_to_ical)"


def raw_problems(data: bytes) -> list[tuple[str, int | None]]:
    """Line endings and folding, which parsers forgive but some calendars do not."""
    out = []
    lines = data.split(b"\r\n")
    for number, line in enumerate(lines, 1):
        if b"\n" in line or b"\r" in line:
            out.append(("lines must end with CRLF (\\r\\n); found a bare LF or CR", number))
            break
    else:
        if not data.endswith(b"\r\n"):
            out.append(("the file must end with CRLF", len(lines)))
    for number, line in enumerate(data.replace(b"\r\n", b"\n").split(b"\n"), 1):
        if len(line) > 75:
            out.append((f"line is {len(line)} octets long; fold lines at 75 octets", number))
            break
    return out


def tzids(component) -> set[str]:
    """Every TZID parameter used by the properties of a component and its children."""
    found = set()
    for item in component.walk():
        if item.name == "VTIMEZONE":
            continue
        for values in item.values():
            for value in values if isinstance(values, list) else [values]:
                params = getattr(value, "params", None)
                if params and params.get("TZID"):
                    found.add(str(params["TZID"]))
    return found


def check_calendar(calendar) -> list[str]:
    out = []
    for key in ("VERSION", "PRODID"):
        if key not in calendar:
            out.append(f"VCALENDAR has no {key}")
    method = str(calendar.get("METHOD", "")).upper()
    if not method:
        out.append("VCALENDAR has no METHOD (a public download uses METHOD:PUBLISH)")
    elif method != "PUBLISH":
        out.append(f"METHOD is {method}; a published .ics must be METHOD:PUBLISH (REQUEST/CANCEL are for personal invitations)")
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    for event in events:
        uid = str(event.get("UID", "")) or "?"
        for key in ("UID", "DTSTAMP", "DTSTART"):
            if key not in event:
                out.append(f"VEVENT {uid}: {key} is missing")
        if "ORGANIZER" not in event:
            out.append(f"VEVENT {uid}: ORGANIZER is missing")
        if "ATTENDEE" in event:
            out.append(f"VEVENT {uid}: a published calendar must not list an ATTENDEE (personal data)")
    for component in calendar.walk():
        for prop, error in getattr(component, "errors", []) or []:
            out.append(f"{component.name} {prop}: {error}")
    defined = {str(tz.get("TZID")) for tz in calendar.walk() if tz.name == "VTIMEZONE"}
    for tzid in sorted(tzids(calendar) - defined):
        out.append(f"TZID {tzid} is used but the calendar has no VTIMEZONE for it")
    return out


def run(site: Site):
    problems, count = [], 0
    for path in site.files(".ics"):
        count += 1
        source = site.rel(path)
        data = path.read_bytes()
        for message, line in raw_problems(data):
            problems.append(Problem(NAME, source, message, FIX_WRITER, line))
        try:
            calendar = Calendar.from_ical(data)
        except (ValueError, IndexError, KeyError) as exc:
            problems.append(Problem(NAME, source, f"not a valid iCalendar file: {str(exc)[:200]}", FIX_WRITER))
            continue
        for message in check_calendar(calendar):
            problems.append(Problem(NAME, source, message, FIX_WRITER))
        if not any(c.name == "VEVENT" for c in calendar.walk()):
            problems.append(Problem(NAME, source, "the calendar has no event (RFC 5545 wants at least one component; some apps refuse it)",
                                    "nothing to do while no event is upcoming", None, "warning"))
    return problems, count, "calendars"
