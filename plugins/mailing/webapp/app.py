"""The WSGI application behind the links of every email: a tiny router and shared services.

Routes map a path to `handler(app, request) -> Response`. A route's path is
either literal ("/healthz") or the name of a setting holding a public URL
(`MAILING_UNSUBSCRIBE_URL` → "/desabonnement"), so links in emails and the
application never disagree; a trailing "?" on the setting's name makes the
route optional (served only when the setting is set). To add pages (sign-up,
preferences…), append one line to `ROUTES` with your module's handler.
"""

from __future__ import annotations

import importlib
import logging
from urllib.parse import urlsplit

from talentpool.store import StoreError

from . import pages
from .config import load_settings
from .http import BadRequest, Request, Response

log = logging.getLogger(__name__)

# (path or setting holding a URL, "module:function")
ROUTES: list[tuple[str, str]] = [
    ("MAILING_UNSUBSCRIBE_URL", "mailing.webapp.unsubscribe:handle"),
    ("/healthz", "mailing.webapp.app:health"),
    ("COMMUNITY_ENDPOINT", "mailing.webapp.signup:handle"),
    ("COMMUNITY_CONFIRM_URL", "mailing.webapp.signup:confirm"),
    ("MAILING_PREFERENCES_URL", "mailing.webapp.preferences:handle"),
    ("AMBASSADORS_FORM_ENDPOINT?", "mailing.webapp.booking:handle"),  # "?": only when the setting is set
    ("MAILING_CLICK_URL", "mailing.webapp.clicks:handle"),  # answers 404 unless MAILING_CLICK_COUNTS is on
    ("MAILING_FORECAST_ANSWER_URL", "mailing.webapp.forecast:handle"),  # "yes, I'm interested" (docs/forecasts.md)
]


def health(app, request: Request) -> Response:
    """For load balancers and function platforms: the store opens, the app answers (503 when the store is
    missing or cannot be opened)."""
    with app.open_store():
        pass
    return Response(200, b"ok\n", content_type="text/plain; charset=utf-8")


def _resolve(spec: str):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


class WebApp:
    """A WSGI callable: `WebApp(settings)`; serve it with wsgiref, gunicorn or any WSGI host."""

    def __init__(self, settings: dict, routes=None):
        from mailing import settings as mailing_settings

        from ..tokens import Signer, secret_from_env

        self.settings = dict(settings)
        mailing_settings.apply_defaults(self.settings)
        self.signer = Signer(secret_from_env(required=bool(self.settings.get("MAILING_REQUIRE_SECRET"))))
        self.languages = list(self.settings.get("CAREERS_LANGUAGES") or ["fr", "en"])
        self.default_lang = self.settings.get("DEFAULT_LANG") or self.languages[0]
        self.pages = pages.Pages(self.settings)
        self.routes: dict[str, object] = {}
        for where, handler in routes if routes is not None else ROUTES:
            if where.endswith("?"):  # an optional route: served only when its setting is set
                where = where[:-1]
                if not self.settings.get(where):
                    continue
            self.add_route(where, handler)

    def add_route(self, where: str, handler) -> str:
        """Serve `handler` at a literal path or at the path of the URL in setting `where`."""
        if not where.startswith("/"):
            url = self.settings.get(where)
            if not url:
                raise ValueError(f"route setting {where} is not set")
            where = urlsplit(url).path or "/"
        path = where.rstrip("/") or "/"
        self.routes[path] = _resolve(handler) if isinstance(handler, str) else handler
        return path

    # --- services for handlers ------------------------------------------

    def open_store(self):
        from talentpool import config

        return config.open_store(self.settings)

    def today(self):
        from careers.dates import today

        return today(self.settings)

    def language(self, request: Request, member=None) -> str:
        """The member's language, else the one asked in the query or by the browser, else the site's."""
        for candidate in (getattr(member, "language", None), request.query.get("lang"), request.accepted_language(self.languages)):
            if candidate in self.languages:
                return candidate
        return self.default_lang

    def render(self, template: str, lang: str, status: int = 200, **context) -> Response:
        return Response(status, self.pages.render(template, lang, **context).encode("utf-8"))

    # --- WSGI ---------------------------------------------------------------

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET").upper()
        try:
            request = Request.from_environ(environ)
            handler = self.routes.get(request.path)
            if handler is None:
                response = self.render("message.html", self.language(request), 404, key="not_found")
            else:
                response = handler(self, request)
        except BadRequest as exc:
            response = self.render("message.html", self.default_lang, exc.status, key="bad_request", detail=str(exc))
        except StoreError as exc:
            # Missing, read-only or damaged store: say the request was NOT recorded (never confirm an unsubscribe
            # that is lost); 503 so that a mail client retries a one-click unsubscribe and a health check fails.
            # The message names the file and the fix, never a person.
            log.error("%s %s not recorded: %s", method, environ.get("PATH_INFO"), exc)
            response = self.render("message.html", self.default_lang, 503, key="not_recorded")
        except Exception:
            log.exception("error while answering %s %s", method, environ.get("PATH_INFO"))
            response = self.render("message.html", self.default_lang, 500, key="error")
        return response(start_response, method)


def create_app(settings: dict | None = None, **kwargs) -> WebApp:
    """The application for these settings (default: pelicanconf.py found from the current folder)."""
    if settings is None:
        settings = load_settings()
    return WebApp(settings, **kwargs)
