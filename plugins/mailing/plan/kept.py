"""Compiled variants a rebuild leaves alone without encoding them: `<CACHE_PATH>/mail-compiled.json`.

A compiled variant's JSON holds a filled card for every open job: about 12 MB
at 5,000 jobs, 200 MB for a plan's variants. A rebuild after an edit no email
shows (a sentence in an ad's body) encoded every variant again, only to find
the file already held those bytes. Here each variant file is named by a key:
the SHA-256 of everything `CompiledVariant.to_json` writes — the gates' digest
of both parts (every piece, subject, preheader, language, matches, problems:
`gates.variant_digest`), the other fields as JSON, the candidates' JSON — and
of the mail package's code (`memo.code_fingerprint`: another encoder writes
other bytes). The record, in Pelican's cache folder (never in the outbox, whose
files stay the same whichever build wrote them), holds per file (its absolute
path) the key it was written for and the size and mtime it was written with;
a file whose key, size, mtime and mode are all unchanged is not written again.
Anything that cannot be keyed (a piece that is not text) is written the long
way. The record is read when the build's mail steps start writing and replaced
when they have written every plan, so a build that fails leaves the earlier
record, whose sizes and mtimes no longer match what it rewrote. It holds
digests and paths only, never a member's data. With Pelican's caching off
(`LOAD_CONTENT_CACHE` and `CACHE_CONTENT`), nothing is recorded or skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from talentpool.private import FILE_MODE

RECORD = "mail-compiled.json"
FORMAT = "vivier-compiled-kept-1"


class Kept:
    """The keys of the outbox's compiled files: those the previous build recorded, and this build's."""

    def __init__(self, path: Path, *, read: bool = True, write: bool = True):
        self.path = Path(path)
        self.write = write
        self.before = _load(self.path) if read else {}
        self.now: dict[str, list] = {}

    @classmethod
    def for_settings(cls, settings) -> "Kept | None":
        """The record of this build's cache folder; None when Pelican's caching is off."""
        read, write = bool(settings.get("LOAD_CONTENT_CACHE")), bool(settings.get("CACHE_CONTENT"))
        cache_path = settings.get("CACHE_PATH")
        if not (read or write) or not cache_path:
            return None
        return cls(Path(str(cache_path)) / RECORD, read=read, write=write)

    def key(self, compiled, candidates_json: bytes) -> str | None:
        """The key of a variant's JSON file, or None when it cannot be worked out (then it is written)."""
        from .. import gates
        from ..memo import code_fingerprint

        try:
            parts = gates.variant_digest(compiled)
            rest = {k: v for k, v in compiled.__dict__.items() if k not in ("html", "text", "candidates", "mjml", "problems")}
            fields = json.dumps(rest, ensure_ascii=False, sort_keys=False).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError):
            return None
        digest = hashlib.sha256()
        for data in (FORMAT.encode(), code_fingerprint().encode(), parts, fields, candidates_json):
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.hexdigest()

    def unchanged(self, path: Path, key: str | None) -> bool:
        """The file was written by an earlier build for this very key and has not been touched since."""
        entry = self.before.get(os.path.abspath(path))
        if key is None or entry is None or entry[0] != key:
            return False
        try:
            stat = os.lstat(path)
        except OSError:
            return False
        return [stat.st_size, stat.st_mtime_ns] == entry[1:] and stat.st_mode & 0o777 == FILE_MODE \
            and not os.path.islink(path)

    def record(self, path: Path, key: str | None) -> None:
        if key is None:
            return
        try:
            stat = os.lstat(path)
        except OSError:
            return
        self.now[os.path.abspath(path)] = [key, stat.st_size, stat.st_mtime_ns]

    def save(self) -> None:
        """This build's keys replace the earlier ones (files it did not key are written again next time)."""
        from careers.output import replace_if_changed

        if self.write:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            replace_if_changed(self.path, json.dumps({"format": FORMAT, "files": self.now}, sort_keys=True).encode(),
                               mode=FILE_MODE)


def _load(path: Path) -> dict[str, list]:
    """The recorded keys; nothing when the file is missing, damaged or of another format."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), dict):
        return {}
    return {name: entry for name, entry in data["files"].items()
            if isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)
            and all(type(n) is int for n in entry[1:])}
