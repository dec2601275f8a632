"""Defaults and start-up validation of the EDITOR_… settings (the browser editor at /admin/)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from careers.settings import SettingsError

_PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DEFAULTS = {
    # Folder of the site where the editor is written ("" switches it off).
    "EDITOR_PATH": "admin",
    # Decap CMS's prebuilt bundle, installed from editor/package-lock.json (`make editor-deps`).
    "EDITOR_BUNDLE_DIR": os.path.join(_PROJECT, "editor", "node_modules", "decap-cms", "dist"),
    # Our own scripts (file format, previews, start-up), copied beside the bundle.
    "EDITOR_SOURCE_DIR": os.path.join(_PROJECT, "editor", "src"),
    # Where the content folder is inside the git repository the editor commits to.
    "EDITOR_CONTENT_DIR": "content",
    # Production: Decap's GitHub backend (docs/editors.md). `repo` is owner/name;
    # `base_url` is the OAuth server that signs editors in (see the docs).
    "EDITOR_BACKEND": {"name": "github", "repo": "cardamome/carrieres", "branch": "main"},
    # Local editing (`make edit`): decap-server, which writes into the working copy.
    "EDITOR_LOCAL_BACKEND": "http://127.0.0.1:8081/api/v1",
    # Language of the editor's own interface (Decap's locales: fr, en…).
    "EDITOR_LOCALE": "fr",
    # Cities offered for a job's location, besides those of the current jobs and events.
    "EDITOR_CITIES": [],
    # Hosts the editor may reach in production, for its Content-Security-Policy:
    # GitHub's API and avatars (and EDITOR_BACKEND's base_url when set).
    "EDITOR_CONNECT_HOSTS": ["https://api.github.com"],
    "EDITOR_IMAGE_HOSTS": ["https://avatars.githubusercontent.com"],
}


def apply_defaults(settings: dict) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)


def validate(settings: dict) -> None:
    """Name the setting that is wrong, before any file is read."""
    problems = []
    backend = settings.get("EDITOR_BACKEND")
    if not isinstance(backend, dict) or not backend.get("name"):
        problems.append(f"EDITOR_BACKEND must be a Decap backend dict like {DEFAULTS['EDITOR_BACKEND']!r}, not {backend!r}")
    local = urlsplit(str(settings.get("EDITOR_LOCAL_BACKEND") or ""))
    if local.scheme != "http" or local.hostname not in ("127.0.0.1", "localhost"):
        problems.append("EDITOR_LOCAL_BACKEND must be an http:// address on 127.0.0.1 (decap-server), "
                        f"not {settings.get('EDITOR_LOCAL_BACKEND')!r}")
    for key in ("EDITOR_CONNECT_HOSTS", "EDITOR_IMAGE_HOSTS", "EDITOR_CITIES"):
        if not isinstance(settings.get(key), (list, tuple)):
            problems.append(f"{key} must be a list, not {settings.get(key)!r}")
    for host in list(settings.get("EDITOR_CONNECT_HOSTS") or []) + list(settings.get("EDITOR_IMAGE_HOSTS") or []):
        if urlsplit(str(host)).scheme != "https":
            problems.append(f"editor hosts must be https:// origins, not {host!r}")
    path = settings.get("EDITOR_PATH")
    if not isinstance(path, str) or path.startswith("/") or ".." in path.split("/"):
        problems.append(f"EDITOR_PATH must be a folder inside the site like 'admin', or '' to switch the editor off, not {path!r}")
    if problems:
        raise SettingsError("Invalid settings in pelicanconf.py:\n  " + "\n  ".join(problems))
