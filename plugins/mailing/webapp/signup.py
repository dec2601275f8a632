"""Join the talent community: the form's endpoint and the double opt-in confirmation page.

- POST to `COMMUNITY_ENDPOINT` checks the form (errors re-show it, tied to
  each field), rejects bots by the honeypot (silently), rate-limits per
  mailbox, per client (the connection's address, or X-Forwarded-For from a
  trusted proxy only) and overall, stores a *pending* sign-up and sends the
  confirmation email with a signed, expiring link. Each submission is its own
  request, confirmed only by its own link; never a member before confirmation.
- GET on `COMMUNITY_CONFIRM_URL?t=…` shows a page with a button (mail
  scanners open links; only a person presses buttons); POST confirms (member,
  consents, proof) or cancels. A forged link gets 403, an expired one 410.
"""

from __future__ import annotations

import logging

from careers.dates import now as build_now

from ..community import signups
from ..community.form import read_choices
from ..community.service import community
from ..community.tokens import ExpiredLink, InvalidLink
from ..compose import AddressError
from ..delivery.config import DeliveryConfigError
from ..delivery.smtp import TransportError
from . import http
from .http import Request, Response, client_address

log = logging.getLogger(__name__)

# Answers the shared HTTP module has no reason phrase for yet.
for _code, _text in ((410, "Gone"), (429, "Too Many Requests"), (503, "Service Unavailable")):
    http.STATUS_TEXT.setdefault(_code, _text)

def client_of(app, request: Request) -> str:
    """The client's address: the connection's, or the one a trusted proxy (COMMUNITY_TRUSTED_PROXIES) forwards."""
    return client_address(request.remote_addr, request.headers, community(app).trusted_proxies)


def page(app, template: str, lang: str, status: int = 200, **context) -> Response:
    body = community(app).pages.render(template, lang, **context)
    return Response(status, body.encode("utf-8"))


def message(app, key: str, lang: str, status: int = 200, **context) -> Response:
    context.setdefault("values", {})
    return page(app, "community_message.html", lang, status, key=key, **context)


def _lang(app, request: Request, values: dict, member=None) -> str:
    wanted = (values.get("page_lang") or [""])[0]
    if member is None and wanted in app.languages:
        return wanted
    return app.language(request, member)


def not_allowed(app, request: Request, allow: str) -> Response:
    response = message(app, "pages.invalid", app.language(request), 405)
    response.headers.append(("Allow", allow))
    return response


def handle(app, request: Request) -> Response:
    """The form's endpoint: GET shows the form, POST signs up (pending until confirmed)."""
    svc = community(app)
    if request.method in ("GET", "HEAD"):
        return page(app, "community_form.html", app.language(request), community_values={}, community_errors={})
    if request.method != "POST":
        return not_allowed(app, request, "GET, HEAD, POST")
    values = request.form_lists()
    lang = _lang(app, request, values)
    choices = read_choices(values, svc.settings)
    hours = svc.settings["COMMUNITY_CONFIRM_HOURS"]
    if choices.bot:
        log.info("sign-up refused: honeypot filled")
        return message(app, "pages.check", lang, values={"hours": hours})  # a bot learns nothing
    if choices.errors:
        return page(app, "community_form.html", lang, 400, community_values=choices.to_json(),
                    community_errors=choices.errors)
    now = build_now(svc.settings)
    with app.open_store() as store:
        limited = signups.over_limit(store, choices.email, client_of(app, request), now, svc.settings)
        if limited:
            log.warning("sign-up refused: rate limit per %s", limited)
            return message(app, "pages.limited", lang, 429)
        pending = signups.submit(store, choices, client=client_of(app, request), now=now, settings=svc.settings)
    token = svc.confirm_signer.make(pending.id, pending.expires)
    link = f"{svc.settings['COMMUNITY_CONFIRM_URL']}?t={token}"
    try:
        data = svc.mail.message(signup_id=pending.id, email=choices.email, first_name=choices.first_name,
                                lang=choices.language, link=link, when=now)
        sent = svc.mail.send(choices.email.strip(), data)
    except AddressError:
        return page(app, "community_form.html", lang, 400, community_values=choices.to_json(),
                    community_errors={"email": "email_invalid"})
    except (TransportError, DeliveryConfigError, OSError) as exc:
        log.error("confirmation email not sent: %s", exc)
        sent = False
    if not sent:
        return message(app, "pages.unsent", lang, 503)
    return message(app, "pages.check", lang, values={"hours": hours}, extra="community.pages.check_spam")


def _token(app, request: Request):
    """(sign-up id, None) for a genuine unexpired link, else (None, error response)."""
    svc = community(app)
    lang = app.language(request)
    token = request.query.get("t")
    if not token:
        return None, message(app, "pages.invalid", lang, 400)
    try:
        return svc.confirm_signer.verify(token, build_now(svc.settings)), None
    except ExpiredLink:
        return None, message(app, "pages.expired", lang, 410)
    except InvalidLink as exc:
        log.warning("refused confirmation link: %s", exc)
        return None, message(app, "pages.invalid", lang, 403)


def confirm(app, request: Request) -> Response:
    """The link of the confirmation email: GET asks, POST confirms or cancels."""
    if request.method not in ("GET", "HEAD", "POST"):
        return not_allowed(app, request, "GET, HEAD, POST")
    signup_id, error = _token(app, request)
    if error is not None:
        return error
    svc = community(app)
    with app.open_store() as store:
        pending = signups.get_pending(store, signup_id)
        lang = pending.choices.language if pending and pending.choices.language in app.languages else app.language(request)
        if pending is None:
            return message(app, "pages.expired", lang, 410)
        if request.method != "POST":
            return page(app, "community_confirm.html", lang, email=pending.email, consents=pending.choices.consents,
                        choices=pending.choices,
                        action=f"{request.script_name}{request.path}?t={request.query['t']}")
        if request.form.get("action") == "cancel":
            signups.cancel(store, signup_id)
            return message(app, "pages.cancelled", lang)
        try:
            member, _created = signups.confirm(store, signup_id, now=build_now(svc.settings))
        except signups.SignupNotFound:
            return message(app, "pages.expired", lang, 410)
    prefs = app.signer.make("preferences", member.id, "community")
    return message(app, "pages.confirmed", lang, link=f"{svc.settings['MAILING_PREFERENCES_URL']}?t={prefs}",
                   link_label="community.pages.preferences_link")
