"""Defaults and start-up validation of the careers plugin's settings."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULTS = {
    "PUBLIC_URL": "https://carrieres.example",
    "CAREERS_LANGUAGES": ["fr", "en"],
    "CAREERS_COMPANY": {
        "name": "Example",
        "legal_name": "Example SAS",
        "url": "https://www.example.com",
        "logo": "",
        "postal_address": "",
        "privacy_email": "",
    },
    # Main menu: (string key, {lang: url relative to the site root}).
    "CAREERS_NAV": [
        ("nav.home", {"fr": "", "en": "en/"}),
        ("nav.articles", {"fr": "articles/", "en": "en/articles/"}),
        ("nav.about", {"fr": "a-propos/", "en": "en/a-propos/"}),
    ],
    # Footer links, same shape as CAREERS_NAV.
    "CAREERS_FOOTER_LINKS": [
        ("footer.privacy", {"fr": "confidentialite/", "en": "en/confidentialite/"}),
        ("footer.accessibility", {"fr": "accessibilite/", "en": "en/accessibilite/"}),
        ("footer.values", {"fr": "nos-valeurs/", "en": "en/nos-valeurs/"}),
    ],
    "CAREERS_HOME_ARTICLES": 3,
    # Remove from the output folder, after a successful build, what the build no longer produces
    # (careers/output.py); False keeps every file it does not write (DELETE_OUTPUT_DIRECTORY is off).
    "CAREERS_SWEEP_OUTPUT": True,
    "VIVIER_TODAY": None,
}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""

    exitcode = 2


def apply_defaults(settings: dict) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)


def validate(settings: dict) -> None:
    """Fail at start-up, naming the setting, rather than mid-build."""
    problems = []
    public = settings.get("PUBLIC_URL", "")
    parts = urlsplit(public)
    if parts.scheme != "https" or not parts.netloc or public.endswith("/"):
        problems.append(f"PUBLIC_URL must be an absolute https:// address without a trailing slash, not {public!r}")
    languages = settings.get("CAREERS_LANGUAGES")
    if not languages or settings.get("DEFAULT_LANG") != languages[0]:
        problems.append("CAREERS_LANGUAGES must list the site's languages, DEFAULT_LANG first")
    company = settings.get("CAREERS_COMPANY") or {}
    for key in ("name", "url", "postal_address"):
        if not company.get(key):
            problems.append(f"CAREERS_COMPANY[{key!r}] is required (used in JSON-LD, feeds and emails)")
    for setting in ("CAREERS_NAV", "CAREERS_FOOTER_LINKS"):
        for entry in settings.get(setting, []):
            if not (isinstance(entry, (list, tuple)) and len(entry) == 2 and isinstance(entry[1], dict)):
                problems.append(f"{setting} entries must be (string key, {{lang: url}}), not {entry!r}")
    today = settings.get("VIVIER_TODAY")
    if today is not None:
        from .dates import today as resolve

        try:
            resolve(settings)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise SettingsError("Invalid settings in pelicanconf.py:\n  " + "\n  ".join(problems))
