"""Defaults of the `STAFFING_…` settings, and the private folders they name."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

DEFAULTS = {
    # Message kind whose policy decides who counts as eligible in a pool fit
    # (its consent, retention, active process; the weekly budget is ignored).
    "STAFFING_FIT_KIND": "job_alert",
    # Where `vivier job fit --list` writes member lists (0600 files); env VIVIER_FIT_LISTS.
    "STAFFING_LISTS_PATH": "var/fit",
    # Sales' staffing forecasts, one YAML file each; env VIVIER_FORECASTS.
    "STAFFING_FORECASTS_PATH": "var/forecasts",
    # `vivier forecast fit` counts the forecasts at or above this probability (percent).
    "STAFFING_FORECAST_THRESHOLD": 60,
    # An open forecast whose probability drops below this (percent) fell through, as `status: lost` does:
    # the members who answered "yes, I'm interested" are told so (plan forecast-<id>-closed).
    "STAFFING_FORECAST_DROP_BELOW": 30,
    # The consent a member needs to be counted for a forecast (through this message kind of the policy).
    "STAFFING_FORECAST_KIND": "job_alert",
    # Print the pool fit of every open job after `vivier build` (counts only, when a member store exists).
    "STAFFING_FIT_IN_BUILD": True,
}
ENVIRONMENT = {"STAFFING_LISTS_PATH": "VIVIER_FIT_LISTS", "STAFFING_FORECASTS_PATH": "VIVIER_FORECASTS"}


class StaffingSettingsError(ValueError):
    """A setting or private folder that cannot be used; the message names it."""


def value(settings: dict, key: str):
    """A setting: pelicanconf.py's, else the environment's (for folders), else the default."""
    found = settings.get(key)
    if found is None and key in ENVIRONMENT:
        found = os.environ.get(ENVIRONMENT[key])
    return DEFAULTS[key] if found is None else found


def private_folder(settings: dict, key: str, *, create: bool = False) -> Path:
    """The folder of setting `key`, refused when it is inside OUTPUT_PATH or tracked by git."""
    root = Path(settings.get("PROJECT_ROOT") or os.getcwd())
    folder = Path(str(value(settings, key))).expanduser()
    folder = (folder if folder.is_absolute() else root / folder).resolve()
    output = settings.get("OUTPUT_PATH")
    if output and folder.is_relative_to(Path(output if os.path.isabs(output) else root / output).resolve()):
        raise StaffingSettingsError(f"{key} ({folder}) is inside OUTPUT_PATH, which is published; choose a folder under var/")
    if _tracked_by_git(folder):
        env = ENVIRONMENT.get(key, key)
        raise StaffingSettingsError(f"{key} ({folder}) is inside the git work tree and not ignored, so its files "
                                    f"could be committed; use a folder under var/ or set {env}")
    if create:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _tracked_by_git(folder: Path) -> bool:
    """True when `folder` is in a git work tree and git does not ignore it."""
    probe = folder
    while not probe.exists():
        probe = probe.parent
    try:
        inside = subprocess.run(["git", "-C", str(probe), "rev-parse", "--is-inside-work-tree"],
                                capture_output=True, text=True, timeout=30)
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return False
        ignored = subprocess.run(["git", "-C", str(probe), "check-ignore", "-q", "--no-index", str(folder / "x")],
                                 capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return ignored.returncode != 0
