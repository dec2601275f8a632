"""What our structured data must say: JobPosting (Google for Jobs), Event and Person.

Each rule returns plain sentences (what is wrong); `jsonld` adds the file,
the line and the fix.
"""

from __future__ import annotations

import datetime as dt

import lxml.html

EMPLOYMENT_TYPES = {"FULL_TIME", "PART_TIME", "CONTRACTOR", "TEMPORARY", "INTERN", "VOLUNTEER", "PER_DIEM", "OTHER"}
SALARY_UNITS = {"HOUR", "DAY", "WEEK", "MONTH", "YEAR"}
EVENT_STATUSES = {"EventScheduled", "EventRescheduled", "EventCancelled", "EventPostponed", "EventMovedOnline"}
ATTENDANCE_MODES = {"OfflineEventAttendanceMode", "OnlineEventAttendanceMode", "MixedEventAttendanceMode"}


def types_of(node: dict) -> set[str]:
    value = node.get("@type", [])
    return set(value if isinstance(value, list) else [value])


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse_when(value) -> dt.date | dt.datetime | None:
    """An ISO 8601 date or date-time, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        if "T" in value:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def day_of(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def schema_enum(value, allowed: set[str]) -> str | None:
    """'EventScheduled' from 'https://schema.org/EventScheduled' when allowed, else None."""
    value = text(value)
    for prefix in ("https://schema.org/", "http://schema.org/"):
        if value.startswith(prefix) and value[len(prefix):] in allowed:
            return value[len(prefix):]
    return None


def named(value) -> bool:
    return any(isinstance(v, dict) and text(v.get("name")) or text(v) for v in as_list(value))


def job_posting(node: dict, *, today: dt.date | None, noindex: bool) -> list[tuple[str, str]]:
    """(problem, fix) pairs for a JobPosting."""
    out = []
    fix_field = "fill the job's {} in its Markdown file"
    if not text(node.get("title")):
        out.append(("title is missing", fix_field.format("Title")))
    if not text(node.get("description")):
        out.append(("description is missing (the ad's HTML body)", "write the job's body: mission, team, process"))
    posted = parse_when(node.get("datePosted"))
    if posted is None:
        out.append((f"datePosted {node.get('datePosted')!r} is not an ISO 8601 date", fix_field.format("Date")))
    valid = parse_when(node.get("validThrough"))
    if valid is None:
        out.append((f"validThrough {node.get('validThrough')!r} is missing or not an ISO 8601 date", fix_field.format("Valid_through")))
    elif posted is not None and day_of(valid) < day_of(posted):
        out.append(("validThrough is before datePosted", "give a Valid_through after the date posted"))
    elif today is not None and day_of(valid) < today:
        out.append((f"the job expired on {day_of(valid)} but its page still carries JobPosting markup",
                    "an expired job must lose its markup and be noindex: rebuild, or close it with Status: closed"))
    if noindex:
        out.append(("the page is noindex but still carries JobPosting markup", "a closed job's page must not carry JobPosting markup"))
    organization = node.get("hiringOrganization")
    if not (isinstance(organization, dict) and text(organization.get("name"))):
        out.append(("hiringOrganization with a name is missing", "set CAREERS_COMPANY's name in pelicanconf.py"))
    remote = "TELECOMMUTE" in [text(v) for v in as_list(node.get("jobLocationType"))]
    locations = as_list(node.get("jobLocation"))
    if remote:
        requirements = as_list(node.get("applicantLocationRequirements"))
        if not requirements or not all(isinstance(r, dict) and text(r.get("name")) for r in requirements):
            out.append(("jobLocationType TELECOMMUTE needs applicantLocationRequirements (the countries candidates may live in)",
                        "list the countries candidates may live in, e.g. `Applicant_countries: FR`"))
    elif not locations:
        out.append(("jobLocation is missing", "give the job at least one location with its country, e.g. `Locations: Lyon, 69002, FR`"))
    for number, place in enumerate(locations, 1):
        address = place.get("address") if isinstance(place, dict) else None
        country = address.get("addressCountry") if isinstance(address, dict) else None
        if isinstance(country, dict):
            country = country.get("name")
        if not text(country):
            where = text(address.get("addressLocality")) if isinstance(address, dict) else ""
            out.append((f"jobLocation {number}{' (' + where + ')' if where else ''} has no address.addressCountry",
                        "end each location of the job's Locations field with its country code, e.g. `Locations: Lyon, 69002, FR`"))
    for kind in as_list(node.get("employmentType")):
        if text(kind) not in EMPLOYMENT_TYPES:
            out.append((f"employmentType {kind!r} is not one of {', '.join(sorted(EMPLOYMENT_TYPES))}", "fix the contract mapping"))
    salary = node.get("baseSalary")
    if salary is not None:
        out.extend(base_salary(salary))
    return out


def base_salary(salary) -> list[tuple[str, str]]:
    out = []
    fix = "give the salary as min, max, currency and period (year, month, day or hour)"
    if not isinstance(salary, dict) or not text(salary.get("currency")):
        return [("baseSalary needs a currency (MonetaryAmount)", fix)]
    value = salary.get("value")
    if not isinstance(value, dict):
        return [("baseSalary.value must be a QuantitativeValue", fix)]
    if text(value.get("unitText")) not in SALARY_UNITS:
        out.append((f"baseSalary unitText {value.get('unitText')!r} is not one of {', '.join(sorted(SALARY_UNITS))}", fix))
    low, high = value.get("minValue"), value.get("maxValue")
    numbers = [v for v in (low, high, value.get("value")) if v is not None]
    if not numbers:
        out.append(("baseSalary has no value, minValue or maxValue", fix))
    try:
        if low is not None and high is not None and float(low) > float(high):
            out.append(("baseSalary minValue is above maxValue", fix))
        for number in numbers:
            float(number)
    except (TypeError, ValueError):
        out.append(("baseSalary values must be numbers", fix))
    return out


def event(node: dict) -> list[tuple[str, str]]:
    """(problem, fix) pairs for an Event (or a subtype)."""
    out = []
    if not text(node.get("name")):
        out.append(("name is missing", "fill the event's Title"))
    start = parse_when(node.get("startDate"))
    if not isinstance(start, dt.datetime) or start.tzinfo is None:
        out.append((f"startDate {node.get('startDate')!r} must be a date-time with its UTC offset (2026-12-03T18:30:00+01:00)",
                    "give the event a start time and a time zone"))
    if node.get("endDate") is not None:
        end = parse_when(node.get("endDate"))
        if not isinstance(end, dt.datetime) or end.tzinfo is None:
            out.append((f"endDate {node.get('endDate')!r} must be a date-time with its UTC offset", "give the event an end time"))
        elif isinstance(start, dt.datetime) and start.tzinfo is not None and end < start:
            out.append(("endDate is before startDate", "fix the event's start and end"))
    if schema_enum(node.get("eventStatus"), EVENT_STATUSES) is None:
        out.append((f"eventStatus {node.get('eventStatus')!r} is not a schema.org status such as https://schema.org/EventScheduled",
                    "set the event's Status: scheduled, rescheduled or cancelled"))
    mode = node.get("eventAttendanceMode")
    if mode is not None and schema_enum(mode, ATTENDANCE_MODES) is None:
        out.append((f"eventAttendanceMode {mode!r} is not a schema.org attendance mode", "fix the event's venue or online link"))
    locations = as_list(node.get("location"))
    if not locations:
        out.append(("location is missing", "give the event a venue with its address, or an online link"))
    for place in locations:
        if not isinstance(place, dict):
            out.append((f"location {place!r} must be a Place or a VirtualLocation", "give the event a venue or an online link"))
        elif "VirtualLocation" in types_of(place):
            if not text(place.get("url")):
                out.append(("the VirtualLocation has no url", "give the event its online link"))
        elif not (place.get("address") and (text(place.get("address")) or isinstance(place.get("address"), dict))):
            out.append(("the Place has no address", "give the event's venue its street address"))
    if not named(node.get("organizer")):
        out.append(("organizer with a name is missing", "the organizer is the company: check CAREERS_COMPANY in pelicanconf.py"))
    return out


def person(node: dict) -> list[tuple[str, str]]:
    if not text(node.get("name")):
        return [("Person has no name", "fill the person's Name")]
    return []


RASTER_LOGO = (".png", ".jpg", ".jpeg", ".gif", ".webp")
LOGO_MIN = 112  # pixels, each side (Google for Jobs: hiringOrganization.logo)
ADDRESS_PARTS = ("streetAddress", "addressLocality", "postalCode", "addressRegion")


def squash(value: str) -> str:
    """Whitespace folded to single spaces (no-break ones included), for comparing page and markup text."""
    return " ".join((value or "").replace("\u202f", " ").replace("\u00a0", " ").split())


def job_posting_on_page(node: dict, page: dict) -> list[tuple[str, str]]:
    """(problem, fix) pairs for what a JobPosting says against the page that carries it.

    `page` holds what the page shows: `text` (all of it, squashed), `sections`
    ({what: [texts]}: must-have and nice-to-have skills, interview steps, pay),
    `apply_links` ([(href, on_this_site)] of the apply section) and `logo_size`
    ((width, height) of the logo file when it is on the site, else None).
    """
    out = []
    if node.get("directApply") is True and page["apply_links"] and not any(on for _, on in page["apply_links"]):
        hrefs = ", ".join(href.split("?")[0] for href, _ in page["apply_links"])
        out.append((f"directApply is true but the application does not start on this site (the page's apply links: {hrefs})",
                    "directApply means the application starts on the posting's own site: give Apply_url a page of the site, "
                    "or let the build write directApply false (careers.jsonld.direct_apply)"))
    described = squash(_html_text(node.get("description")))
    for what, shown in page["sections"].items():
        for item in shown:
            if item and item not in described:
                out.append((f"description lacks the {what} {item!r} shown on the page",
                            "the description must carry the page's skills, experience, process and pay (careers.jsonld.description)"))
    for number, place in enumerate(as_list(node.get("jobLocation")), 1):
        address = place.get("address") if isinstance(place, dict) else None
        if not isinstance(address, dict):
            continue
        city = text(address.get("addressLocality"))
        if not text(address.get("addressRegion")):
            out.append((f"jobLocation {number}{' (' + city + ')' if city else ''} has no address.addressRegion",
                        "give the place its postal code (French places get their region from it) or its region: "
                        "`Locations: Lyon, 69002, Auvergne-Rhône-Alpes, FR`"))
        for part in ADDRESS_PARTS:
            value = squash(text(address.get(part)))
            if value and value not in page["text"]:
                out.append((f"jobLocation {number} {part} {value!r} is not shown on the page",
                            "everything in the markup must be visible: show the place's full address in the job's facts"))
    organization = node.get("hiringOrganization")
    logo = text(organization.get("logo")) if isinstance(organization, dict) else ""
    if logo:
        size = page.get("logo_size")
        if not logo.lower().split("?")[0].endswith(RASTER_LOGO):
            out.append((f"hiringOrganization.logo {logo!r} is not a raster image (PNG, JPEG, GIF or WebP)",
                        f"point CAREERS_COMPANY's logo at a PNG of at least {LOGO_MIN}×{LOGO_MIN} pixels (tools/logo_png.py makes one from the SVG)"))
        elif size is not None and min(size) < LOGO_MIN:
            out.append((f"hiringOrganization.logo {logo!r} is {size[0]}×{size[1]} pixels, under {LOGO_MIN}×{LOGO_MIN}",
                        f"use a logo of at least {LOGO_MIN}×{LOGO_MIN} pixels"))
    return out


def _html_text(value) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    return lxml.html.fragment_fromstring(value, create_parent="div").text_content()
