"""Plan folders of invitation rounds and of each day's follow-ups, in the newsletter plan layout.

    <outbox>/<plan id>/manifest.jsonl    one line per member (id, segment, lang, variant, kind…), no address
    <outbox>/<plan id>/compiled/<segment>.<lang>.<variant>.json|.html|.txt
    <outbox>/<plan id>/calendar/<lang>.ics   invitation rounds: the calendar, one placeholder ATTENDEE
    <outbox>/<plan id>/plan.json         plan_id, kind, composer, counts, exclusions by reason
    <outbox>/<plan id>/previews/<member>.eml

A round's folder holds everyone planned in it so far (the store remembers
them), so a rebuild on the same day or a late member never drops anyone, and
`vivier send` (its ledger) sends each member once. Rows are remembered after
the folder is written.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from careers.calendar import event_to_ical
from careers.dates import now

from . import invitation_records, sequence_records, sequences
from .compose import AddressError, Composer, MailConfig
from .invitation_mime import CALENDAR_FOLDER, PLACEHOLDER_ATTENDEE, InvitationComposer
from .invitation_views import versions_of
from .outbox import _write, outbox_root, signer_for, write_compiled

logger = logging.getLogger(__name__)

INVITATION_COMPOSER = "mailing.invitation_mime:invitation_composer"


def _manifest(entries: list[dict]) -> str:
    return "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries)


def _previews(settings, folder: Path, entries: list[dict], members: dict, compiled: dict, make_composer) -> None:
    count = settings.get("MAILING_PREVIEWS", 3)
    if count <= 0:
        return
    config, signer, when = MailConfig.from_settings(settings), signer_for(settings), now(settings)
    chosen, seen = [], set()
    for entry in entries:
        key = (entry["segment"], entry["lang"], entry["variant"])
        if key not in seen and len(chosen) < count:
            seen.add(key)
            chosen.append(entry)
    for entry in chosen:
        variant = compiled[(entry["segment"], entry["lang"], entry["variant"])]
        try:
            _, message = make_composer(variant, config, signer).compose(members[entry["member"]], entry, when)
        except AddressError as exc:
            logger.warning("preview for member %s skipped: %s", entry["member"], exc)
            continue
        _write(folder / "previews" / f"{entry['member']}.eml", message)


def write_round(settings, store, round_, compiled: dict) -> Path | None:
    """Write one invitation round's plan folder, then remember its rows; None when it has nobody."""
    event = round_.event
    versions = versions_of(event)
    segments = sorted({key[0] for key in compiled})
    fresh = {r.member.id: (r.member, r.segment) for r in round_.recipients}
    planned = [(row.member_id, row.segment) for row in invitation_records.rows_of_plan(store, round_.plan_id) if row.member_id not in fresh]
    entries, members = [], {}
    for member_id, segment in planned + [(m.id, s) for m, s in fresh.values()]:
        member = fresh[member_id][0] if member_id in fresh else store.get(member_id)
        if member is None:
            continue
        lang = member.language if member.language in versions else event.lang
        segment = segment if segment in segments else segments[0]
        members[member_id] = member
        entries.append({"member": member_id, "segment": segment, "lang": lang, "variant": round_.action,
                        "kind": round_.kind, "action": round_.action, "sequence": round_.sequence})
    if not entries:
        invitation_records.record(store, round_.rows())  # members skipped over budget, if any
        return None
    folder = outbox_root(settings) / round_.plan_id
    for variant in compiled.values():
        write_compiled(folder, variant)
    meta = {
        "plan_id": round_.plan_id, "kind": round_.kind, "composer": INVITATION_COMPOSER,
        "event": event.uid, "reference": event.reference, "action": round_.action, "method": round_.method,
        "sequence": round_.sequence, "recipients": len(entries), "new_today": len(fresh),
        "counts": [{"segment": s, "lang": l, "members": n} for (s, l), n in sorted(Counter((e["segment"], e["lang"]) for e in entries).items())],
        "excluded": {reason: len(found) for reason, found in round_.skipped.items() if found},
    }
    if round_.method:
        # DTSTAMP: when this message is made; LAST-MODIFIED moves with an update or a cancellation;
        # ORGANIZER carries SENT-BY when the email comes from another address (RFC 5545 §3.2.18).
        stamp = now(settings)
        changed = stamp if round_.action in ("update", "cancel") else None
        for lang, version in versions.items():
            _write(folder / CALENDAR_FOLDER / f"{lang}.ics", event_to_ical(
                version, settings, method=round_.method, attendee=PLACEHOLDER_ATTENDEE,
                sent_by=settings.get("MAILING_FROM_ADDRESS"), stamp=stamp, changed=changed))
    _write(folder / "manifest.jsonl", _manifest(entries))
    _write(folder / "plan.json", json.dumps(meta, ensure_ascii=False, indent=2))
    plan = SimpleNamespace(folder=folder, meta=meta)
    _previews(settings, folder, entries, members, compiled,
              lambda variant, config, signer: InvitationComposer(variant, config=config, signer=signer, plan_id=round_.plan_id, plan=plan))
    invitation_records.record(store, round_.rows())
    logger.info("%s: %d recipient(s), %d new", round_.plan_id, len(entries), len(fresh))
    return folder


def write_day(settings, store, day, sequence_defs: dict, compiled: dict) -> Path | None:
    """Write the day's follow-up plan folder, then remember its steps; None when nothing is due."""
    fresh = {d.member.id: d for d in day.planned}
    entries, members, used = [], {}, set()
    old = [row for row in sequence_records.rows_of_plan(store, day.plan_id) if row.member_id not in fresh]
    items = [(row.member_id, row.sequence, row.step, row.occurrence, None) for row in old]
    items += [(d.member.id, d.sequence.name, d.step.id, d.occurrence, d.member) for d in day.planned]
    for member_id, name, step, occurrence, member in items:
        sequence = sequence_defs.get(name)
        if sequence is None or not any(s.id == step for s in sequence.steps):
            logger.warning("%s: step %s/%s is no longer defined; member %s left out", day.plan_id, name, step, member_id)
            continue
        member = member or store.get(member_id)
        if member is None:
            continue
        lang = member.language if member.language in sequence.languages else sequence.languages[0]
        key = f"{name}__{step}"
        used.add((key, lang, "a"))
        members[member_id] = member
        entries.append({"member": member_id, "segment": key, "lang": lang, "variant": "a", "kind": sequence.kind,
                        "sequence": name, "step": step, "occurrence": occurrence})
    if not entries:
        return None
    folder = outbox_root(settings) / day.plan_id
    for key in sorted(used):
        write_compiled(folder, compiled[key])
    kinds = Counter(e["kind"] for e in entries)
    meta = {
        "plan_id": day.plan_id, "kind": kinds.most_common(1)[0][0], "day": day.today.isoformat(),
        "recipients": len(entries), "new_today": len(fresh),
        "counts": [{"sequence": n, "step": s, "members": c} for (n, s), c in sorted(Counter((e["sequence"], e["step"]) for e in entries).items())],
        "waiting": dict(Counter(o.status for o in day.outcomes if o.status not in (sequences.DUE, sequences.NOT_YET, sequences.DONE))),
    }
    _write(folder / "manifest.jsonl", _manifest(entries))
    _write(folder / "plan.json", json.dumps(meta, ensure_ascii=False, indent=2))
    _previews(settings, folder, entries, members, compiled,
              lambda variant, config, signer: _PlainComposer(Composer(variant, config, signer, day.plan_id)))
    sequences.commit(store, day)
    logger.info("%s: %d follow-up(s), %d new", day.plan_id, len(entries), len(fresh))
    return folder


class _PlainComposer:
    """The newsletter composer's interface for previews of follow-ups (no matched jobs)."""

    def __init__(self, composer: Composer):
        self.composer = composer

    def compose(self, member, entry, when):
        return self.composer.compose(member, [], when)
