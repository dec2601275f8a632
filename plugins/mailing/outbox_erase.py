"""Erase people from the outbox: their preview emails and their lines in every plan manifest.

Called by `vivier pool erase` (one person) and `vivier pool purge` (everyone
past retention) after the store rows are gone, so that no byte the project
wrote about them stays behind until a later build. Kept self-contained on
purpose: it walks the whole outbox folder and recognises a person by their
member id (file names, manifest lines) and their address (any text), whatever
the plan format; each file is read once, whatever the number of people.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from talentpool.private import write_private

log = logging.getLogger(__name__)

_TEXT_SUFFIXES = (".jsonl", ".json", ".eml", ".txt", ".html", ".ics", ".csv", ".lock")
_ADDRESS = re.compile(rb"[^\s<>\"'(),;:\[\]=]+@[a-z0-9.-]+", re.IGNORECASE)
_MEMBER_ID = re.compile(rb"m-[0-9a-f]{6,}")


def _values(value):
    """Every string inside a parsed JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)


class _People:
    """The ids and normalised addresses to erase, and whether a piece of text names one of them."""

    def __init__(self, people):
        self.ids = {member_id for member_id, _ in people if member_id}
        self.emails = {email.strip().lower().encode("utf-8") for _, email in people if email}

    def named_in(self, data: bytes) -> bool:
        folded = data.lower()
        if self.ids and any(match.group(0).decode() in self.ids for match in _MEMBER_ID.finditer(folded)):
            return True
        return bool(self.emails) and any(match.group(0).rstrip(b".-") in self.emails for match in _ADDRESS.finditer(folded))

    def line_names(self, line: bytes) -> bool:
        try:
            if any(value in self.ids for value in _values(json.loads(line))):
                return True
        except ValueError:
            pass
        return self.named_in(line)


def erase_people_from_outbox(outbox: str | os.PathLike, people) -> list[str]:
    """Remove every outbox file about these people, and their lines in every `.jsonl` manifest.

    `people` are (member id or None, address) pairs. Returns what was removed,
    one line per file (`removed PATH` or `PATH: N line(s) removed`), paths
    relative to the outbox.
    """
    root = Path(outbox)
    who = _People(list(people))
    if not root.is_dir() or not (who.ids or who.emails):
        return []
    done: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if path.stem in who.ids:
            path.unlink()
            done.append(f"removed {relative}")
            continue
        if path.suffix not in _TEXT_SUFFIXES and not path.name.startswith("."):
            continue
        data = path.read_bytes()
        if not who.named_in(data):
            continue
        if path.suffix == ".jsonl":
            lines = data.splitlines(keepends=True)
            kept = [line for line in lines if not who.line_names(line)]
            write_private(path, b"".join(kept))
            done.append(f"{relative}: {len(lines) - len(kept)} line(s) removed")
        else:
            # A preview, a lock or any other file written about the person: nothing in it is worth keeping.
            path.unlink()
            done.append(f"removed {relative}")
    if done:
        log.info("erased %d person(s) from the outbox: %d file(s) changed", len(who.emails | who.ids), len(done))
    return done


def erase_from_outbox(outbox: str | os.PathLike, member_id: str | None, email: str) -> list[str]:
    """`erase_people_from_outbox` for one person (member id None: not in the store, found by address)."""
    return erase_people_from_outbox(outbox, [(member_id, email)])
