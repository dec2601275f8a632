"""Who receives which calendar message about each event today, and why the others do not.

For each upcoming event naming segments, one round per action and SEQUENCE:

- `invite` (METHOD:REQUEST): members of the event's segments the policy
  allows (kind `invitation`), from `open_days` before the start, never twice;
- `update` (REQUEST, same UID, higher SEQUENCE): only to members who
  received an invitation at a lower SEQUENCE (the send ledger says so);
- `cancel` (METHOD:CANCEL, STATUS:CANCELLED): only to members who received
  an invitation;
- `reminder` (no calendar part), `reminder_days` before the start: only to
  members who received an invitation.

A member planned in a round but not sent when the event changes is not
"invited": the round is withdrawn (mailing.kinds.invitation) and they are
invited afresh at the new SEQUENCE.

A member over budget is skipped for that round, with the reason remembered
(not retried); other refusals (consent, unsubscription, the member's own pause…) are reported and
reconsidered on the next build. Planning reads the store and writes nothing:
`commit` remembers a round once its plan is written.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from typing import NamedTuple

from talentpool import audience as pool_audience
from talentpool.policy import BLOCKING

from . import records
from ...plan.spool import Records
from ...delivery import choices as member_choices
from ...engine.budget import OVER_BUDGET, RECEIVED_STATES, Budget as Planned, delivered

KIND = "invitation"
# Updates and cancellations go only to those already invited; the policy
# exempts them from the frequency budget (an invited person must learn that
# the event moved or was cancelled), but not from consent or unsubscription.
UPDATE_KIND = "event_update"
METHODS = {"invite": "REQUEST", "update": "REQUEST", "cancel": "CANCEL", "reminder": None}
# Reasons of this module, beside the policy's.
NOT_INVITED = "not_invited"
ALREADY = "already_planned"
LEFT_SEGMENTS = "not_in_segments"


@dataclass(frozen=True)
class InvitationSettings:
    """When rounds open: invitations `open_days` before the start, the reminder `reminder_days` before (0: none)."""

    open_days: int = 90
    reminder_days: int = 1

    @classmethod
    def from_settings(cls, settings) -> "InvitationSettings":
        return cls(int(settings.get("INVITATIONS_OPEN_DAYS", 90)), int(settings.get("INVITATIONS_REMINDER_DAYS", 1)))


def plan_id_for(reference: str, action: str, sequence: int) -> str:
    """The plan folder of one round: `invitation-{reference}-{action}-{sequence}`."""
    return f"invitation-{reference}-{action}-{sequence}"


class Recipient(NamedTuple):
    """One member planned in a round: what the plan folder needs of them, not the whole `Member`
    (a round of a 1,000,000-member pool holds hundreds of thousands of them: issue 21)."""

    member_id: str
    segment: str
    language: str

    @classmethod
    def of(cls, member, segment: str) -> "Recipient":
        return cls(member.id, segment, sys.intern(member.language or ""))


class Skipped:
    """The members left out of a round, by reason: their ids in a temporary file (`Records`), counts in
    memory, reasons in the order they were first given (`order` may set it): `ids()` every (reason, id),
    `skipped[reason]` one reason's ids, `items()` every reason's, `counts` reason -> members."""

    def __init__(self):
        self._records = Records()
        self.counts: dict[str, int] = {}

    def add(self, reason: str, member_id: str) -> None:
        self._records.append((reason, member_id))
        self.counts[reason] = self.counts.get(reason, 0) + 1

    def order(self, reasons) -> None:
        reasons = list(reasons)
        self.counts = {reason: self.counts[reason] for reason in [*reasons, *self.counts] if reason in self.counts}

    def ids(self):
        """Every (reason, member id), in the order they were added."""
        return iter(self._records)

    def __getitem__(self, reason: str) -> list[str]:
        """The ids left out for `reason` (one pass over the file)."""
        return [member_id for given, member_id in self._records if given == reason]

    def items(self) -> list[tuple[str, list[str]]]:
        """(reason, ids) for every reason, in `counts` order, in one pass over the file."""
        found: dict[str, list[str]] = {reason: [] for reason in self.counts}
        for reason, member_id in self._records:
            found[reason].append(member_id)
        return list(found.items())

    def __iter__(self):
        """The reasons, in `counts` order."""
        return iter(self.counts)


@dataclass
class Round:
    """One action about one event at one SEQUENCE: recipients planned today, and who is left out why."""

    event: object  # the event in the default language (its translations are on .translations)
    action: str
    sequence: int
    today: dt.date
    # On disk until the plan is written (`Records`, `Skipped`): a round of a large pool is large.
    recipients: Records = field(default_factory=lambda: Records(Recipient))
    skipped: Skipped = field(default_factory=Skipped)  # reason -> member ids

    @property
    def plan_id(self) -> str:
        return plan_id_for(self.event.reference, self.action, self.sequence)

    @property
    def method(self) -> str | None:
        return METHODS[self.action]

    @property
    def kind(self) -> str:
        """The policy's message kind: updates and cancellations are `event_update`."""
        return UPDATE_KIND if self.action in ("update", "cancel") else KIND

    def rows(self):
        """Rows to remember, one at a time: every recipient planned, and every member over budget skipped."""
        uid = self.event.uid
        for r in self.recipients:
            yield records.InvitationRow(uid, r.member_id, self.action, self.sequence, records.PLANNED, "", r.segment,
                                        self.plan_id, self.today)
        for reason, m in self.skipped.ids():
            if reason == OVER_BUDGET:
                yield records.InvitationRow(uid, m, self.action, self.sequence, records.SKIPPED, OVER_BUDGET, "",
                                            self.plan_id, self.today)


@dataclass
class EventPlan:
    """Every round of one event today, and what the organiser should know (when rounds open)."""

    event: object
    rounds: list[Round] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unknown_segments: list[str] = field(default_factory=list)


def group_events(events, default_lang: str) -> list:
    """One event per UID (the default-language version when there is one), soonest first."""
    chosen: dict[str, object] = {}
    for event in events:
        current = chosen.get(event.uid)
        if current is None or (event.lang == default_lang and current.lang != default_lang):
            chosen[event.uid] = event
    return sorted(chosen.values(), key=lambda e: (e.start, e.uid))


def _invited(rows, received: set[tuple[str, str]] | None = None) -> dict[str, records.InvitationRow]:
    """Members sent an invite or update (the ledger's `received` pairs), with their latest such row."""
    result = {}
    for row in rows:
        if received is not None and (row.plan_id, row.member_id) not in received:
            continue
        if row.status == records.PLANNED and row.action in ("invite", "update"):
            if row.member_id not in result or row.sequence >= result[row.member_id].sequence:
                result[row.member_id] = row
    return result


def _done(rows, action: str, sequence: int) -> set[str]:
    """Members already planned or skipped for this action at this SEQUENCE."""
    return {r.member_id for r in rows if r.action == action and r.sequence == sequence}


def plan_event(store, event, segments, policy, today: dt.date, planned: Planned, options: InvitationSettings,
               recent: dict) -> EventPlan:
    """The rounds of one event for `today` (adds what it plans to `planned`)."""
    result = EventPlan(event)
    names = [name for name in event.segments if name in segments]
    result.unknown_segments = [name for name in event.segments if name not in segments]
    start = event.start.date()
    if not names:
        result.notes.append("no known segment to invite")
        return result
    if today >= start:
        result.notes.append("the event has started or is past: nothing more is sent")
        return result
    rows = records.rows_for_event(store, event.uid)
    # Updates, cancellations and reminders go to those who received an invitation (the ledger says so),
    # never to members planned but not sent (their round is withdrawn when the event changes).
    received = delivered(store, {row.plan_id for row in rows}, RECEIVED_STATES)
    invited = _invited(rows, received)
    suppressed = store.suppression_lookup(BLOCKING)
    prefs = member_choices.all_preferences(store)

    def decide(round_, member, segment):
        decision = policy.decide(member, round_.kind, today, recent.get(member.id, ()), planned=planned.of(member.id),
                                 suppressed=suppressed(member.email), plan_id=round_.plan_id)
        reason = decision.reason if not decision.allowed else member_choices.objection(prefs.get(member.id, {}), round_.kind, today)
        if reason:
            round_.skipped.add(reason, member.id)
        else:
            round_.recipients.append(Recipient.of(member, segment))
            planned.add(member.id, round_.kind, round_.plan_id, today)

    def follow_up_round(action):
        round_ = Round(event, action, event.sequence, today)
        done = _done(rows, action, event.sequence)
        for member_id, row in sorted(invited.items()):
            if member_id in done or (action == "update" and row.sequence >= event.sequence):
                continue
            member = store.get(member_id)
            if member is None:
                round_.skipped.add("erased", member_id)
                continue
            decide(round_, member, row.segment)
        return round_

    if event.status == "cancelled":
        result.rounds.append(follow_up_round("cancel"))
        return result
    if any(row.sequence < event.sequence for row in invited.values()):
        result.rounds.append(follow_up_round("update"))
    opens = start - dt.timedelta(days=options.open_days)
    if today < opens:
        result.notes.append(f"invitations open on {opens.isoformat()} ({options.open_days} days before the start)")
    else:
        round_ = Round(event, "invite", event.sequence, today)
        done = _done(rows, "invite", event.sequence) | set(invited)  # planned in this round, or invited before
        skipped = round_.skipped

        def excluded(member, reason):
            if member.id not in done:
                skipped.add(reason, member.id)

        # Streamed from the store: the eligible are planned as the pool is walked, the excluded kept as ids.
        found = pool_audience.stream(store, names, KIND, today, segments=segments, policy=policy,
                                     planned=planned.by_member, plan_id=round_.plan_id, on_excluded=excluded)
        for member, segment in found:
            reason = member_choices.objection(prefs.get(member.id, {}), KIND, today) if prefs else None
            if reason:  # the member's own choices (`honour`): excluded after the policy's reasons
                excluded(member, reason)
                continue
            if member.id in done:
                continue
            round_.recipients.append(Recipient.of(member, segment))
            planned.add(member.id, KIND, round_.plan_id, today)
        skipped.order(found.excluded)  # the policy's reasons first, in its order, as `evaluate` gave them
        result.rounds.append(round_)
    if options.reminder_days > 0:
        reminder_day = start - dt.timedelta(days=options.reminder_days)
        if today >= reminder_day:
            fresh = {r.member_id for round_ in result.rounds for r in round_.recipients}
            invited_before = {k: v for k, v in invited.items() if k not in fresh and v.planned < today}
            reminder = Round(event, "reminder", event.sequence, today)
            done = _done(rows, "reminder", event.sequence)
            for member_id, row in sorted(invited_before.items()):
                if member_id in done:
                    continue
                member = store.get(member_id)
                if member is not None:
                    decide(reminder, member, row.segment)
            result.rounds.append(reminder)
        else:
            result.notes.append(f"reminder on {reminder_day.isoformat()}")
    return result


def plan_invitations(store, events, segments, policy, today: dt.date, *, planned: Planned | None = None,
                     options: InvitationSettings = InvitationSettings(), default_lang: str = "fr") -> list[EventPlan]:
    """Every upcoming event's rounds for `today`, sharing one budget through `planned`."""
    planned = Planned() if planned is None else planned
    recent = store.messages_by_member(policy.window_start(today))
    plans = []
    for event in group_events(events, default_lang):
        if not event.segments or getattr(event, "is_past", False):
            continue
        plans.append(plan_event(store, event, segments, policy, today, planned, options, recent))
    return plans


def commit(store, plans: list[EventPlan]) -> int:
    """Remember every round's planned and skipped members; returns how many rows are new."""
    return records.record(store, [row for plan in plans for round_ in plan.rounds for row in round_.rows()])
