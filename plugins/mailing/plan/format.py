"""The plan format (version 2): the folders of the outbox, what each file holds, where a plan came from.

    <outbox>/<plan id>/plan.json        {"format": 2, "plan_id", "kind", "message_kind", "sources": [...],
                                         counts and exclusions by reason, kind-specific summary}
    <outbox>/<plan id>/manifest.jsonl   one JSON object per recipient: member id, segment, lang, variant,
                                        kind-specific fields (jobs, action, step…); never a name or address
    <outbox>/<plan id>/compiled/<segment>.<lang>.<variant>.json|.html|.txt   compiled variants
    <outbox>/<plan id>/<other files>    what a kind adds (invitations: calendar/<lang>.ics)
    <outbox>/<plan id>/previews/<member id>.eml   the exact email of a few members
    <outbox>/<plan id>/withdrawn.json   present when the plan's content is gone: `vivier send` refuses it

`message_kind` names the kind of the registry (mailing.kinds) whose composer
sends it; `kind` is the policy's kind (consent, budget, priority). `sources`
lists the content files the plan was made from (project-relative path and
SHA-256): a plan whose source no longer exists is withdrawn by the next build
and refused by `vivier send`, naming the file. Written only by
`mailing.plan.writer`, read only by `mailing.delivery.plan`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from talentpool.private import DIR_MODE, restrict

FORMAT = 2
MANIFEST = "manifest.jsonl"
META = "plan.json"
COMPILED = "compiled"
PREVIEWS = "previews"
WITHDRAWN = "withdrawn.json"


def project_root(settings) -> Path:
    return Path(settings.get("PROJECT_ROOT") or os.getcwd())


def outbox_root(settings) -> Path:
    """The outbox folder (MAILING_OUTBOX), absolute: personal data (previews, manifests), so 0700 once it exists."""
    path = Path(str(settings.get("MAILING_OUTBOX") or os.environ.get("VIVIER_OUTBOX") or "var/outbox")).expanduser()
    if not path.is_absolute():
        path = project_root(settings) / path
    if path.is_dir():
        restrict(path, DIR_MODE)
    return path


def source_record(settings, path: str | os.PathLike) -> dict:
    """{"path": project-relative path, "sha256": of its bytes} for one content file."""
    absolute = Path(path)
    if not absolute.is_absolute():
        absolute = project_root(settings) / absolute
    try:
        relative = absolute.resolve().relative_to(project_root(settings).resolve()).as_posix()
    except ValueError:
        relative = absolute.as_posix()
    digest = hashlib.sha256(absolute.read_bytes()).hexdigest() if absolute.is_file() else ""
    return {"path": relative, "sha256": digest}


def missing_sources(settings, meta: dict) -> list[str]:
    """The source files of a plan that no longer exist (project-relative paths)."""
    root = project_root(settings)
    missing = []
    for source in meta.get("sources") or ():
        path = Path(str(source.get("path", "")))
        if not (path if path.is_absolute() else root / path).is_file():
            missing.append(str(source.get("path")))
    return missing


def read_meta(folder: Path) -> dict | None:
    """A plan folder's plan.json, or None when it has none or it is not a JSON object."""
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def withdrawn(folder: Path) -> dict | None:
    """The withdrawal record of a plan folder ({"reason", "at"}), or None."""
    try:
        record = json.loads((folder / WITHDRAWN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else {"reason": "withdrawn"}


def existing(outbox: Path) -> Iterator[tuple[Path, dict]]:
    """Every plan folder of the outbox in the current format, with its plan.json, by name."""
    if not outbox.is_dir():
        return
    for folder in sorted(outbox.iterdir()):
        if folder.is_dir() and (folder / MANIFEST).is_file():
            meta = read_meta(folder)
            if meta is not None and meta.get("format") == FORMAT:
                yield folder, meta


def now_stamp() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
