"""The one writer of plan folders (format in mailing.plan.format), for every kind of the registry.

A kind hands the engine `PlanDraft`s; `write_plan` writes the compiled
variants, the kind's extra files, the manifest, plan.json and a few previews,
the previews through the very composer `vivier send` uses (the kind's, from
the registry), so a preview is the email a member gets. `withdraw` marks a
plan whose content is gone and removes its previews (personal data).
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from careers.dates import now

from . import format as plan_format
from .compiled import write_all_compiled, write_file, write_stream
from .spool import Spool

logger = logging.getLogger(__name__)


@dataclass
class PlanDraft:
    """One plan folder to write: what the kind planned, compiled and summarised."""

    plan_id: str
    kind: str  # the policy's kind of its messages (entries may name their own)
    message_kind: str  # the registry's kind whose composer sends it
    entries: list[dict] | Spool  # manifest lines: member id, segment, lang, variant, kind-specific fields
    compiled: dict  # (segment, lang, variant) -> CompiledVariant
    sources: list[str] = field(default_factory=list)  # content files it was made from
    summary: dict = field(default_factory=dict)  # kind-specific fields of plan.json
    files: dict[str, str | bytes] = field(default_factory=dict)  # other files, relative to the folder
    members: dict = field(default_factory=dict, repr=False)  # id -> Member, for previews only (never written)


def signer_for(settings):
    from ..tokens import Signer, secret_from_env

    return Signer(secret_from_env(required=bool(settings.get("MAILING_REQUIRE_SECRET"))))


def manifest_text(entries: list[dict]) -> str:
    return "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries)


def meta_of(settings, draft: PlanDraft) -> dict:
    meta = {"format": plan_format.FORMAT, "plan_id": draft.plan_id, "kind": draft.kind,
            "message_kind": draft.message_kind,
            "sources": [plan_format.source_record(settings, path) for path in sorted(set(draft.sources))]}
    meta.update(draft.summary)
    return meta


def write_plan(settings, draft: PlanDraft, kept=None) -> Path:
    """Write one plan folder; returns it. Unchanged files are left alone; stale compiled variants go.

    `kept` (a `mailing.plan.kept.Kept`, one per build) lets an unchanged variant skip its encoding."""
    folder = plan_format.outbox_root(settings) / draft.plan_id
    written = write_all_compiled(folder, draft.compiled.values(), kept)
    for stale in (folder / plan_format.COMPILED).iterdir():
        if stale not in written:
            stale.unlink()
    for relative, data in sorted(draft.files.items()):
        write_file(folder / relative, data)
    if isinstance(draft.entries, Spool):  # planned as the pool was walked: copied from its file
        write_stream(folder / plan_format.MANIFEST, draft.entries.chunks, draft.entries.size)
    else:
        write_file(folder / plan_format.MANIFEST, manifest_text(draft.entries))
    meta = meta_of(settings, draft)
    write_file(folder / plan_format.META, json.dumps(meta, ensure_ascii=False, indent=2))
    (folder / plan_format.WITHDRAWN).unlink(missing_ok=True)  # its content is back
    write_previews(settings, folder, draft, meta)
    return folder


def preview_entries(entries: list[dict], count: int) -> list[dict]:
    """First one entry per (segment, lang, variant), then the next ones, up to `count`."""
    chosen, seen = [], set()
    for entry in entries:
        key = (entry.get("segment"), entry.get("lang"), entry.get("variant"))
        if key not in seen:
            seen.add(key)
            chosen.append(entry)
    for entry in entries:
        if len(chosen) >= count:
            break
        if entry not in chosen:
            chosen.append(entry)
    return chosen[:count]


def write_previews(settings, folder: Path, draft: PlanDraft, meta: dict) -> list[Path]:
    """The exact emails of a few planned members, composed by the kind's own composer."""
    from ..compose import AddressError, MailConfig
    from ..kinds import registry

    previews = folder / plan_format.PREVIEWS
    shutil.rmtree(previews, ignore_errors=True)
    count = settings.get("MAILING_PREVIEWS", 3)
    if count <= 0 or not draft.entries:
        return []
    factory = registry.get(draft.message_kind).composer
    config, signer, when = MailConfig.from_settings(settings), signer_for(settings), now(settings)
    plan = SimpleNamespace(folder=folder, meta=meta, plan_id=draft.plan_id)
    composers: dict = {}
    paths = []
    entries = draft.entries.preview_candidates() if isinstance(draft.entries, Spool) else draft.entries
    for entry in preview_entries(entries, count):
        member = draft.members.get(entry["member"])
        key = (entry.get("segment"), entry.get("lang"), entry.get("variant"))
        compiled = draft.compiled.get(key)
        if member is None or compiled is None:
            continue
        composer = composers.get(key)
        if composer is None:
            composer = composers[key] = factory(compiled, config=config, signer=signer, plan_id=draft.plan_id,
                                                settings=settings, plan=plan)
        try:
            _, message = composer.compose(member, entry, when)
        except AddressError as exc:
            logger.warning("preview for member %s skipped: %s", entry["member"], exc)
            continue
        path = previews / f"{entry['member']}.eml"
        write_file(path, message)
        paths.append(path)
    return paths


def withdraw(folder: Path, reason: str) -> None:
    """Mark a plan as withdrawn (`vivier send` refuses it) and remove its previews."""
    shutil.rmtree(folder / plan_format.PREVIEWS, ignore_errors=True)
    if plan_format.withdrawn(folder) is None:
        write_file(folder / plan_format.WITHDRAWN,
                   json.dumps({"reason": reason, "at": plan_format.now_stamp()}, ensure_ascii=False, indent=2))
        logger.warning("plan %s withdrawn: %s", folder.name, reason)
