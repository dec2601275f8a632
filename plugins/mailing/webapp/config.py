"""The web application's settings: the site's settings file, read exactly as every `vivier` command reads it."""

from __future__ import annotations

import os


def load_settings(path: str | os.PathLike | None = None) -> dict:
    """Pelican settings of the site (`path`, else $VIVIER_SETTINGS, else the pelicanconf.py of this folder or a
    parent), with its paths made absolute and PROJECT_ROOT set, by `vivier.config.load_settings`."""
    from vivier.config import ConfigError, load_settings as load

    try:
        return load(path or os.environ.get("VIVIER_SETTINGS"))
    except ConfigError as exc:
        raise RuntimeError(f"{exc}; or set VIVIER_SETTINGS to the settings file's path") from None
