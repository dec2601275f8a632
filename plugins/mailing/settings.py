"""Every setting of the mail side, declared once (name, default, help), and the MAILING_… validation."""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

@dataclass(frozen=True)
class Setting:
    """One setting of the mail side: its name, its default and what it is for (shown in docs/)."""

    name: str
    default: object
    help: str


# Every setting of the mail side, declared once: the mailing plugin applies these defaults at start-up,
# all at the same moment (`apply_defaults`); each part validates its own (`validate` here, in
# community.settings, kinds.invitation.settings and delivery.config). A test fails when one is not
# documented in docs/ or when the code reads a MAILING_/COMMUNITY_/INVITATIONS_/SEQUENCES_ name not declared here.
SETTINGS: tuple[Setting, ...] = (
    # --- building and planning ----------------------------------------------------------------------
    Setting("MAILING_OUTBOX", os.environ.get("VIVIER_OUTBOX", "var/outbox"),
            "private plan folder (manifests, compiled emails, previews); never under output/"),
    Setting("MAILING_THEME", "theme/mail", "the mail theme: MJML + Jinja layout and components, strings per language"),
    Setting("MAILING_BACKGROUND", True, "plan and compile the emails in a child process while the site is written"),
    Setting("MAILING_FROM_NAME", "Cardamome Conseil — Carrières", "display name of the From address"),
    Setting("MAILING_FROM_ADDRESS", "carrieres@cardamome.example", "the From address of every message"),
    Setting("MAILING_REPLY_TO", "", "Reply-To of every message (empty: none); {plan} in it becomes the plan id "
            "(carrieres+r-{plan}@…) so that `vivier replies import` counts replies per plan"),
    Setting("MAILING_LIST_ID", "talent-pool.carrieres.cardamome.example", "List-Id (RFC 2919) of the talent-pool mail"),
    Setting("MAILING_UNSUBSCRIBE_URL", None, "one-click unsubscribe page (None: PUBLIC_URL + /desabonnement)"),
    Setting("MAILING_PREFERENCES_URL", None, "preferences page (None: PUBLIC_URL + /preferences)"),
    Setting("MAILING_UNSUBSCRIBE_MAILTO", "desabonnement@cardamome.example", "mailto address of List-Unsubscribe"),
    Setting("MAILING_CLICK_COUNTS", False, "aggregate click counts per link and variant, never per person "
            "(off by default; say so in the privacy notice when on)"),
    Setting("MAILING_CLICK_URL", None, "the click-count redirect (None: PUBLIC_URL + /r)"),
    Setting("MAILING_FORECAST_ANSWER_URL", None,
            "the signed \"yes, I'm interested\" link of staffing-forecast messages (None: PUBLIC_URL + /interet)"),
    Setting("MAILING_JOBS_URL", {"fr": "emplois/", "en": "en/jobs/"},
            "the job listing linked when no job matches a member ({lang: site-relative URL})"),
    Setting("MAILING_ARCHIVE_URL", "newsletters/{slug}/{segment}/{lang}/", "public 'view in browser' pages, site-relative"),
    Setting("MAILING_MAX_HTML_BYTES", 90_000, "quality gate: the largest HTML part (Gmail clips at about 102 KB)"),
    Setting("MAILING_SUBJECT_MAX", 78, "quality gate: the longest subject"),
    Setting("MAILING_PREHEADER_MIN", 40, "quality gate: the shortest preheader"),
    Setting("MAILING_PREHEADER_MAX", 130, "quality gate: the longest preheader"),
    Setting("MAILING_MATCHES", 3, "matched jobs per member in a newsletter"),
    Setting("MAILING_PREVIEWS", 3, ".eml previews written per plan"),
    Setting("MAILING_WALK_PROCESSES", 0, "processes walking a large pool at once to plan its mail "
            "(0: one per core, at most 4; 1: this process alone)"),
    Setting("MAILING_WALK_PARALLEL_FROM", 200_000, "members from which the pool is walked by several processes "
            "(below, forking costs more than it saves)"),
    Setting("MAILING_REQUIRE_SECRET", None,
            "require VIVIER_SECRET (None: required for the production build, SITEURL == PUBLIC_URL)"),
    # --- invitations and follow-ups ------------------------------------------------------------------
    Setting("INVITATIONS_OPEN_DAYS", 90, "invitations go out from this many days before an event's start"),
    Setting("INVITATIONS_REMINDER_DAYS", 1, "the reminder goes this many days before the start (0: none)"),
    Setting("SEQUENCES_PATH", "audiences/sequences", "follow-up sequences (YAML), relative to the project root"),
    Setting("SEQUENCES_MAX_WAIT_DAYS", 30, "a follow-up step that cannot go on its day waits at most this long"),
    # --- the talent community (sign-up form, double opt-in, job alerts) -------------------------------
    Setting("COMMUNITY_ENDPOINT", None, "where the sign-up form posts (None: PUBLIC_URL + /api/inscription)"),
    Setting("COMMUNITY_CONFIRM_URL", None, "the confirmation link of the double opt-in (None: PUBLIC_URL + /api/confirmation)"),
    Setting("COMMUNITY_FORM_VERSION", "2026-11", "version of the form's wording, kept with every consent proof"),
    Setting("COMMUNITY_CONFIRM_HOURS", 72, "a confirmation link expires after this many hours"),
    Setting("COMMUNITY_RATE_PER_ADDRESS", 3, "sign-ups per mailbox per day (case and +tags ignored)"),
    Setting("COMMUNITY_RATE_PER_CLIENT", 20, "sign-ups per client (IP address) per hour"),
    Setting("COMMUNITY_RATE_OVERALL", 300, "sign-ups per hour from everyone together (caps confirmation emails)"),
    Setting("COMMUNITY_TRUSTED_PROXIES", [], "reverse proxies (addresses or networks) whose X-Forwarded-For is believed"),
    Setting("COMMUNITY_LOCATIONS", ["Lyon", "Nantes"], "cities offered in the sign-up form"),
    Setting("COMMUNITY_SKILLS_MAX", 15, "skills a person may give in the form"),
    Setting("COMMUNITY_ALERT_MAX_JOBS", 5, "jobs per job-alert digest at most"),
    Setting("COMMUNITY_ALERT_MAX_AGE_DAYS", 30, "how old a job may be to be announced in an alert"),
    # --- reports (vivier report) -----------------------------------------------------------------------
    Setting("MAILING_REPORTS_PATH", None, "private folder of the HTML reports (None: $VIVIER_REPORTS or var/reports)"),
    Setting("MAILING_REPORTS_MIN_GROUP", 10, "k: no figure for a group of fewer members than this (shown as '< k')"),
    Setting("MAILING_REPORTS_WINDOW_DAYS", 30, "days after a plan's sending in which unsubscribes, replies and applications count"),
    Setting("MAILING_REPORTS_MIN_SAMPLE", 100, "members per variant before an A/B test may give a verdict"),
    Setting("MAILING_REPORTS_ALPHA", 0.05, "the A/B test's significance level"),
    # --- delivery (vivier send) -----------------------------------------------------------------------
    Setting("MAILING_SMTP_HOST", "localhost", "the SMTP relay (VIVIER_SMTP_HOST overrides it)"),
    Setting("MAILING_SMTP_PORT", None, "its port (None: 587 for starttls, 465 for tls, 25 for none)"),
    Setting("MAILING_SMTP_SECURITY", "starttls", "starttls, tls or none"),
    Setting("MAILING_SMTP_TIMEOUT", 30, "seconds before an SMTP answer is given up"),
    Setting("MAILING_SMTP_MAX_PER_CONNECTION", 100, "messages per connection before reconnecting"),
    Setting("MAILING_RATE", 10, "messages per second"),
    Setting("MAILING_RETRIES", 3, "extra attempts after a temporary (4xx) failure"),
    Setting("MAILING_BACKOFF", 2.0, "seconds before the first retry; doubles each time"),
    Setting("MAILING_BACKOFF_MAX", 60.0, "the longest wait between retries"),
    Setting("MAILING_ENVELOPE_FROM", None, "envelope sender, where bounces go (None: the From address)"),
    Setting("MAILING_VERP", False, "bounces to local+<member>.<plan>@domain, so each names its member and plan"),
    Setting("MAILING_SMTP_CONNECTIONS", 1, "parallel connections to the relay"),
    Setting("MAILING_DOMAIN_RATE", None, "messages per second to one recipient domain (None: no limit)"),
    Setting("MAILING_SOFT_BOUNCE_LIMIT", 3, "soft bounces in a row (one per plan) that suppress an address"),
    Setting("MAILING_CLAIM_LEASE", None, "seconds a delivery claim lives (None: 4 x timeout + 30)"),
    Setting("MAILING_DKIM_SELECTOR", None, "DKIM signing by vivier send (off without a selector)"),
    Setting("MAILING_DKIM_DOMAIN", None, "d= of the DKIM signature (None: the From address's domain)"),
    Setting("MAILING_PLAN", True, "plan mail in the build (False, or VIVIER_MAIL_PLANNING=off: the site role, no store opened)"),
    Setting("MAILING_BOUNCE_SOURCE", None, "where `vivier daily` imports bounces from (mbox, Maildir, imaps://…; None: skip)"),
)
DECLARED = {setting.name: setting for setting in SETTINGS}
DEFAULTS = {setting.name: setting.default for setting in SETTINGS}


def defaults_of(*names: str) -> dict:
    """The declared defaults of these settings (a part's own view of the one declaration)."""
    return {name: DECLARED[name].default for name in names}


class MailingSettingsError(ValueError):
    """A MAILING_… setting is malformed; the message names it."""

    exitcode = 2


def apply_defaults(settings: dict) -> dict:
    """Every mail setting's default, and those derived from PUBLIC_URL, at once."""
    for key, value in DEFAULTS.items():
        settings.setdefault(key, copy.deepcopy(value))
    public = str(settings.get("PUBLIC_URL", "")).rstrip("/")
    derived = {"MAILING_UNSUBSCRIBE_URL": "/desabonnement", "MAILING_PREFERENCES_URL": "/preferences",
               "MAILING_CLICK_URL": "/r", "MAILING_FORECAST_ANSWER_URL": "/interet",
               "COMMUNITY_ENDPOINT": "/api/inscription", "COMMUNITY_CONFIRM_URL": "/api/confirmation"}
    for key, path in derived.items():
        if not settings.get(key):
            settings[key] = public + path
    if settings.get("MAILING_REQUIRE_SECRET") is None:
        settings["MAILING_REQUIRE_SECRET"] = bool(public) and settings.get("SITEURL") == public
    return settings


_ADDRESS = re.compile(r"[^@\s<>\"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def validate(settings: dict) -> None:
    """Fail at start-up, naming the setting, rather than mid-build."""
    problems = []
    for key in ("MAILING_UNSUBSCRIBE_URL", "MAILING_PREFERENCES_URL", "MAILING_FORECAST_ANSWER_URL", *(["MAILING_CLICK_URL"] if settings.get("MAILING_CLICK_COUNTS") else [])):
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
                "MAILING_PREHEADER_MAX", "MAILING_MATCHES", "MAILING_PREVIEWS", "MAILING_WALK_PROCESSES",
                "MAILING_WALK_PARALLEL_FROM"):
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
