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
    # Where the theme's compiled templates are kept while the content cache is on (CACHE_CONTENT and
    # LOAD_CONTENT_CACHE): None is this user's cache folder ($XDG_CACHE_HOME or ~/.cache, then
    # vivier/templates), kept across cold builds like Python's __pycache__; an edited template is compiled again.
    "CAREERS_TEMPLATE_CACHE_PATH": None,
    "VIVIER_TODAY": None,
    # Written in every page's <head> (a <meta http-equiv>): no inline script runs, only the site's own
    # files, so a title or a Markdown body that slipped a <script> in cannot run it. JSON-LD blocks
    # are data, not scripts, and are not affected. None or "" leaves it out (send it as a header then).
    "CAREERS_CONTENT_SECURITY_POLICY": "script-src 'self'; object-src 'none'; base-uri 'self'",
    # Size budgets that `make check` (the `content` check) holds every HTML page and Atom/RSS feed to, in KB;
    # None for no budget. A listing of thousands of jobs may need a larger page budget.
    "CAREERS_MAX_PAGE_KB": 2048,
    "CAREERS_MAX_FEED_KB": 1024,
}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""

    exitcode = 2


def apply_defaults(settings: dict) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    # The theme is written for autoescaping: every value (a title, a summary…) is escaped unless it
    # is HTML on purpose (`Markup`, `|safe`), so what an editor writes shows as text, never as markup.
    jinja = dict(settings.get("JINJA_ENVIRONMENT") or {})
    jinja.setdefault("autoescape", True)
    settings["JINJA_ENVIRONMENT"] = jinja


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
    for name in ("CAREERS_MAX_PAGE_KB", "CAREERS_MAX_FEED_KB"):
        value = settings.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            problems.append(f"{name} must be a number of kilobytes above 0 (or None for no budget), not {value!r}")
    csp = settings.get("CAREERS_CONTENT_SECURITY_POLICY")
    if csp is not None and not isinstance(csp, str):
        problems.append(f"CAREERS_CONTENT_SECURITY_POLICY must be a policy string (or None), not {csp!r}")
    if (settings.get("JINJA_ENVIRONMENT") or {}).get("autoescape") is not True:
        problems.append("JINJA_ENVIRONMENT['autoescape'] must be True: the theme relies on it to show titles as text")
    today = settings.get("VIVIER_TODAY")
    if today is not None:
        from .dates import today as resolve

        try:
            resolve(settings)
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise SettingsError("Invalid settings in pelicanconf.py:\n  " + "\n  ".join(problems))
