"""Defaults and start-up validation of the mailing plugin's settings (MAILING_…)."""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

DEFAULTS = {
    # Private plan (manifest, compiled templates, previews): never under output/.
    "MAILING_OUTBOX": os.environ.get("VIVIER_OUTBOX", "var/outbox"),
    # The mail theme: layout and components (MJML + Jinja2), strings per language.
    "MAILING_THEME": "theme/mail",
    # Plan and compile the emails in a child process while the site is written (mailing/engine/generator.py).
    "MAILING_BACKGROUND": True,
    "MAILING_FROM_NAME": "Cardamome Conseil — Carrières",
    "MAILING_FROM_ADDRESS": "carrieres@cardamome.example",
    # Reply-To of every message; "{plan}" in it becomes the plan id (carrieres+r-{plan}@…), so
    # `vivier replies import` can count replies per plan (docs/reports.md).
    "MAILING_REPLY_TO": "",
    # List-Id (RFC 2919): a stable identifier of the talent-pool newsletter.
    "MAILING_LIST_ID": "talent-pool.carrieres.cardamome.example",
    # None: derived from PUBLIC_URL ("/desabonnement", "/preferences").
    "MAILING_UNSUBSCRIBE_URL": None,
    "MAILING_PREFERENCES_URL": None,
    "MAILING_UNSUBSCRIBE_MAILTO": "desabonnement@cardamome.example",
    # Aggregate click counts per link and variant, never per person (docs/reports.md): off by default;
    # when on, say so in the privacy notice. MAILING_CLICK_URL None: PUBLIC_URL + "/r".
    "MAILING_CLICK_COUNTS": False,
    "MAILING_CLICK_URL": None,
    # The job listing linked when no job matches a member ({lang: site-relative URL}).
    "MAILING_JOBS_URL": {"fr": "emplois/", "en": "en/jobs/"},
    # Public "view in browser" pages, relative to the site root.
    "MAILING_ARCHIVE_URL": "newsletters/{slug}/{segment}/{lang}/",
    # Quality gates.
    "MAILING_MAX_HTML_BYTES": 90_000,
    "MAILING_SUBJECT_MAX": 78,
    "MAILING_PREHEADER_MIN": 40,
    "MAILING_PREHEADER_MAX": 130,
    # Matching and plan.
    "MAILING_MATCHES": 3,
    "MAILING_PREVIEWS": 3,
    # None: a secret is required when the build is the production one (SITEURL == PUBLIC_URL).
    "MAILING_REQUIRE_SECRET": None,
}


class MailingSettingsError(ValueError):
    """A MAILING_… setting is malformed; the message names it."""

    exitcode = 2


def apply_defaults(settings: dict) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    public = str(settings.get("PUBLIC_URL", "")).rstrip("/")
    if not settings.get("MAILING_UNSUBSCRIBE_URL"):
        settings["MAILING_UNSUBSCRIBE_URL"] = public + "/desabonnement"
    if not settings.get("MAILING_PREFERENCES_URL"):
        settings["MAILING_PREFERENCES_URL"] = public + "/preferences"
    if not settings.get("MAILING_CLICK_URL"):
        settings["MAILING_CLICK_URL"] = public + "/r"
    if settings.get("MAILING_REQUIRE_SECRET") is None:
        settings["MAILING_REQUIRE_SECRET"] = bool(public) and settings.get("SITEURL") == public


_ADDRESS = re.compile(r"[^@\s<>\"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def validate(settings: dict) -> None:
    """Fail at start-up, naming the setting, rather than mid-build."""
    problems = []
    for key in ("MAILING_UNSUBSCRIBE_URL", "MAILING_PREFERENCES_URL", *(["MAILING_CLICK_URL"] if settings.get("MAILING_CLICK_COUNTS") else [])):
        parts = urlsplit(str(settings.get(key) or ""))
        if parts.scheme != "https" or not parts.netloc or parts.query:
            problems.append(f"{key} must be an absolute https:// address without a query, not {settings.get(key)!r}")
    for key in ("MAILING_FROM_ADDRESS", "MAILING_UNSUBSCRIBE_MAILTO"):
        if not _ADDRESS.fullmatch(str(settings.get(key) or "")):
            problems.append(f"{key} must be an email address like news@example.com, not {settings.get(key)!r}")
    if settings.get("MAILING_REPLY_TO") and not _ADDRESS.fullmatch(str(settings["MAILING_REPLY_TO"])):
        problems.append(f"MAILING_REPLY_TO must be an email address or empty, not {settings['MAILING_REPLY_TO']!r}")
    if not re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", str(settings.get("MAILING_LIST_ID") or "")):
        problems.append("MAILING_LIST_ID must be a dotted identifier like news.example.com (RFC 2919)")
    for key in ("MAILING_FROM_NAME",):
        if any(ord(c) < 32 for c in str(settings.get(key) or "")):
            problems.append(f"{key} must be one line of text")
    for key in ("MAILING_MAX_HTML_BYTES", "MAILING_SUBJECT_MAX", "MAILING_PREHEADER_MIN",
                "MAILING_PREHEADER_MAX", "MAILING_MATCHES", "MAILING_PREVIEWS"):
        value = settings.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(f"{key} must be a whole number ≥ 0, not {value!r}")
    if isinstance(settings.get("MAILING_PREHEADER_MIN"), int) and isinstance(settings.get("MAILING_PREHEADER_MAX"), int):
        if settings["MAILING_PREHEADER_MIN"] > settings["MAILING_PREHEADER_MAX"]:
            problems.append("MAILING_PREHEADER_MIN must not exceed MAILING_PREHEADER_MAX")
    archive = str(settings.get("MAILING_ARCHIVE_URL") or "")
    if not archive.endswith("/") or "{slug}" not in archive or "{segment}" not in archive or "{lang}" not in archive:
        problems.append("MAILING_ARCHIVE_URL must contain {slug}, {segment} and {lang} and end with '/'")
    outbox = os.path.abspath(str(settings.get("MAILING_OUTBOX") or ""))
    output = os.path.abspath(str(settings.get("OUTPUT_PATH") or "output"))
    if not settings.get("MAILING_OUTBOX"):
        problems.append("MAILING_OUTBOX must name a private folder (or set VIVIER_OUTBOX)")
    elif outbox == output or outbox.startswith(output + os.sep):
        problems.append(f"MAILING_OUTBOX ({outbox}) must not be inside OUTPUT_PATH: the plan holds member data")
    if settings.get("MAILING_REQUIRE_SECRET") and not os.environ.get("VIVIER_SECRET"):
        problems.append("VIVIER_SECRET (environment) must be set for a production build: it signs unsubscribe links")
    if problems:
        raise MailingSettingsError("Invalid mailing settings:\n  " + "\n  ".join(problems))


def project_path(settings, value: str) -> str:
    """A path setting made absolute from the project root (PROJECT_ROOT, else the theme's parent)."""
    if os.path.isabs(value):
        return value
    root = settings.get("PROJECT_ROOT") or os.path.dirname(os.path.abspath(settings["THEME"]))
    return os.path.join(root, value)


def mail_theme_path(settings) -> str:
    """The mail theme folder (MAILING_THEME)."""
    return project_path(settings, settings.get("MAILING_THEME") or DEFAULTS["MAILING_THEME"])
