"""Reverse-interview bookings through Vivier's own web application (the `Booking: form` profiles).

- GET `AMBASSADORS_FORM_ENDPOINT?ambassador=SLUG` is the ambassador's booking
  page: the form, or — once their `Monthly_cap` is reached this month — a
  page that says so and offers other people of the team.
- POST (the profile page's form, or this page's) checks the fields, takes a
  place under the cap (the (cap+1)-th request of a month is refused with the
  same page), sends the request to the ambassador's role mailbox (`Mailbox`,
  Reply-To the candidate) and a confirmation to the candidate, both stating
  the evaluation firewall.
- Nothing of a request is kept: no name, address or question is stored or
  logged, only a count per ambassador and month (`booking_counts`).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import yaml

from careers import ambassador_fields as af
from careers.ambassador_directory import load_directory
from careers.urls import absolute

from ..delivery.config import DeliveryConfigError
from ..delivery.smtp import TransportError
from . import http
from .booking_counts import BookingCounts, counts_path
from .booking_mail import confirmation, request_message, send
from .http import Request, Response

log = logging.getLogger(__name__)

STRINGS = Path(__file__).with_name("booking_strings.yml")
MAX_QUESTIONS = 4000
_EMAIL_RE = re.compile(r"[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
OTHERS = 3  # people offered instead of a full ambassador

for _code, _text in ((409, "Conflict"), (503, "Service Unavailable")):
    http.STATUS_TEXT.setdefault(_code, _text)


class Bookings:
    """What the booking pages share for one web application: wording and counts."""

    def __init__(self, app):
        self.strings = yaml.safe_load(STRINGS.read_text(encoding="utf-8"))
        self.counts = BookingCounts(app.open_store, legacy=counts_path(app.settings))

    def s(self, lang: str, key: str, **values) -> str:
        text = (self.strings.get(lang) or self.strings["fr"])[key]
        return text.format(**values) if values and isinstance(text, str) else text


def bookings(app) -> Bookings:
    found = getattr(app, "bookings", None)
    if found is None:
        found = app.bookings = Bookings(app)
    return found


def _lang(app, request: Request) -> str:
    wanted = request.form.get("lang") if request.method == "POST" else request.query.get("lang")
    return wanted if wanted in app.languages else app.language(request)


def firewall(app, lang: str) -> str:
    """The evaluation firewall, in the very words of the profile page."""
    return af.strings(app.settings, lang)["ambassadors.not_evaluation"]


def _page(app, lang: str, status: int, state: str, heading: str, **context) -> Response:
    svc = bookings(app)
    context.setdefault("firewall", "")
    return app.render("booking.html", lang, status, state=state, heading=heading,
                      s=lambda key, **values: svc.s(lang, key, **values), **context)


def _message(app, lang: str, status: int, key: str, wall: str = "", **values) -> Response:
    svc = bookings(app)
    return _page(app, lang, status, "message", svc.s(lang, f"{key}_title"), text=svc.s(lang, f"{key}_text", **values),
                 firewall=wall)


def _full(app, lang, profile, directory, month, today) -> Response:
    """The ambassador's page once their cap is reached: says so and offers others."""
    svc = bookings(app)
    counts = svc.counts
    others = []
    for other in sorted(directory.values(), key=lambda p: (p.department != profile.department, p.name.casefold())):
        if other.slug == profile.slug or not other.listed or other.consent_until < today:
            continue
        if other.booking == "form" and other.monthly_cap is not None and counts.count(other.slug, month) >= other.monthly_cap:
            continue
        others.append({"name": other.name, "role": other.roles.get(lang, other.role),
                       "url": absolute(app.settings, af.profile_url(lang, other.slug))})
    return _page(app, lang, 409, "full", svc.s(lang, "full_title", name=profile.name), profile=profile,
                 others=others[:OTHERS], team_url=absolute(app.settings, af.listing_url(lang)), firewall=firewall(app, lang))


def _form(app, request, lang, profile, status=200, values=None, problems="") -> Response:
    svc = bookings(app)
    values = {"format": "", "questions": "", "name": "", "email": "", "job": "", **(values or {})}
    return _page(app, lang, status, "form", svc.s(lang, "title", name=profile.name), profile=profile,
                 role=profile.roles.get(lang, profile.role), values=values, problems=problems,
                 formats=svc.s(lang, "formats"), action=f"{request.script_name}{request.path}",
                 firewall=firewall(app, lang))


def _read(request: Request, profile, svc, lang) -> tuple[dict, list[str]]:
    form = request.form
    values = {
        "format": form.get("format", "").strip(),
        "questions": form.get("questions", "").replace("\r\n", "\n").strip(),
        "name": " ".join(form.get("name", "").split())[:100],
        "email": form.get("email", "").strip(),
        "job": form.get("job", "").strip()[:40] if re.fullmatch(r"[A-Za-z0-9._-]*", form.get("job", "").strip()) else "",
    }
    wrong = []
    if not values["name"]:
        wrong.append(svc.s(lang, "field_name"))
    if not _EMAIL_RE.fullmatch(values["email"]):
        wrong.append(svc.s(lang, "field_email"))
    if values["format"] not in profile.formats:
        wrong.append(svc.s(lang, "field_format"))
    if len(values["questions"]) > MAX_QUESTIONS:
        wrong.append(svc.s(lang, "field_questions"))
    return values, wrong


def handle(app, request: Request) -> Response:
    """GET: the ambassador's booking page; POST: a booking under their monthly cap."""
    if request.method not in ("GET", "HEAD", "POST"):
        response = _message(app, app.language(request), 405, "unknown")
        response.headers.append(("Allow", "GET, HEAD, POST"))
        return response
    lang = _lang(app, request)
    slug = (request.form.get("ambassador") if request.method == "POST" else request.query.get("ambassador")) or ""
    today = app.today()
    month = f"{today:%Y-%m}"
    directory = load_directory(app.settings)
    profile = directory.get(slug.strip())
    if profile is None or not profile.bookable(today):
        return _message(app, lang, 404, "unknown")
    svc = bookings(app)
    cap = profile.monthly_cap
    if request.method != "POST":
        if cap is not None and svc.counts.count(profile.slug, month) >= cap:
            return _full(app, lang, profile, directory, month, today)
        return _form(app, request, lang, profile, values={"job": request.query.get("job", "")})
    values, wrong = _read(request, profile, svc, lang)
    if wrong:
        return _form(app, request, lang, profile, 400, values, ", ".join(wrong))
    if not svc.counts.reserve(profile.slug, month, cap):
        log.info("booking refused: %s reached the monthly cap for %s", profile.slug, month)
        return _full(app, lang, profile, directory, month, today)
    words = lambda key, **kw: svc.s(lang, key, **kw)  # noqa: E731
    try:
        delivered = send(app.settings, profile.mailbox, request_message(app.settings, profile, values, lang, words,
                                                                          firewall(app, lang), svc.s(lang, "formats")))
    except (TransportError, DeliveryConfigError, OSError) as exc:
        log.error("booking request for %s not sent: %s", profile.slug, exc)
        delivered = False
    if not delivered:
        svc.counts.release(profile.slug, month)
        return _message(app, lang, 503, "unsent")
    log.info("booking request sent to %s's mailbox (%s)", profile.slug, month)
    try:
        send(app.settings, values["email"], confirmation(app.settings, profile, values, lang, words, firewall(app, lang)))
    except (TransportError, DeliveryConfigError, OSError) as exc:  # the ambassador has the request: it stands
        log.warning("booking confirmation for %s not sent: %s", profile.slug, exc)
    return _message(app, lang, 200, "sent", firewall(app, lang), first_name=profile.first_name)
