"""The web application's small HTML pages: Jinja2 templates (autoescaped) and their strings per language."""

from __future__ import annotations

from pathlib import Path

import jinja2
import yaml

from careers.urls import absolute, lang_prefix

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STRINGS = HERE / "strings.yml"


class Pages:
    """Renders `templates/*.html` with `t('key')` in the page's language."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.strings = yaml.safe_load(STRINGS.read_text(encoding="utf-8"))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def text(self, lang: str, key: str, **values) -> str:
        """One string: `section.name` in `lang`, with `{name}` values filled in."""
        node = self.strings.get(lang) or self.strings["fr"]
        for part in key.split("."):
            node = node[part]
        return str(node).format(**values) if values else str(node)

    def date(self, lang: str, day) -> str:
        """'22 février 2027' / '22 February 2027'."""
        months = [m.strip() for m in self.text(lang, "common.months").split(",")]
        return self.text(lang, "common.date", day=day.day, month=months[day.month - 1], year=day.year)

    def render(self, template: str, lang: str, **context) -> str:
        company = self.settings.get("CAREERS_COMPANY") or {}
        return self.env.get_template(template).render(
            lang=lang,
            t=lambda key, **values: self.text(lang, key, **values),
            format_date=lambda day: self.date(lang, day),
            company=company.get("name", ""),
            site_url=self.settings.get("PUBLIC_URL", ""),
            privacy_url=absolute(self.settings, lang_prefix(self.settings, lang) + "confidentialite/"),
            **context,
        )
