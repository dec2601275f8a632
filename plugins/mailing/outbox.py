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
import shutil
import tempfile
from pathlib import Path

from careers.dates import now

from .compose import AddressError, Composer, MailConfig
from .pipeline import CompiledVariant
from .tokens import Signer, secret_from_env

logger = logging.getLogger(__name__)


def outbox_root(settings) -> Path:
    path = Path(str(settings["MAILING_OUTBOX"])).expanduser()
    if not path.is_absolute():
        path = Path(settings.get("PROJECT_ROOT") or os.getcwd()) / path
    return path


def campaign_dir(settings, slug: str) -> Path:
    return outbox_root(settings) / slug


def _write(path: Path, data: str | bytes) -> None:
    """Atomic write: a crash never leaves half a manifest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8"})) as handle:
        handle.write(data)
    os.replace(tmp, path)


def signer_for(settings) -> Signer:
    return Signer(secret_from_env(required=bool(settings.get("MAILING_REQUIRE_SECRET"))))


def write_compiled(folder: Path, compiled: CompiledVariant) -> None:
    base = folder / "compiled"
    _write(base / f"{compiled.key}.html", compiled.html.skeleton())
    _write(base / f"{compiled.key}.txt", compiled.text.skeleton())
    _write(base / f"{compiled.key}.json", json.dumps(compiled.to_json(), ensure_ascii=False))


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
    for sub in ("compiled", "previews"):
        shutil.rmtree(folder / sub, ignore_errors=True)
    for compiled in build.compiled.values():
        write_compiled(folder, compiled)
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
