"""The web application's settings: the site's pelicanconf.py, read exactly as the build reads it."""

from __future__ import annotations

import os
from pathlib import Path


def load_settings(path: str | os.PathLike | None = None) -> dict:
    """Pelican settings of the site, with PROJECT_ROOT set for relative paths."""
    from pelican.settings import read_settings

    path = path or os.environ.get("VIVIER_SETTINGS")
    if path is None:
        here = Path.cwd().resolve()
        found = next((folder / "pelicanconf.py" for folder in (here, *here.parents) if (folder / "pelicanconf.py").is_file()), None)
        if found is None:
            raise RuntimeError("no pelicanconf.py here or in a parent folder; set VIVIER_SETTINGS to its path")
        path = found
    path = Path(path).resolve()
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        settings = read_settings(str(path))
    finally:
        os.chdir(cwd)
    settings.setdefault("PROJECT_ROOT", str(path.parent))  # as `vivier` does: the file may name the project root
    return settings
