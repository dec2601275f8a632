"""Defaults of the report settings (MAILING_REPORTS_…), applied when a report is made."""

from __future__ import annotations

import os
from pathlib import Path

from .. import settings as mail_settings

# Declared with every mail setting in mailing.settings; this is the reports' view of them.
DEFAULTS = {name: value for name, value in mail_settings.DEFAULTS.items() if name.startswith("MAILING_REPORTS_")}


class ReportSettingsError(ValueError):
    """A MAILING_REPORTS_… setting is malformed; the message names it."""


def report_settings(settings) -> dict:
    """The report settings with their defaults, validated (raises ReportSettingsError naming the setting)."""
    values = {key: settings.get(key, default) if settings.get(key) is not None else default for key, default in DEFAULTS.items()}
    problems = []
    for key in ("MAILING_REPORTS_MIN_GROUP", "MAILING_REPORTS_WINDOW_DAYS", "MAILING_REPORTS_MIN_SAMPLE"):
        value = values[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(f"{key} must be a whole number ≥ 1, not {value!r}")
    alpha = values["MAILING_REPORTS_ALPHA"]
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 0.5:
        problems.append(f"MAILING_REPORTS_ALPHA must be a number between 0 and 0.5 (e.g. 0.05), not {alpha!r}")
    folder = Path(str(values["MAILING_REPORTS_PATH"] or os.environ.get("VIVIER_REPORTS") or "var/reports")).expanduser()
    if not folder.is_absolute():
        folder = Path(settings.get("PROJECT_ROOT") or os.getcwd()) / folder
    output = Path(str(settings.get("OUTPUT_PATH") or "output")).resolve()
    if folder.resolve() == output or output in folder.resolve().parents:
        problems.append(f"MAILING_REPORTS_PATH ({folder}) must not be inside OUTPUT_PATH: reports are private")
    if problems:
        raise ReportSettingsError("Invalid report settings:\n  " + "\n  ".join(problems))
    values["MAILING_REPORTS_PATH"] = folder
    return values
