"""The private plan of each campaign, in the outbox (never under output/).

    <outbox>/<slug>/plan.json          counts per segment, language, variant; exclusions by reason
    <outbox>/<slug>/manifest.jsonl     one line per eligible member (id, segment, language,
                                       variant, matched jobs) — no name, no address
    <outbox>/<slug>/compiled/<segment>.<lang>.<variant>.html|.txt|.json
    <outbox>/<slug>/previews/<member id>.eml   the exact email of a few members

The sender streams the manifest, looks each member up in the store, and
composes with the compiled JSON (`CompiledVariant.from_json`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
from collections import OrderedDict
from pathlib import Path

from careers.dates import now
from careers.output import replace_if_changed
from talentpool.private import DIR_MODE, FILE_MODE, make_private_dir, restrict

from .compose import AddressError, Composer, MailConfig
from .matching import JobFacts
from .pipeline import CompiledVariant
from .tokens import Signer, secret_from_env

logger = logging.getLogger(__name__)


def outbox_root(settings) -> Path:
    """The outbox folder: personal data (previews, manifests), so 0700 once it exists."""
    path = Path(str(settings["MAILING_OUTBOX"])).expanduser()
    if not path.is_absolute():
        path = Path(settings.get("PROJECT_ROOT") or os.getcwd()) / path
    if path.is_dir():
        restrict(path, DIR_MODE)
    return path


def campaign_dir(settings, slug: str) -> Path:
    return outbox_root(settings) / slug


def _write(path: Path, data: str | bytes | list[bytes]) -> bool:
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


def signer_for(settings) -> Signer:
    return Signer(secret_from_env(required=bool(settings.get("MAILING_REQUIRE_SECRET"))))


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

    def __init__(self):
        self._items: OrderedDict = OrderedDict()  # ids -> (pieces, json)
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
                                candidates=lambda jobs: mark(self._candidates_json(jobs)))
        text = json.dumps(data, ensure_ascii=False)  # small: the big lists are marks
        found = []
        for needle in marks:
            at = text.find(needle)
            if at < 0 or text.find(needle, at + 1) >= 0:  # cannot happen (a random token); stay exact anyway
                return [json.dumps(compiled.to_json(), ensure_ascii=False).encode("utf-8")]
            found.append((at, needle))
        out, pos = [], 0
        for at, needle in sorted(found):
            out += [text[pos:at].encode("utf-8"), marks[needle]]
            pos = at + len(needle)
        out.append(text[pos:].encode("utf-8"))
        return out

    def _items_json(self, items: list) -> bytes:
        ids = tuple(map(id, items))
        pieces = tuple(map(tuple, items))
        entry = self._items.get(ids)
        if entry is not None and entry[0] == pieces:
            return entry[1]
        data = json.dumps(items, ensure_ascii=False).encode("utf-8")
        self._keep(self._items, ids, (pieces, data))
        return data

    def _candidates_json(self, jobs: list) -> bytes:
        ids = tuple(map(id, jobs))
        entry = self._candidates.get(ids)
        if entry is not None:  # the entry holds the (frozen) JobFacts: the same ids are the same objects
            return entry[1]
        data = json.dumps([job.to_dict() for job in jobs], ensure_ascii=False).encode("utf-8")
        if _frozen(jobs):
            self._keep(self._candidates, ids, (list(jobs), data))
        return data

    def _keep(self, kept: OrderedDict, key, value) -> None:
        kept[key] = value
        while len(kept) > self.KEEP:
            kept.popitem(last=False)


def _frozen(jobs) -> bool:
    """Every job a JobFacts whose fields are all immutable (it hashes): its text can never change."""
    try:
        return all(type(job) is JobFacts and hash(job) is not None for job in jobs)
    except TypeError:  # a list in a field
        return False


def write_compiled(folder: Path, compiled: CompiledVariant, encoder: CompiledEncoder | None = None) -> list[Path]:
    """The variant's three files (skeletons and regions); returns their paths."""
    base = folder / "compiled"
    paths = [base / f"{compiled.key}.html", base / f"{compiled.key}.txt", base / f"{compiled.key}.json"]
    _write(paths[0], compiled.html.skeleton())
    _write(paths[1], compiled.text.skeleton())
    if encoder is None:
        _write(paths[2], json.dumps(compiled.to_json(), ensure_ascii=False))
    else:
        _write(paths[2], encoder.chunks(compiled))
    return paths


def write_all_compiled(folder: Path, variants) -> set[Path]:
    """Every variant's files, those sharing lists (same language and variant) one after the other."""
    encoder = CompiledEncoder()
    written: set[Path] = set()
    for compiled in sorted(variants, key=lambda c: (str(c.lang), str(c.variant), str(c.segment))):
        written.update(write_compiled(folder, compiled, encoder))
    return written


def plan_summary(build) -> dict:
    plan = build.plan
    return {
        "plan_id": build.slug,
        "kind": "newsletter",
        "campaign": build.slug,
        "segments": build.segments,
        "languages": list(build.versions),
        "variants": build.variants,
        "recipients": len(plan.entries),
        "counts": [{"segment": s, "lang": l, "variant": v, "members": n} for (s, l, v), n in plan.counts().items()],
        "excluded": {reason: len(ids) for reason, ids in plan.excluded.items()},
        "subjects": {f"{c.lang}.{c.variant}": c.subject for c in build.compiled.values()},
    }


def write_plan(settings, build) -> Path:
    """Write one campaign's plan; returns its folder."""
    folder = campaign_dir(settings, build.slug)
    shutil.rmtree(folder / "previews", ignore_errors=True)
    # Compiled variants are compared with what is there (a rebuild that changed no email writes none of
    # its 200 MB at 5,000 jobs); those of variants the campaign no longer has are removed.
    written = write_all_compiled(folder, build.compiled.values())
    for stale in (folder / "compiled").iterdir():
        if stale not in written:
            stale.unlink()
    lines = "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in build.plan.entries)
    _write(folder / "manifest.jsonl", lines)
    _write(folder / "plan.json", json.dumps(plan_summary(build), ensure_ascii=False, indent=2))
    write_previews(settings, build, folder, settings.get("MAILING_PREVIEWS", 3))
    return folder


def write_previews(settings, build, folder: Path, count: int) -> list[Path]:
    """The exact emails of the first `count` planned members, one per variant where possible."""
    if count <= 0 or not build.plan.entries:
        return []
    config = MailConfig.from_settings(settings)
    signer = signer_for(settings)
    when = now(settings)
    chosen, seen = [], set()
    for entry in build.plan.entries:  # first, one per (segment, lang, variant)
        key = (entry.segment, entry.lang, entry.variant)
        if key not in seen:
            seen.add(key)
            chosen.append(entry)
    for entry in build.plan.entries:
        if len(chosen) >= count:
            break
        if entry not in chosen:
            chosen.append(entry)
    paths = []
    for entry in chosen[:count]:
        compiled = build.compiled[(entry.segment, entry.lang, entry.variant)]
        member = build.plan.members[entry.member_id]
        try:
            _, message = Composer(compiled, config, signer, build.slug).compose(member, entry.matches, when)
        except AddressError as exc:
            logger.warning("preview for member %s skipped: %s", entry.member_id, exc)
            continue
        path = folder / "previews" / f"{entry.member_id}.eml"
        _write(path, message)
        paths.append(path)
    return paths


def load_compiled(settings, slug: str) -> dict[tuple[str, str, str], CompiledVariant]:
    """The compiled variants of a planned campaign, as the sender reads them."""
    result = {}
    for path in sorted((campaign_dir(settings, slug) / "compiled").glob("*.json")):
        compiled = CompiledVariant.from_json(json.loads(path.read_text(encoding="utf-8")))
        result[(compiled.segment, compiled.lang, compiled.variant)] = compiled
    return result


def read_manifest(settings, slug: str):
    """Stream the manifest, one dict per recipient, in constant memory."""
    with open(campaign_dir(settings, slug) / "manifest.jsonl", encoding="utf-8") as handle:
        for text in handle:
            if text.strip():
                yield json.loads(text)
