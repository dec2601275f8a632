"""Defaults and validation of the COMMUNITY_… settings (sign-up form, double opt-in, job alerts)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from .. import settings as mail_settings

# Declared with every mail setting in mailing.settings; this is the community's view of them.
DEFAULTS = {name: value for name, value in mail_settings.DEFAULTS.items() if name.startswith("COMMUNITY_")}

RHYTHMS = ("instant", "weekly", "monthly")
REMOTE = ("any", "on-site", "hybrid", "remote")
CONSENTS = ("job_alerts", "newsletter", "events")


class CommunitySettingsError(ValueError):
    """A COMMUNITY_… setting is malformed; the message names it."""

    exitcode = 2


def apply_defaults(settings: dict) -> dict:
    """The mail side's defaults (mailing.settings applies them all at once)."""
    return mail_settings.apply_defaults(settings)


def validate(settings: dict) -> None:
    """Fail at start-up, naming the setting."""
    problems = []
    for key in ("COMMUNITY_ENDPOINT", "COMMUNITY_CONFIRM_URL"):
        parts = urlsplit(str(settings.get(key) or ""))
        if parts.scheme != "https" or not parts.netloc or parts.query:
            problems.append(f"{key} must be an absolute https:// address without a query, not {settings.get(key)!r}")
    for key in ("COMMUNITY_CONFIRM_HOURS", "COMMUNITY_RATE_PER_ADDRESS", "COMMUNITY_RATE_PER_CLIENT", "COMMUNITY_RATE_OVERALL",
                "COMMUNITY_SKILLS_MAX", "COMMUNITY_ALERT_MAX_JOBS", "COMMUNITY_ALERT_MAX_AGE_DAYS"):
        value = settings.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(f"{key} must be a whole number ≥ 1, not {value!r}")
    proxies = settings.get("COMMUNITY_TRUSTED_PROXIES")
    if not isinstance(proxies, (list, tuple)):
        problems.append(f"COMMUNITY_TRUSTED_PROXIES must be a list of addresses or networks like ['10.0.0.5', '10.1.0.0/16'], not {proxies!r}")
    else:
        for proxy in proxies:
            try:
                ipaddress.ip_network(str(proxy), strict=False)
            except ValueError:
                problems.append(f"COMMUNITY_TRUSTED_PROXIES: {proxy!r} is not an IP address or network like '10.0.0.5' or '10.1.0.0/16'")
    locations = settings.get("COMMUNITY_LOCATIONS")
    if not isinstance(locations, (list, tuple)) or not all(isinstance(c, str) and c.strip() for c in locations):
        problems.append(f"COMMUNITY_LOCATIONS must be a list of city names like ['Lyon', 'Nantes'], not {locations!r}")
    if not str(settings.get("COMMUNITY_FORM_VERSION") or "").strip():
        problems.append("COMMUNITY_FORM_VERSION must name the version of the form's wording, like '2026-11'")
    if problems:
        raise CommunitySettingsError("Invalid community settings:\n  " + "\n  ".join(problems))
