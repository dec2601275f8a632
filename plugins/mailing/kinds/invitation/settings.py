"""Defaults and start-up validation of the invitation and sequence settings (INVITATIONS_…, SEQUENCES_…)."""

from __future__ import annotations

DEFAULTS = {
    # Invitations go out from this many days before an event's start.
    "INVITATIONS_OPEN_DAYS": 90,
    # The reminder goes this many days before the start to invited members (0: no reminder).
    "INVITATIONS_REMINDER_DAYS": 1,
    # Follow-up sequences (YAML), relative to the project root.
    "SEQUENCES_PATH": "audiences/sequences",
    # A step that cannot go on its day (budget, consent…) waits at most this long (a sequence may say max_wait).
    "SEQUENCES_MAX_WAIT_DAYS": 30,
}


class InvitationSettingsError(ValueError):
    """An INVITATIONS_… or SEQUENCES_… setting is malformed; the message names it."""

    exitcode = 2


def apply_defaults(settings: dict) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)


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
