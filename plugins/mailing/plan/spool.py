"""A plan's manifest lines kept in a temporary file while a build plans, not in memory (issue 21).

A kind's planner `add`s each entry as it decides it (a member of a
1,000,000-member pool costs one JSON line on disk, not a dict and a
`Member`); the spool counts them, counts them by (segment, lang, variant),
and keeps the few members the previews need (`mailing.plan.writer`
`preview_entries`: the first entry of each (segment, lang, variant), then
the first ones). The writer copies its bytes into `manifest.jsonl`: the same
bytes as `writer.manifest_text` of the same entries. The file is anonymous
(unlinked from the start, mode 0600) and goes when the spool is closed or
collected.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator

# `json.dumps(value, ensure_ascii=False)` builds a JSONEncoder on every call (its arguments are not the
# defaults); one encoder made once writes the same text (about 1 µs less a line, 300,000 lines a build at
# 100,000 members). tests/mailing/test_streamed_plan.py compares the two.
_to_json = json.JSONEncoder(ensure_ascii=False).encode
_scan = json.JSONDecoder().scan_once


_getpid = os.getpid


class _OwnFile:
    """An anonymous temporary file and the process that opened it. After a fork both processes hold the
    same open file, at one shared offset: a spool opened before a walk in parts (`mailing.engine.walk`)
    must not be written by the other process (`_opened_elsewhere`), or both would write into one file."""

    __slots__ = ("_file", "pid", "write", "flush", "fileno", "close")

    def __init__(self, prefix: str):
        self._file = tempfile.TemporaryFile(prefix=prefix)
        self.pid = _getpid()
        self.write, self.flush, self.fileno, self.close = (self._file.write, self._file.flush, self._file.fileno,
                                                           self._file.close)


def _opened_elsewhere():
    raise RuntimeError("a spool opened by another process is written here (after a fork): a walk in parts "
                       "must start with empty spools (mailing.engine.walk)")


def _from_json(line: bytes):
    """`json.loads(line)` for a line this module wrote (UTF-8, one value, no surrounding space): the line
    decoded as UTF-8 and read by json's scanner directly, skipping json.loads' detection of the
    encoding and its wrapper (half its time); anything else goes through json.loads itself."""
    try:
        text = line.decode("utf-8")
        value, end = _scan(text, 0)
    except Exception:  # noqa: BLE001 - json.loads below reads it or raises the proper error
        return json.loads(line)
    return value if end == len(text) else json.loads(line)


class Spool:
    """Manifest entries in order, on disk; len(), iteration (dicts), counts and preview members in memory."""

    def __init__(self, previews: int = 3):
        self._file = None  # opened by the first entry: a draft with none holds no file
        self._count = 0
        self.size = 0  # bytes of the manifest
        self.previews = max(0, int(previews))
        self.keys: Counter = Counter()  # (segment, lang, variant) -> entries
        self.firsts: list[dict] = []  # the first entry of each key, then the first `previews` entries
        self.members: dict = {}  # member id -> Member, for the entries in `firsts` only
        self._positions: list[int] = []  # the position of each of `firsts` (for `join`)

    def add(self, entry: dict, member=None) -> None:
        """Append one manifest line; `member` (or a function returning it, called only when a preview may
        need it) is kept for the previews' entries."""
        if self._file is None:
            self._file = _OwnFile("vivier-plan-")
        elif self._file.pid != _getpid():
            _opened_elsewhere()
        line = (_to_json(entry) + "\n").encode("utf-8")
        self._file.write(line)
        self.size += len(line)
        key = (entry.get("segment"), entry.get("lang"), entry.get("variant"))
        first_of_key = key not in self.keys
        self.keys[key] += 1
        if first_of_key or self._count < self.previews:
            self.firsts.append(entry)
            self._positions.append(self._count)
            if callable(member):
                member = member()
            if member is not None:
                self.members[entry["member"]] = member
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The manifest's bytes, a megabyte at a time (read at their own offset: readers may interleave)."""
        if self._file is None:
            return
        self._file.flush()
        descriptor, offset = self._file.fileno(), 0
        while chunk := os.pread(descriptor, size, offset):
            offset += len(chunk)
            yield chunk

    def __iter__(self) -> Iterator[dict]:
        """The entries again, in order (read back from the file)."""
        pending = b""
        for chunk in self.chunks():
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                yield _from_json(line)

    def preview_candidates(self) -> list[dict]:
        """Every entry `writer.preview_entries` may choose with `previews` or fewer, in manifest order."""
        return self.firsts

    def part(self) -> dict:
        """What this spool holds, to be `join`ed to another's in another process (a walk of the pool in
        parts, `mailing.engine.walk`): its bytes, counts, the previews' candidates and their members."""
        return {"data": b"".join(self.chunks()), "count": self._count, "size": self.size, "keys": self.keys,
                "firsts": list(zip(self._positions, self.firsts)), "members": self.members}

    def join(self, part: dict) -> None:
        """Append another spool's `part` (its entries came after this one's): the same bytes, counts and
        previews' candidates as if its entries had been added here."""
        if part["count"]:
            if self._file is None:
                self._file = _OwnFile("vivier-plan-")
            self._file.write(part["data"])
        seen = set(self.keys)
        for position, entry in part["firsts"]:
            key = (entry.get("segment"), entry.get("lang"), entry.get("variant"))
            if key not in seen or self._count + position < self.previews:
                self.firsts.append(entry)
                self._positions.append(self._count + position)
                if entry["member"] in part["members"]:
                    self.members[entry["member"]] = part["members"][entry["member"]]
            seen.add(key)
        self.keys.update(part["keys"])
        self._count += part["count"]
        self.size += part["size"]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class Records:
    """Records of JSON values (member ids, segments, job references…) appended to an anonymous temporary
    file instead of a list: what a kind plans for hundreds of thousands of members between planning and
    writing (issue 21). len(), iteration in order (each record a tuple, or `factory(*values)`), slices, == a list."""

    def __init__(self, factory=None):
        self._file = None
        self._count = 0
        self._factory = factory

    def append(self, values) -> None:
        if self._file is None:
            self._file = _OwnFile("vivier-records-")
        elif self._file.pid != _getpid():
            _opened_elsewhere()
        self._file.write((_to_json(list(values)) + "\n").encode("utf-8"))
        self._count += 1

    def part(self) -> tuple[bytes, int]:
        """These records, to be `join`ed to another's in another process (a walk of the pool in parts)."""
        if self._file is None:
            return b"", 0
        self._file.flush()
        return os.pread(self._file.fileno(), os.fstat(self._file.fileno()).st_size, 0), self._count

    def join(self, part: tuple[bytes, int]) -> None:
        """Append another's `part` (its records came after these)."""
        data, count = part
        if count:
            if self._file is None:
                self._file = _OwnFile("vivier-records-")
            self._file.write(data)
            self._count += count

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def __iter__(self) -> Iterator:
        if self._file is None:
            return
        self._file.flush()
        descriptor, offset, pending, factory = self._file.fileno(), 0, b"", self._factory
        while chunk := os.pread(descriptor, 1 << 20, offset):  # its own offset: iterations may nest
            offset += len(chunk)
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                values = _from_json(line)
                yield tuple(values) if factory is None else factory(*values)

    def __getitem__(self, index):
        import itertools

        if isinstance(index, slice):
            return list(itertools.islice(self, index.start, index.stop, index.step))
        return next(itertools.islice(self, index, None))

    def __eq__(self, other) -> bool:
        return list(self) == list(other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"Records({self._count})"


def entry_member(store, member_id: str, language: str | None):
    """(language, member) for one manifest line of a day's plan, or None when the member is gone.

    A member planned by this build comes with their language (`language` given) and is looked up only
    if a preview needs them (`Spool.add` calls the function); one planned by an earlier build the same
    day is looked up now."""
    if language is not None:
        return language, (lambda: store.get(member_id))
    member = store.get(member_id)
    return None if member is None else (member.language, member)
