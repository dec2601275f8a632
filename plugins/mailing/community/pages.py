"""The community pages of the web application: the site's form partial and theme strings, rendered outside Pelican.

The sign-up form lives once, in `theme/templates/partials/home_community.html`;
the web application renders that same partial (with the person's values and
errors) inside its own small pages, with the site's theme strings (`t`
filter), so the static site and the application never disagree.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
from careers.i18n import translator
from careers.urls import absolute, lang_prefix

from ..views import privacy_url

TEMPLATES = Path(__file__).resolve().parents[1] / "webapp" / "templates"


class CommunityPages:
    """Renders `community_*.html` in a language, with the theme's `t` filter and the form's settings."""

    def __init__(self, settings: dict):
        self.settings = settings
        theme = settings["THEME"]
        self.t = translator(theme, settings["DEFAULT_LANG"])
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(TEMPLATES)),
                                        jinja2.FileSystemLoader(os.path.join(theme, "templates"))]),
            autoescape=True, trim_blocks=True, lstrip_blocks=True,
        )
        self.env.filters["t"] = self.t
        keys = ("COMMUNITY_ENDPOINT", "COMMUNITY_FORM_VERSION", "COMMUNITY_LOCATIONS", "JOBS_DEPARTMENTS",
                "CAREERS_LANGUAGES", "DEFAULT_LANG", "CAREERS_COMPANY")
        self.env.globals.update({key: settings.get(key) for key in keys})
        self.env.globals.update(SITEURL=settings["PUBLIC_URL"].rstrip("/"),
                                lang_prefix=lambda lang: lang_prefix(settings, lang))

    def render(self, template: str, lang: str, **context) -> str:
        return self.env.get_template(template).render(
            page_lang=lang,
            site_url=absolute(self.settings, lang_prefix(self.settings, lang)),
            community_privacy_url=privacy_url(self.settings, lang),
            **context,
        )
