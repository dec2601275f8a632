"""schema.org `Event` JSON-LD for an event page (what search engines show as an event).

Only upcoming events carry it (a past event is no longer something to
attend). Everything in it is also visible on the page: name, dates with
their offset, place and/or online link, organizer, free registration.
"""

from __future__ import annotations

from .event_display import plain_text
from .urls import absolute

SCHEMA = "https://schema.org/"
STATUS = {
    "scheduled": SCHEMA + "EventScheduled",
    "rescheduled": SCHEMA + "EventRescheduled",
    "cancelled": SCHEMA + "EventCancelled",
}


def attendance_mode(event) -> str:
    if event.venue and event.online_url:
        return SCHEMA + "MixedEventAttendanceMode"
    if event.online_url:
        return SCHEMA + "OnlineEventAttendanceMode"
    return SCHEMA + "OfflineEventAttendanceMode"


def _place(event) -> dict:
    address = {"@type": "PostalAddress", "addressLocality": event.city, "addressCountry": event.country}
    if event.address:
        address["streetAddress"] = event.address
    if event.postal_code:
        address["postalCode"] = event.postal_code
    return {"@type": "Place", "name": event.venue, "address": address}


def event_json_ld(event, settings) -> dict:
    """The schema.org Event for one event."""
    company = settings["CAREERS_COMPANY"]
    locations = []
    if event.venue:
        locations.append(_place(event))
    if event.online_url:
        locations.append({"@type": "VirtualLocation", "url": event.online_url})
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": plain_text(event.summary),
        "url": absolute(settings, event.url),
        "inLanguage": event.lang,
        "startDate": event.start.isoformat(),
        "endDate": event.end.isoformat(),
        "eventStatus": STATUS[event.status],
        "eventAttendanceMode": attendance_mode(event),
        "location": locations[0] if len(locations) == 1 else locations,
        "organizer": {"@type": "Organization", "name": company["name"], "url": company["url"]},
        "image": [absolute(settings, "theme/img/og-default.png")],
    }
    if event.status == "rescheduled" and event.previous_start is not None:
        data["previousStartDate"] = event.previous_start.isoformat()
    if event.capacity:
        data["maximumAttendeeCapacity"] = event.capacity
    if event.free and event.registration_url and event.status != "cancelled":
        offer = {
            "@type": "Offer",
            "price": 0,
            "priceCurrency": settings.get("EVENTS_CURRENCY", "EUR"),
            "availability": SCHEMA + "InStock",
            "validFrom": event.date.isoformat(),
        }
        if event.registration_url.startswith("https://"):
            offer["url"] = event.registration_url
        data["offers"] = offer
    return data
