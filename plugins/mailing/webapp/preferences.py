"""The preferences page behind the signed link of every email (`MAILING_PREFERENCES_URL?t=…`).

GET shows the member's choices: fields, cities, remote wish, skills, the
language of emails, each consent, the rhythm of job alerts; POST saves them
(a consent ticked again is a fresh opt-in, recorded with its proof; one
unticked is withdrawn), pauses every email for N months, resumes, or leaves
the community (unsubscribes from everything). A forged token gets 403.
"""

from __future__ import annotations

import logging

from careers.dates import now as build_now

from ..community import profile, signups
from ..community.form import read_choices
from ..community.service import community
from ..delivery import choices as member_choices
from ..tokens import InvalidToken
from .http import Request, Response
from .signup import client_of, message, not_allowed, page

log = logging.getLogger(__name__)

PURPOSE = "preferences"


def _format_date(app, lang: str):
    return lambda day: app.pages.date(lang, day)


def handle(app, request: Request) -> Response:
    if request.method not in ("GET", "HEAD", "POST"):
        return not_allowed(app, request, "GET, HEAD, POST")
    lang = app.language(request)
    token = request.query.get("t")
    if not token:
        return message(app, "pages.invalid", lang, 400)
    try:
        data = app.signer.verify(token, PURPOSE)
    except InvalidToken as exc:
        log.warning("refused preferences token: %s", exc)
        return message(app, "pages.invalid", lang, 403)
    svc = community(app)
    now = build_now(svc.settings)
    action_url = f"{request.script_name}{request.path}?t={token}"
    with app.open_store() as store:
        member = store.get(data.member_id)
        lang = app.language(request, member)
        if member is None:
            return message(app, "prefs.gone", lang)
        if request.method != "POST":
            return _show(app, store, member, lang, action_url, now)
        action = request.form.get("action") or "save"
        if action == "pause":
            try:
                until = member_choices.pause(store, member.id, int(request.form.get("months", "")), now.date())
            except ValueError:
                return message(app, "pages.invalid", lang, 400)
            return message(app, "prefs.paused", lang, values={"until": app.pages.date(lang, until)})
        if action == "resume":
            profile.resume(store, member.id)
            return message(app, "prefs.resumed", lang)
        if action == "leave":
            store.unsubscribe(member.id, now.date(), scope="all")
            log.info("member %s left the community", member.id)
            return message(app, "prefs.left", lang)
        choices = read_choices(request.form_lists(), svc.settings, with_email=False)
        if choices.errors:
            return _show(app, store, member, lang, action_url, now, choices=choices, status=400)
        client = client_of(app, request)
        profile.save(store, member, choices, now=now, form_version=svc.settings["COMMUNITY_FORM_VERSION"],
                     ip_hash=signups.hashed(store, "ip:" + client) if client else "")
        lang = choices.language if choices.language in app.languages else lang
    return message(app, "prefs.saved", lang)


def _show(app, store, member, lang, action_url, now, *, choices=None, status=200) -> Response:
    current = choices or profile.current(store, member)
    return page(app, "community_preferences.html", lang, status, email=member.email, action=action_url,
                community_values=current.to_json(), community_errors=current.errors,
                paused_until=profile.paused_until(store, member.id, now.date()),
                pause_months=member_choices.PAUSE_MONTHS, format_date=_format_date(app, lang))
