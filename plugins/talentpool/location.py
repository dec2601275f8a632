"""Where a store lives, as a value: an SQLite file's path or a PostgreSQL database's URL.

Kept apart from `talentpool.db` so that reading settings never imports SQLAlchemy
(a third of a second): only opening a store does.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

URL_PREFIXES = ("postgresql:", "postgresql+", "postgres:")
DRIVER = "postgresql+psycopg"  # psycopg 3, the driver Vivier installs
_PASSWORD_PARAMETER = re.compile(r"((?:^|&)password=)[^&]*", re.IGNORECASE)


def is_url(value) -> bool:
    """Whether a POOL_PATH / VIVIER_POOL value names a PostgreSQL database rather than an SQLite file."""
    return value is not None and str(value).strip().lower().startswith(URL_PREFIXES)


class DatabaseUrl(str):
    """A PostgreSQL store's URL. The string itself is the whole URL (driver made psycopg 3); printed
    (`str()`, f-strings, messages, logs) it never shows the password."""

    def __new__(cls, value: str):
        parts = urlsplit(str.__str__(value).strip())
        scheme = DRIVER if parts.scheme in ("postgres", "postgresql") else parts.scheme
        return super().__new__(cls, urlunsplit(parts._replace(scheme=scheme)))

    @property
    def full(self) -> str:
        """The URL with its password, for the driver only."""
        return str.__str__(self)

    def __str__(self) -> str:
        parts = urlsplit(self.full)
        if parts.password is not None:
            parts = parts._replace(netloc=f"{parts.username}:***@{parts.netloc.rpartition('@')[2]}")
        if parts.query:  # libpq also takes ?password=…
            parts = parts._replace(query=_PASSWORD_PARAMETER.sub(r"\1***", parts.query))
        return urlunsplit(parts)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"DatabaseUrl({str(self)!r})"

    @property
    def name(self) -> str:
        """The database's name (what backups and reports are named after)."""
        return urlsplit(self.full).path.lstrip("/") or "vivier"
