"""Where the pool's files live, from a plain settings dict (pelicanconf.py's, for instance).

Relative paths are taken from the project root (`PROJECT_ROOT`, else the
current folder). The store path comes from `POOL_PATH`, else the
`VIVIER_POOL` environment variable, else the sample store. The sample store
(`POOL_SAMPLE_STORE`, else `VIVIER_SAMPLE_POOL`, else
`var/sample-pool.sqlite3`) only ever holds the fictional sample: a real pool
is always chosen explicitly with `VIVIER_POOL`.

A PostgreSQL store is named by a URL (`postgresql://user@host/db`): `path(settings,
"POOL_PATH")` then gives a `DatabaseUrl`, and the store's private files (daily
backups and reports) go to `private_dir(settings)` instead of the store's folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from .location import DatabaseUrl, is_url

DEFAULTS = {
    "POOL_PATH": "var/sample-pool.sqlite3",
    "POOL_SAMPLE_STORE": "var/sample-pool.sqlite3",
    "POOL_SEGMENTS_PATH": "audiences/segments",
    "POOL_POLICY_PATH": "audiences/policy.yml",
    "POOL_MAPPINGS_PATH": "audiences/mappings",
    "POOL_SKILLS_PATH": "audiences/skills.yml",
    "POOL_SAMPLE_PATH": "audiences/sample/members.csv",
    "POOL_SAMPLE_MESSAGES_PATH": "audiences/sample/messages.csv",
    # Where the daily run keeps backups and reports of a PostgreSQL store (an SQLite store's are beside it).
    "POOL_PRIVATE_DIR": "var/private",
}


def path(settings: dict | None, key: str) -> Path:
    """The absolute path of one POOL_* setting (a `DatabaseUrl` for a PostgreSQL POOL_PATH)."""
    settings = settings or {}
    value = settings.get(key)
    if not value and key == "POOL_PATH":
        value = os.environ.get("VIVIER_POOL")
        if not value:  # no real store chosen: the sample store, wherever it was put (VIVIER_SAMPLE_POOL too)
            return path(settings, "POOL_SAMPLE_STORE")
    if not value and key == "POOL_SAMPLE_STORE":
        value = os.environ.get("VIVIER_SAMPLE_POOL")
    if not value and key == "POOL_PRIVATE_DIR":
        value = os.environ.get("VIVIER_PRIVATE_DIR")
    if key == "POOL_PATH" and is_url(value):
        return DatabaseUrl(value)
    value = Path(value or DEFAULTS[key]).expanduser()
    if value.is_absolute():
        return value
    return Path(settings.get("PROJECT_ROOT") or os.getcwd()) / value


def is_database(location) -> bool:
    """Whether a store location is a PostgreSQL database (else an SQLite file)."""
    return isinstance(location, DatabaseUrl)


def store_exists(settings: dict | None = None) -> bool:
    """Whether the configured store exists: the file, or Vivier's tables in the PostgreSQL database (a
    database that cannot be reached raises StoreError: it is not a missing store)."""
    location = path(settings, "POOL_PATH")
    if not is_database(location):
        return location.exists()
    from .store import Store, StoreMissing

    try:
        Store(location, create=False).close()
    except StoreMissing:
        return False
    return True


def private_dir(settings: dict | None = None) -> Path:
    """The folder of the store's private files written by the daily run (backups, run reports):
    an SQLite store's own folder, else POOL_PRIVATE_DIR (or VIVIER_PRIVATE_DIR)."""
    location = path(settings, "POOL_PATH")
    return path(settings, "POOL_PRIVATE_DIR") if is_database(location) else location.parent


def store_name(settings: dict | None = None) -> str:
    """What the store's backups are named after: the file's stem or the database's name."""
    location = path(settings, "POOL_PATH")
    return location.name if is_database(location) else location.stem


def sample_path(settings: dict | None = None) -> Path:
    """Where the fictional sample store lives (what `make site` loads and builds from)."""
    return path(settings, "POOL_SAMPLE_STORE")


def open_store(settings: dict | None = None, *, create: bool = False):
    """The pool's store for these settings. A missing store is refused (StoreMissing, naming the path and
    the setting) unless `create`: only `vivier pool import`, `pool load-sample` and `pool restore` create
    one, so that a mistyped VIVIER_POOL never gives an empty store that sends to nobody or loses unsubscribes."""
    from .store import Store

    return Store(path(settings, "POOL_PATH"), create=create)


def load_segments(settings: dict | None = None):
    from .segments import load_segments as load

    return load(path(settings, "POOL_SEGMENTS_PATH"))


def load_vocabulary(settings: dict | None = None):
    from .skills import load_vocabulary as load

    return load(path(settings, "POOL_SKILLS_PATH"))


def load_policy(settings: dict | None = None):
    """The policy file (POOL_POLICY_PATH), or the built-in defaults when there is none: the one way to load it."""
    from .policy import Policy, load_policy as load

    found = path(settings, "POOL_POLICY_PATH")
    return load(found) if found.exists() else Policy()
