"""The invitation kind: calendar messages about events (invite, update, cancel, reminder rounds).

`read` takes the build's upcoming events and checks their segments; `plan`
plans today's rounds on the shared budget (invitations and event updates are
the policy's most important kinds: they plan first); `finish` compiles every
round with recipients and runs the quality gates; `drafts` hands the engine
one plan per round (everyone planned in it so far: the store remembers them),
with the event's calendar; `commit` remembers the rounds' rows. A round's
plan is withdrawn when its event is gone, past, cancelled (but for the
cancellation itself) or superseded by a newer SEQUENCE.
"""

from __future__ import annotations

import difflib
import itertools
import logging
from collections import Counter

from careers.calendar import event_to_ical
from careers.dates import now
from careers.fields import field_line
from careers.report import get_report

from ... import gates
from . import records as invitation_records
from ...collector import paused
from .mime import CALENDAR_FOLDER, PLACEHOLDER_ATTENDEE, InvitationComposer
from .views import compile_round, invitation_theme, versions_of
from .rounds import InvitationSettings, InvitationsWalker, event_planners, group_events, plan_invitations
from ...plan.spool import Spool, entry_member
from ...plan.writer import PlanDraft
from ...settings import mail_theme_path
from ..base import MessageKind
from ..registry import register

logger = logging.getLogger(__name__)


def invitation_composer(compiled, **kwargs) -> InvitationComposer:
    return InvitationComposer(compiled, **kwargs)


@register
class InvitationsGenerator(MessageKind):
    """Plans today's invitation rounds of every upcoming event that names segments."""

    name = "invitation"
    policy_kinds = ("event_update", "invitation")
    composer = staticmethod(invitation_composer)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events = []
        self.segments = {}
        self.event_plans = []
        self.compiled_rounds = {}  # plan id -> compiled variants

    @paused
    def read(self):
        from talentpool import config as pool_config

        report = get_report(self.settings)
        self.events = [e for e in self.context.get("events", []) if not e.is_past]
        if not any(e.segments for e in self.events):
            return
        try:
            self.segments = pool_config.load_segments(self.settings)
        except Exception as exc:  # the audience commands explain
            for event in self.events:
                if event.segments:
                    report.error(event.source_path, "segments", f"the talent pool's segments cannot be loaded: {exc}")
            self.events = []
            return
        for event in group_events(self.events, self.settings["DEFAULT_LANG"]):
            for name in event.segments:
                if name not in self.segments:
                    close = difflib.get_close_matches(name, list(self.segments), n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    report.error(event.source_path, "segments", f"unknown segment {name!r}: {hint}"
                                 f"(segments in audiences/segments: {', '.join(sorted(self.segments))})",
                                 line=field_line(event.source_path, "segments"))

    def wants_store(self) -> bool:
        return any(e.segments for e in self.events)

    def plan(self, budget, store, policy, day):
        self._planned(plan_invitations(store, self.events, self.segments, policy, day, planned=budget,
                                       options=InvitationSettings.from_settings(self.settings),
                                       default_lang=self.settings["DEFAULT_LANG"]))

    def walker(self, budget, store, policy, day):
        from talentpool.audience import walks_rows

        if not walks_rows(store, policy):
            return None  # the invite rounds' audiences are walked member by member: plan()
        planners = event_planners(store, self.events, self.segments, policy, day, planned=budget,
                                  options=InvitationSettings.from_settings(self.settings),
                                  default_lang=self.settings["DEFAULT_LANG"])
        return InvitationsWalker(planners, self._planned)

    def _planned(self, plans):
        self.event_plans = plans
        self.context["invitation_plans"] = plans

    @paused
    def finish(self):
        report = get_report(self.settings)
        if report.errors or not any(round_.recipients for plan in self.event_plans for round_ in plan.rounds):
            return
        theme = invitation_theme(self.settings, mail_theme_path(self.settings))
        for plan in self.event_plans:
            names = [n for n in plan.event.segments if n not in plan.unknown_segments]
            for round_ in plan.rounds:
                if not round_.recipients:
                    continue
                try:
                    compiled = compile_round(theme, self.settings, round_, names)
                except Exception as exc:
                    report.error(plan.event.source_path, f"invitation {round_.action}", f"the mail theme could not render it: {exc}")
                    continue
                for (segment, lang, action), variant in compiled.items():
                    for problem in gates.check(variant, self.settings):
                        report.error(plan.event.source_path, f"invitation {action} {segment}/{lang}", problem)
                self.compiled_rounds[round_.plan_id] = compiled

    def drafts(self, store) -> list[PlanDraft]:
        result = []
        for plan in self.event_plans:
            for round_ in plan.rounds:
                compiled = self.compiled_rounds.get(round_.plan_id)
                if compiled is not None:  # else nobody new today: the folder stays as it is
                    draft = round_draft(self.settings, store, round_, compiled)
                    if draft is not None:
                        result.append(draft)
        return result

    def commit(self, store) -> None:
        invitation_records.record_parameters(store, (values for plan in self.event_plans for round_ in plan.rounds
                                                     for values in round_.parameters()))

    def withdraw_reason(self, meta: dict) -> str | None:
        event = next((e for e in self.context.get("events", []) if e.uid == meta.get("event")), None)
        if event is None:
            return super().withdraw_reason(meta) or f"its event {meta.get('reference')} is no longer in the content"
        if event.is_past:
            return f"the event {event.reference} has started or is past"
        action = meta.get("action")
        if event.status == "cancelled" and action != "cancel":
            return f"the event {event.reference} is cancelled"
        if action != "cancel" and int(meta.get("sequence") or 0) < int(event.sequence):
            return f"the event {event.reference} changed (SEQUENCE {event.sequence}): a newer round replaces it"
        return super().withdraw_reason(meta)


def round_draft(settings, store, round_, compiled: dict) -> PlanDraft | None:
    """One invitation round's plan: everyone planned in it so far, the calendar, a summary.

    The manifest goes to a `Spool` (on disk) and only the previews' members are looked up: a round of
    a large pool holds hundreds of thousands of recipients (issue 21)."""
    event = round_.event
    versions = versions_of(event)
    segments = sorted({key[0] for key in compiled})
    earlier = invitation_records.rows_of_plan(store, round_.plan_id)
    again = {row.member_id for row in earlier}  # planned by an earlier build: kept once, where the round has them now
    if again:
        again = {r.member_id for r in round_.recipients if r.member_id in again}
        earlier = [row for row in earlier if row.member_id not in again]
    planned_today = len(round_.recipients) + sum(1 for row in earlier if row.planned == round_.today)
    entries = Spool(settings.get("MAILING_PREVIEWS", 3))
    counts: Counter = Counter()
    listed = ((row.member_id, row.segment, None) for row in earlier)
    fresh = ((r.member_id, r.segment, r.language) for r in round_.recipients)
    for member_id, segment, language in itertools.chain(listed, fresh):
        found = entry_member(store, member_id, language)
        if found is None:
            continue
        language, member = found
        lang = language if language in versions else event.lang
        segment = segment if segment in segments else segments[0]
        counts[(segment, lang)] += 1
        entries.add({"member": member_id, "segment": segment, "lang": lang, "variant": round_.action,
                     "kind": round_.kind, "action": round_.action, "sequence": round_.sequence}, member)
    if not entries:
        return None
    excluded = Counter({reason: n for reason, n in round_.skipped.counts.items() if n})
    skipped_before = {row.member_id for row in invitation_records.rows_of_plan(store, round_.plan_id, invitation_records.SKIPPED)}
    if skipped_before:
        skipped_before -= {member_id for _, member_id in round_.skipped.ids()}
    if skipped_before:  # skipped (over budget) by an earlier build: still part of this round's story
        excluded["over_budget"] += len(skipped_before)
    summary = {
        "event": event.uid, "reference": event.reference, "action": round_.action, "method": round_.method,
        "sequence": round_.sequence, "recipients": len(entries), "new_today": planned_today,
        "counts": [{"segment": s, "lang": l, "members": n} for (s, l), n in sorted(counts.items())],
        "excluded": dict(sorted(excluded.items())),
    }
    files = {}
    if round_.method:
        # DTSTAMP: when this message is made; LAST-MODIFIED moves with an update or a cancellation;
        # ORGANIZER carries SENT-BY when the email comes from another address (RFC 5545 §3.2.18).
        stamp = now(settings)
        changed = stamp if round_.action in ("update", "cancel") else None
        for lang, version in versions.items():
            files[f"{CALENDAR_FOLDER}/{lang}.ics"] = event_to_ical(
                version, settings, method=round_.method, attendee=PLACEHOLDER_ATTENDEE,
                sent_by=settings.get("MAILING_FROM_ADDRESS"), stamp=stamp, changed=changed)
    return PlanDraft(round_.plan_id, round_.kind, "invitation", entries, compiled,
                     sources=[v.source_path for v in versions.values()], summary=summary, files=files,
                     members=entries.members)
