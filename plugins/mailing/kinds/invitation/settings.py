"""Defaults and start-up validation of the invitation and sequence settings (INVITATIONS_…, SEQUENCES_…)."""

from __future__ import annotations

from ... import settings as mail_settings

# Declared with every mail setting in mailing.settings; this is the invitations' and sequences' view of them.
DEFAULTS = {name: value for name, value in mail_settings.DEFAULTS.items() if name.startswith(("INVITATIONS_", "SEQUENCES_"))}


class InvitationSettingsError(ValueError):
    """An INVITATIONS_… or SEQUENCES_… setting is malformed; the message names it."""

    exitcode = 2


def apply_defaults(settings: dict) -> None:
    """The mail side's defaults (mailing.settings applies them all at once)."""
    mail_settings.apply_defaults(settings)


def validate(settings: dict) -> None:
    """Fail at start-up, naming the setting, rather than mid-build."""
    problems = []
    for key in ("INVITATIONS_OPEN_DAYS", "INVITATIONS_REMINDER_DAYS", "SEQUENCES_MAX_WAIT_DAYS"):
        value = settings.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(f"{key} must be a whole number of days ≥ 0, not {value!r}")
    if not isinstance(settings.get("SEQUENCES_PATH"), str) or not settings["SEQUENCES_PATH"]:
        problems.append(f"SEQUENCES_PATH must name a folder of sequence files, not {settings.get('SEQUENCES_PATH')!r}")
    if problems:
        raise InvitationSettingsError("Invalid invitation/sequence settings:\n  " + "\n  ".join(problems))
