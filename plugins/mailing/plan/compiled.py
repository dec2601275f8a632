"""Compiled variants in a plan folder: `compiled/<segment>.<lang>.<variant>.html|.txt|.json`.

The JSON is `CompiledVariant.to_json`; the sender reads it back with
`CompiledVariant.from_json`. Files are replaced only when their bytes change.
"""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from pathlib import Path

from careers.output import replace_if_changed
from talentpool.private import FILE_MODE, make_private_dir

from ..cards import FilledCards
from ..matching import JobFacts
from ..pipeline import CompiledVariant
from .format import COMPILED
from .kept import Kept


def write_file(path: Path, data: str | bytes | list[bytes]) -> bool:
    """Atomic write: a crash never leaves half a manifest. `data` may be text, bytes or pieces of bytes.

    A file that already holds exactly these bytes is left alone (returns
    False): a rebuild that changed no email rewrote its 200 MB of compiled
    variants at 5,000 jobs, seconds of this machine's file system time.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif isinstance(data, list):
        data = b"".join(data)
    if not path.parent.is_dir():
        make_private_dir(path.parent)  # the outbox holds personal data: 0700 folders, 0600 files
    return replace_if_changed(path, data, mode=FILE_MODE)


class CompiledEncoder:
    """`json.dumps(compiled.to_json(), ensure_ascii=False)`, the same text, with the big lists that
    variants share encoded once.

    The segments of a campaign share their filled cards, and its variants their
    candidates (the same objects): each such list is encoded by the C encoder
    once and spliced into each variant's document where `to_json` puts it. A
    list is reused only while it holds the very same pieces (filled cards,
    compared piece by piece) or the very same frozen JobFacts (candidates).
    The few most recent lists are kept: write variants that share lists one
    after the other.
    """

    KEEP = 8  # lists of each kind kept: a variant has a few regions per part; one language × variant at a time
    KEEP_CARDS = 2  # job card lists kept: a variant's HTML and text cards (10 MB of JSON each at 5,000 jobs)

    def __init__(self):
        self._items: OrderedDict = OrderedDict()  # ids -> (pieces, json)
        self._cards: OrderedDict = OrderedDict()  # id -> (FilledCards, json)
        self._candidates: OrderedDict = OrderedDict()  # ids -> (JobFacts list, json)
        self._token = "\x00vivier-list:" + secrets.token_hex(16) + ":"

    def encode(self, compiled: CompiledVariant) -> str:
        return b"".join(self.chunks(compiled)).decode("utf-8")

    def chunks(self, compiled: CompiledVariant) -> list[bytes]:
        """The UTF-8 bytes of the document, in pieces (the shared lists are not copied)."""
        marks: dict[str, bytes] = {}

        def mark(data: bytes) -> str:
            name = f"{self._token}{len(marks)}\x00"
            marks[json.dumps(name, ensure_ascii=False)] = data
            return name

        data = compiled.to_json(items=lambda items: mark(self._items_json(items)),
                                candidates=lambda jobs: mark(self.candidates_json(jobs)))
        text = json.dumps(data, ensure_ascii=False)  # small: the big lists are marks
        found = []
        for needle in marks:
            at = text.find(needle)
            if at < 0 or text.find(needle, at + 1) >= 0:  # cannot happen (a random token); stay exact anyway
                return [json.dumps(compiled.to_json(), ensure_ascii=False).encode("utf-8")]
            found.append((at, needle))
        out, pos = [], 0
        for at, needle in sorted(found):
            out.append(text[pos:at].encode("utf-8"))
            data = marks[needle]
            out += data if type(data) is list else [data]  # a list of job cards' JSON comes in pieces
            pos = at + len(needle)
        out.append(text[pos:].encode("utf-8"))
        return out

    def _items_json(self, items: list) -> bytes | list[bytes]:
        if type(items) is FilledCards:  # job cards: the same object for the segments that share them, never changed
            entry = self._cards.get(id(items))
            if entry is not None and entry[0] is items:
                return entry[1]
            data = _cards_json(items)
            self._keep(self._cards, id(items), (items, data), self.KEEP_CARDS)
            return data
        ids = tuple(map(id, items))
        pieces = tuple(map(tuple, items))
        entry = self._items.get(ids)
        if entry is not None and entry[0] == pieces:
            return entry[1]
        data = json.dumps(items, ensure_ascii=False).encode("utf-8")
        self._keep(self._items, ids, (pieces, data))
        return data

    def candidates_json(self, jobs: list) -> bytes:
        """The JSON of a candidates list, as `to_json` writes it (lists of the same frozen jobs: once)."""
        ids = tuple(map(id, jobs))
        entry = self._candidates.get(ids)
        if entry is not None:  # the entry holds the (frozen) JobFacts: the same ids are the same objects
            return entry[1]
        if not _frozen(jobs):
            return json.dumps([job.to_dict() for job in jobs], ensure_ascii=False).encode("utf-8")
        # Each (frozen) job encoded once for every list it is in, found by its value (the languages,
        # campaigns and plans of a build hold equal JobFacts). `json.dumps` of a list: its items joined by ", ".
        memo = _JOB_JSON
        if len(memo) > _JOB_JSON_MAX:
            memo.clear()
        pieces = []
        for job in jobs:
            data = memo.get(job)
            if data is None:
                data = json.dumps(job.to_dict(), ensure_ascii=False).encode("utf-8")
                if _all_text(job):  # only text equals text: an equal JobFacts writes the same JSON
                    memo[job] = data
            pieces.append(data)
        data = b"[" + b", ".join(pieces) + b"]"
        self._keep(self._candidates, ids, (list(jobs), data))
        return data

    def _keep(self, kept: OrderedDict, key, value, keep: int | None = None) -> None:
        kept[key] = value
        while len(kept) > (self.KEEP if keep is None else keep):
            kept.popitem(last=False)


_CARDS_AT_ONCE = 256  # job cards filled and encoded at a time


def _cards_json(cards: FilledCards) -> list[bytes]:
    """`json.dumps(list(cards), ensure_ascii=False)` in UTF-8, in pieces: a few hundred cards filled and encoded at
    a time (`json.dumps` joins a list's items with ", "). Every card filled, then the whole text, then its bytes
    were three copies of 10 MB lists at 5,000 jobs, at the peak of the build's mail side."""
    pieces = [b"["]
    batch: list = []
    for card in cards:
        batch.append(card)
        if len(batch) == _CARDS_AT_ONCE:
            pieces += [json.dumps(batch, ensure_ascii=False)[1:-1].encode("utf-8"), b", "]
            batch = []
    if batch:
        pieces.append(json.dumps(batch, ensure_ascii=False)[1:-1].encode("utf-8"))
    elif len(pieces) > 1:
        pieces.pop()  # the separator after the last full batch
    pieces.append(b"]")
    return pieces


_JOB_JSON: dict = {}  # frozen JobFacts whose fields are all text -> its JSON (equal facts, equal JSON)
_JOB_JSON_MAX = 100_000


def write_stream(path: Path, chunks, size: int) -> bool:
    """`write_file` for data too large to hold: `chunks()` yields its `size` bytes (it is called once or twice).

    A file already holding exactly these bytes is left alone (returns False;
    compared only when the sizes agree, as `careers.output.replace_if_changed`
    does); else the bytes go to a temporary file of the same folder, renamed
    over it.
    """
    import os

    if not path.parent.is_dir():
        make_private_dir(path.parent)
    if (path.is_file() and not path.is_symlink() and path.stat().st_size == size
            and _same_bytes(path, chunks())):
        if os.stat(path).st_mode & 0o777 != FILE_MODE:
            os.chmod(path, FILE_MODE)
        return False
    temporary = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "wb") as handle:
            os.fchmod(handle.fileno(), FILE_MODE)
            for chunk in chunks():
                handle.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return True


def _same_bytes(path: Path, chunks) -> bool:
    with open(path, "rb") as handle:
        for chunk in chunks:
            if handle.read(len(chunk)) != chunk:
                return False
        return handle.read(1) == b""


def _all_text(job) -> bool:
    """Every field of a JobFacts a string or a tuple of strings (then equal means the same JSON)."""
    return all(type(v) is str or (type(v) is tuple and all(type(x) is str for x in v)) for v in job.__dict__.values())


def _frozen(jobs) -> bool:
    """Every job a JobFacts whose fields are all immutable (it hashes): its text can never change."""
    try:
        return all(type(job) is JobFacts and hash(job) is not None for job in jobs)
    except TypeError:  # a list in a field
        return False


def write_compiled(folder: Path, compiled: CompiledVariant, encoder: CompiledEncoder | None = None,
                   kept: Kept | None = None) -> list[Path]:
    """The variant's three files (skeletons and regions); returns their paths.

    With `kept` (and `encoder`), a JSON file an earlier build wrote for the
    same key and left untouched is not encoded again (mailing.plan.kept)."""
    base = folder / COMPILED
    paths = [base / f"{compiled.key}.html", base / f"{compiled.key}.txt", base / f"{compiled.key}.json"]
    write_file(paths[0], compiled.html.skeleton())
    write_file(paths[1], compiled.text.skeleton())
    if encoder is None:
        write_file(paths[2], json.dumps(compiled.to_json(), ensure_ascii=False))
        return paths
    key = kept.key(compiled, encoder.candidates_json(compiled.candidates)) if kept is not None else None
    if not (kept is not None and kept.unchanged(paths[2], key)):
        chunks = encoder.chunks(compiled)  # written piece by piece: never joined into one more copy
        write_stream(paths[2], lambda: chunks, sum(map(len, chunks)))
    if kept is not None:
        kept.record(paths[2], key)
    return paths


def write_all_compiled(folder: Path, variants, kept: Kept | None = None) -> set[Path]:
    """Every variant's files, those sharing lists (same language and variant) one after the other;
    with `kept`, the JSON of a variant whose key is unchanged is left as it is (mailing.plan.kept)."""
    encoder = CompiledEncoder()
    written: set[Path] = set()
    for compiled in sorted(variants, key=lambda c: (str(c.lang), str(c.variant), str(c.segment))):
        written.update(write_compiled(folder, compiled, encoder, kept))
    return written


def load_compiled(folder: Path) -> dict[tuple[str, str, str], CompiledVariant]:
    """The compiled variants of a plan folder, as the sender reads them."""
    result = {}
    for path in sorted((Path(folder) / COMPILED).glob("*.json")):
        compiled = CompiledVariant.from_json(json.loads(path.read_text(encoding="utf-8")))
        result[(compiled.segment, compiled.lang, compiled.variant)] = compiled
    return result
