"""The counting redirect (`/r?l=<signed link id>`), only when MAILING_CLICK_COUNTS is on.

GET adds one to the link's aggregate counter (plan, variant, link) and
redirects (303) to the link; HEAD redirects without counting (link checkers).
Nothing about the person is read or kept: no cookie, no IP, no time.
A link id we did not sign gets 403 and no redirect.
"""

from __future__ import annotations

import logging

from ..reports import queries
from ..reports.clicks import read_link_id
from ..tokens import InvalidToken, secret_from_env
from .http import Request, Response

log = logging.getLogger(__name__)


def handle(app, request: Request) -> Response:
    lang = app.language(request)
    if not app.settings.get("MAILING_CLICK_COUNTS"):
        return app.render("message.html", lang, 404, key="not_found")
    if request.method not in ("GET", "HEAD"):
        return Response(405, b"GET only\n", headers=[("Allow", "GET, HEAD")], content_type="text/plain; charset=utf-8")
    token = request.query.get("l")
    if not token:
        return app.render("message.html", lang, 400, key="missing_token")
    try:
        plan_id, variant, url = read_link_id(secret_from_env(required=bool(app.settings.get("MAILING_REQUIRE_SECRET"))), token)
    except InvalidToken as exc:
        log.warning("refused link id: %s", exc)
        return app.render("message.html", lang, 403, key="bad_token")
    if request.method == "GET":
        with app.open_store() as store:
            queries.record_click(store, plan_id, variant, url)
    return Response(303, b"", headers=[("Location", url)], content_type="text/plain; charset=utf-8")
