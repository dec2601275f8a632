"""The unsubscribe endpoint (RFC 8058): POST unsubscribes at once, GET only asks.

- POST with `List-Unsubscribe=One-Click` (what Gmail, Yahoo and Outlook send,
  urlencoded or multipart) unsubscribes from everything, idempotently: no
  cookie, no login, no redirect, a 200 with a short page.
- GET shows a confirmation page with a button, so link scanners that follow
  every URL of an email unsubscribe nobody; it also offers to receive fewer
  emails: the monthly digest only, or a pause of a few months.
- A forged, altered or foreign token gets 403; a missing one 400.
"""

from __future__ import annotations

import logging

from ..delivery import choices
from ..tokens import InvalidToken
from .http import Request, Response

log = logging.getLogger(__name__)

PURPOSE = "unsubscribe"
ONE_CLICK = ("List-Unsubscribe", "One-Click")


def _token(app, request: Request):
    """(token data, None) for a genuine token, or (None, error response)."""
    token = request.query.get("t") or (request.form.get("t") if request.method == "POST" else None)
    lang = app.language(request)
    if not token:
        return None, app.render("message.html", lang, 400, key="missing_token")
    try:
        return app.signer.verify(token, PURPOSE), None
    except InvalidToken as exc:
        log.warning("refused unsubscribe token: %s", exc)
        return None, app.render("message.html", lang, 403, key="bad_token")


def handle(app, request: Request) -> Response:
    if request.method not in ("GET", "HEAD", "POST"):
        response = app.render("message.html", app.language(request), 405, key="method")
        response.headers.append(("Allow", "GET, HEAD, POST"))
        return response
    data, error = _token(app, request)
    if error is not None:
        return error
    with app.open_store() as store:
        member = store.get(data.member_id)
        lang = app.language(request, member)
        if request.method == "POST":
            return _post(app, request, store, member, data, lang)
        if member is None or member.unsubscribed is not None:
            return app.render("unsubscribe_done.html", lang, outcome="unsubscribed")
        return app.render(
            "unsubscribe_confirm.html", lang, token=request.query.get("t"), pause_months=choices.PAUSE_MONTHS,
            action=request.script_name + request.path,
        )


def _post(app, request: Request, store, member, data, lang) -> Response:
    form = request.form
    today = app.today()
    if form.get(ONE_CLICK[0]) == ONE_CLICK[1]:
        if member is not None and member.unsubscribed is None:
            store.unsubscribe(member.id, today, scope="all")
            log.info("member %s unsubscribed (campaign %s)", member.id, data.campaign or "-")
        # An erased member, or one already out: nothing to do, same answer.
        return app.render("unsubscribe_done.html", lang, outcome="unsubscribed")
    action = form.get("action")
    if member is None or member.unsubscribed is not None:
        return app.render("unsubscribe_done.html", lang, outcome="unsubscribed")
    if action == "digest":
        choices.digest_only(store, member.id, today)
        return app.render("unsubscribe_done.html", lang, outcome="digest")
    if action == "pause":
        try:
            months = int(form.get("months", ""))
            until = choices.pause(store, member.id, months, today)
        except ValueError:
            return app.render("message.html", lang, 400, key="bad_choice")
        return app.render("unsubscribe_done.html", lang, outcome="paused", until=until)
    return app.render("message.html", lang, 400, key="bad_choice")
