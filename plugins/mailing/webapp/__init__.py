"""The small web application behind the links of every email (unsubscribe, preferences, sign-up).

`create_app(settings)` returns a WSGI callable: `vivier unsubscribe-app`
serves it locally; `mailing.webapp.wsgi:application` is the entry point for
gunicorn or any WSGI host.
"""

from .app import ROUTES, WebApp, create_app

__all__ = ["ROUTES", "WebApp", "create_app"]
