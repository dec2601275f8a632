"""A persistent, content-addressed memo of the pure steps of the mail pipeline (`<CACHE_PATH>/mail/`).

Most rebuilds change nothing that feeds an email (an edit to a job ad's body
changes no job card), yet every build compiled the same MJML and ran the
quality gates over the same compiled text again. Two pure functions are
remembered across builds here:

- `pipeline.compile_mjml`: the rendered MJML source text → (HTML, problems)
  (structure check, mjml-python, CSS inlining);
- `gates.check`: the compiled text of a variant (every piece, the subject,
  preheader, language, number of matches and the compilation's problems)
  plus the `MAILING_…` settings → its problems.

A key is the SHA-256 of the function's complete input text and of a
fingerprint of everything else the output may depend on: the source of every
module of this package, mjml-python's version and binary, the Python
version, and every file of the mail theme. Nothing is keyed on an object's
identity, so an edited campaign, job card, theme file or setting can only
produce another key: a stale answer would need a SHA-256 collision.

Entries are JSON files named by their key, written atomically (temporary
file, then rename), each starting with the SHA-256 of its payload: an entry
that cannot be read, does not parse, or whose checksum or key does not match
is ignored (and recomputed), never trusted. After a complete Pelican build
(signal `finalized`), the entries this build did not use are removed, so the
folder holds about one entry per compiled variant; it never grows beyond
`MAX_ENTRIES` either way. Compiled variants are per segment, never per
member: no name or address is ever stored here.

`LOAD_CONTENT_CACHE` allows reading entries, `CACHE_CONTENT` writing and
removing them, as for Pelican's own content cache; with both off nothing is
read or written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

FOLDER = "mail"
SUFFIX = ".json"
FORMAT = "vivier-mail-memo-1"
MAX_ENTRIES = 2048  # a bound even when no build ever finishes (CLI runs, failed builds)
_TMP_PREFIX = ".tmp-"
MISS = object()


# --- Fingerprints -------------------------------------------------------------------


def _update(digest, data: str | bytes) -> None:
    """Feed one length-prefixed field: no two different field sequences give the same stream."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    digest.update(len(data).to_bytes(8, "big"))
    digest.update(data)


def _mjml_fingerprint() -> str:
    try:
        from importlib.metadata import version

        import mjml
        from mjml import mjml as binary
    except Exception as exc:  # no mjml-python: nothing compiled, nothing remembered that depends on it
        return f"mjml unavailable: {exc}"
    digest = hashlib.sha256()
    try:
        _update(digest, version("mjml-python"))
    except Exception:
        _update(digest, "unknown version")
    for module in (mjml, binary):
        path = getattr(module, "__file__", None)
        if path:
            with open(path, "rb") as handle:
                _update(digest, handle.read())
    return digest.hexdigest()


@lru_cache(maxsize=8)
def code_fingerprint(package: str | None = None) -> str:
    """The source of every module of the mailing package, mjml-python (version and binary), Python.

    Computed once per process: a long-running process (`pelican --autoreload`)
    keeps the code it loaded, and the fingerprint of that code.
    """
    root = Path(package) if package else Path(__file__).resolve().parent
    digest = hashlib.sha256()
    _update(digest, FORMAT)
    _update(digest, sys.version)
    _update(digest, sys.implementation.name)
    for path in sorted(root.rglob("*.py")):
        _update(digest, path.relative_to(root).as_posix())
        _update(digest, path.read_bytes())
    _update(digest, _mjml_fingerprint())
    return digest.hexdigest()


def theme_fingerprint(path: str) -> str:
    """Every file of the mail theme (relative name and bytes); computed once per build."""
    root = Path(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        _update(digest, file.relative_to(root).as_posix())
        _update(digest, file.read_bytes())
    return digest.hexdigest()


# --- The memo -----------------------------------------------------------------------


class Memo:
    """Remembered answers of pure functions, one JSON file per key, under `folder`."""

    def __init__(self, folder: str | os.PathLike, *, read: bool = True, write: bool = True, salt: str = ""):
        self.folder = Path(folder)
        self.read = read
        self.write = write
        self.salt = salt
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0
        if self.write:
            self._bound()

    def key(self, kind: str, *parts: str | bytes) -> str:
        """The key of `kind` (the function) applied to `parts` (its complete input, as text)."""
        digest = hashlib.sha256()
        _update(digest, FORMAT)
        _update(digest, self.salt)
        _update(digest, kind)
        for part in parts:
            _update(digest, part)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def get(self, key: str):
        """The remembered value, or MISS (never read, unreadable, corrupt, another key's)."""
        self.used.add(key)
        if not self.read:
            self.misses += 1
            return MISS
        path = self._path(key)
        try:
            data = path.read_bytes()
            checksum, newline, payload = data.partition(b"\n")
            if not newline or hashlib.sha256(payload).hexdigest().encode("ascii") != checksum:
                raise ValueError("checksum")
            entry = json.loads(payload)
            if not isinstance(entry, dict) or entry.get("key") != key or "value" not in entry:
                raise ValueError("key")
        except (OSError, ValueError, UnicodeDecodeError):
            self.misses += 1
            return MISS
        if self.write:
            try:
                os.utime(path)  # recently used: the last to go when the folder is over its bound
            except OSError:
                pass
        self.hits += 1
        return entry["value"]

    def put(self, key: str, value) -> None:
        """Remember `value` (plain JSON data) for `key`; a failure to write only costs time."""
        self.used.add(key)
        if not self.write:
            return
        payload = json.dumps({"key": key, "value": value}, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        data = hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=_TMP_PREFIX)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self._path(key))
            tmp = None
        except OSError as exc:
            logger.debug("mail memo: cannot write %s: %s", key, exc)
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def _entries(self) -> list[Path]:
        try:
            return [p for p in self.folder.iterdir() if p.name.endswith(SUFFIX) and not p.name.startswith(_TMP_PREFIX)]
        except OSError:
            return []

    def _bound(self) -> None:
        """Never more than MAX_ENTRIES files: the least recently used go first."""
        entries = self._entries()
        if len(entries) <= MAX_ENTRIES:
            return
        dated = []
        for path in entries:
            try:
                dated.append((path.stat().st_mtime, path))
            except OSError:
                pass
        dated.sort()
        for _, path in dated[: len(dated) - MAX_ENTRIES // 2]:
            _unlink(path)

    def finish(self) -> int:
        """After a complete build: remove the entries it did not use (and stale temporary files)."""
        if not self.write:
            return 0
        removed = 0
        for path in self._entries():
            if path.name[: -len(SUFFIX)] not in self.used:
                removed += _unlink(path)
        try:
            for path in self.folder.glob(_TMP_PREFIX + "*"):
                if path.stat().st_mtime < time.time() - 3600:  # left by a crashed build
                    _unlink(path)
        except OSError:
            pass
        return removed


def _unlink(path: Path) -> int:
    try:
        path.unlink()
        return 1
    except OSError:
        return 0


# --- One memo per build -------------------------------------------------------------

_OPEN: dict[int, tuple[dict, Memo | None]] = {}  # id(settings) -> (settings, memo): one per build
_OPEN_MAX = 16


def for_settings(settings) -> Memo | None:
    """The memo of the build these settings belong to; None when Pelican's caching is off."""
    entry = _OPEN.get(id(settings))
    if entry is not None and entry[0] is settings:
        return entry[1]
    memo = _open(settings)
    if len(_OPEN) >= _OPEN_MAX:  # settings of builds that never finished (tests, CLI): forget them
        _OPEN.clear()
    _OPEN[id(settings)] = (settings, memo)
    return memo


def _open(settings) -> Memo | None:
    getter = getattr(settings, "get", None)
    if getter is None:
        return None
    read, write = bool(getter("LOAD_CONTENT_CACHE")), bool(getter("CACHE_CONTENT"))
    cache_path = getter("CACHE_PATH")
    if not (read or write) or not cache_path:
        return None
    from .settings import mail_theme_path

    try:
        salt = code_fingerprint() + "\n" + theme_fingerprint(mail_theme_path(settings))
    except Exception as exc:  # an unreadable theme or package: no memo, the build reports the theme itself
        logger.debug("mail memo off: %s", exc)
        return None
    return Memo(Path(str(cache_path)) / FOLDER, read=read, write=write, salt=salt)


def finish_build(settings) -> None:
    """Pelican's `finalized`: drop this build's memo, removing the entries it did not use."""
    entry = _OPEN.pop(id(settings), None)
    if entry is None or entry[0] is not settings or entry[1] is None:
        return
    memo = entry[1]
    removed = memo.finish()
    logger.debug("mail memo: %d hit(s), %d miss(es), %d unused entr(ies) removed", memo.hits, memo.misses, removed)


def handed_over(settings) -> None:
    """Forget this process's memo of a build whose mail steps ran in another process (`background`).

    That process used the memo and removed the entries it did not use; this
    one used none, and must not remove them all at `finalized`.
    """
    _OPEN.pop(id(settings), None)


def on_finalized(pelican) -> None:
    finish_build(pelican.settings)
