"""The "yes, I'm interested" answer to a staffing forecast (`MAILING_FORECAST_ANSWER_URL?t=…`, docs/forecasts.md).

- GET shows a confirmation page with a button, so link scanners that follow
  every URL of an email answer for nobody.
- POST records the answer (`forecast_answers`, once) and thanks the member in
  their language; the member is then among those told if the need falls
  through.
- The token is signed (purpose `forecast`, the forecast id as its campaign):
  a missing, forged, altered or foreign token (another purpose, or a member
  never asked about that forecast) gets 400 and records nothing.

Neither page names the mission nor the client: the web application knows
only the forecast's id, never reads the private forecast files.
"""

from __future__ import annotations

import logging

from ..kinds.forecast import records
from ..kinds.forecast.views import TOKEN_PURPOSE
from ..tokens import InvalidToken
from .http import Request, Response

log = logging.getLogger(__name__)


def handle(app, request: Request) -> Response:
    if request.method not in ("GET", "HEAD", "POST"):
        response = app.render("message.html", app.language(request), 405, key="method")
        response.headers.append(("Allow", "GET, HEAD, POST"))
        return response
    token = request.query.get("t") or (request.form.get("t") if request.method == "POST" else None)
    if not token:
        return app.render("message.html", app.language(request), 400, key="forecast_invalid")
    try:
        data = app.signer.verify(token, TOKEN_PURPOSE)
    except InvalidToken as exc:
        log.warning("refused forecast answer token: %s", exc)
        return app.render("message.html", app.language(request), 400, key="forecast_invalid")
    with app.open_store() as store:
        member = store.get(data.member_id)
        lang = app.language(request, member)
        if member is None:
            return app.render("message.html", lang, key="forecast_gone")
        if member.id not in records.asked(store, data.campaign):
            log.warning("refused forecast answer: member %s was never asked about %s", member.id, data.campaign)
            return app.render("message.html", lang, 400, key="forecast_invalid")
        if request.method != "POST":
            return app.render("forecast_confirm.html", lang, token=token, action=request.script_name + request.path)
        if records.record_answer(store, member.id, data.campaign, app.today()):
            log.info("member %s is interested in forecast %s", member.id, data.campaign)
    return app.render("message.html", lang, key="forecast_thanks")
