"""Erase one person from the outbox: their preview emails and their lines in every plan manifest.

Called by `vivier pool erase` after the store rows are gone, so that no byte
the project wrote about the person stays behind until a later build. Kept
self-contained on purpose: it walks the whole outbox folder and recognises a
person by their member id (file names, manifest lines) and their address
(any text), whatever the plan format.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from talentpool.private import write_private

log = logging.getLogger(__name__)

_TEXT_SUFFIXES = (".jsonl", ".json", ".eml", ".txt", ".html", ".ics", ".csv", ".lock")


def _mentions(value, member_id: str) -> bool:
    """True when a parsed manifest line names the member (as a value, at any depth)."""
    if isinstance(value, str):
        return value == member_id
    if isinstance(value, dict):
        return any(_mentions(v, member_id) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, member_id) for v in value)
    return False


def _holds(data: bytes, needles: list[bytes]) -> bool:
    folded = data.lower()
    return any(needle in folded for needle in needles)


def erase_from_outbox(outbox: str | os.PathLike, member_id: str | None, email: str) -> list[str]:
    """Remove every outbox file about the person and their lines in every `.jsonl` manifest.

    Returns what was removed, one line per file (`removed PATH` or
    `PATH: N line(s) removed`), paths relative to the outbox. A member id of
    None (the person was not in the store) still removes files holding the address.
    """
    root = Path(outbox)
    if not root.is_dir():
        return []
    needles = [email.strip().lower().encode("utf-8")]
    if member_id:
        needles.append(member_id.lower().encode("utf-8"))
    done: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if member_id and path.stem == member_id:
            path.unlink()
            done.append(f"removed {relative}")
            continue
        if path.suffix not in _TEXT_SUFFIXES and not path.name.startswith("."):
            continue
        data = path.read_bytes()
        if not _holds(data, needles):
            continue
        if path.suffix == ".jsonl":
            kept, dropped = [], 0
            for line in data.splitlines(keepends=True):
                try:
                    named = member_id is not None and _mentions(json.loads(line), member_id)
                except ValueError:
                    named = False
                if named or _holds(line, needles):
                    dropped += 1
                else:
                    kept.append(line)
            write_private(path, b"".join(kept))
            done.append(f"{relative}: {dropped} line(s) removed")
        else:
            # A preview, a lock or any other file written about the person: nothing in it is worth keeping.
            path.unlink()
            done.append(f"removed {relative}")
    if done:
        log.info("erased a member from the outbox: %d file(s) changed", len(done))
    return done
