"""Entry point for WSGI servers: `gunicorn mailing.webapp.wsgi:application`.

Settings come from the file named by `VIVIER_SETTINGS` (default: the
pelicanconf.py of the current folder or a parent), exactly as the build reads
them; secrets come from the environment (`VIVIER_SECRET`, `VIVIER_POOL`).
"""

from __future__ import annotations

from .config import load_settings

__all__ = ["application", "load_settings"]


def __getattr__(name):
    # Built on first use, so importing this module never needs the settings.
    if name == "application":
        from .app import WebApp

        app = WebApp(load_settings())
        globals()["application"] = app
        return app
    raise AttributeError(name)
