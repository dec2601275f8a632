"""The ambassadors as the booking web application needs them, read from the content files without Pelican.

The web application runs on the operator's host beside the repository: it
reads `content/ambassadors/*.md` (default-language files) with the same
field schema as the build, and keeps, per slug, what booking needs: name,
role, team, formats, monthly cap, role mailbox, consent end and visibility.
A file with a problem is left out (the build reports it).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from pelican.utils import slugify

from . import ambassador_fields as af
from .job_signoff import read_header
from .report import ContentReport


@dataclass(frozen=True)
class Profile:
    slug: str
    name: str
    role: str
    department: str
    languages: tuple[str, ...]
    formats: tuple[str, ...]
    booking: str
    mailbox: str | None
    monthly_cap: int | None
    consent_until: dt.date
    listed: bool
    roles: dict  # lang -> role, from the translations

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    def bookable(self, today: dt.date) -> bool:
        """Booked through Vivier's form, with a mailbox, and the person's consent still running."""
        return self.booking == "form" and bool(self.mailbox) and self.consent_until >= today


def load_directory(settings: dict) -> dict[str, Profile]:
    """Every valid ambassador of the content folder, by slug."""
    settings = dict(settings)
    af.apply_defaults(settings)
    default_lang = settings.get("DEFAULT_LANG") or "fr"
    schema = af.schema(settings)
    slug_subs = settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
    profiles, roles = {}, {}
    for folder in settings["AMBASSADORS_PATHS"]:
        root = Path(settings["PATH"]) / folder
        for path in sorted(root.rglob("*.md")):
            header = {key: value for key, (value, _line) in read_header(path).items()}
            slug = header.get("slug") or slugify(header.get("name") or path.stem, regex_subs=slug_subs)
            lang = header.get("lang") or (path.parent.name if path.parent != root else default_lang)
            if lang != default_lang:
                if header.get("role"):
                    roles.setdefault(slug, {})[lang] = header["role"]
                continue
            report = ContentReport()
            values = schema.parse(header, os.fspath(path), report)
            if report.errors:
                continue
            profiles[slug] = values | {"slug": slug}
    return {slug: _profile(values, roles.get(slug, {}), default_lang) for slug, values in profiles.items()}


def _profile(values: dict, roles: dict, default_lang: str) -> Profile:
    return Profile(
        slug=values["slug"], name=values["name"], role=values["role"], department=values["department"],
        languages=tuple(values["languages"]), formats=tuple(values["formats"]), booking=values["booking"],
        mailbox=values.get("mailbox"), monthly_cap=values.get("monthly_cap"), consent_until=values["consent_until"],
        listed=values.get("visibility", "listed") == "listed", roles={default_lang: values["role"], **roles},
    )
