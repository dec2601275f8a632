"""Load the site's settings exactly as `pelican` does, for every CLI command."""

from __future__ import annotations

import os
from pathlib import Path

from pelican.settings import read_settings


class ConfigError(Exception):
    pass


def find_project(start: str | os.PathLike | None = None) -> Path:
    """The folder holding pelicanconf.py: here or a parent."""
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pelicanconf.py").is_file():
            return folder
    raise ConfigError(f"no pelicanconf.py in {here} or its parents; run vivier from the site's folder")


def load_settings(conf: str | os.PathLike | None = None, **overrides) -> dict:
    """Settings from pelicanconf.py (or `conf`), with paths made absolute."""
    if conf is None:
        conf = find_project() / "pelicanconf.py"
    conf = Path(conf).resolve()
    cwd = os.getcwd()
    os.chdir(conf.parent)  # pelicanconf paths are relative to its folder
    try:
        settings = read_settings(str(conf), override={k: v for k, v in overrides.items() if v is not None})
    except ValueError as exc:  # Pelican's own checks of the settings (a PATH with no content folder…)
        raise ConfigError(f"{conf}: {exc}; the paths of a settings file (PATH, THEME…) are read from its "
                          f"folder, {conf.parent}: make them absolute or relative to it") from None
    finally:
        os.chdir(cwd)
    for key in ("PATH", "OUTPUT_PATH", "THEME", "CACHE_PATH"):
        value = settings.get(key)
        if value and not os.path.isabs(value):
            settings[key] = str(conf.parent / value)
    settings.setdefault("PROJECT_ROOT", str(conf.parent))
    return settings
