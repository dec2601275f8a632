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
from talentpool.store import member_from_row

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

    def part(self) -> tuple:
        """What was added here, for `join` (a walk in parts, `mailing.engine.walk`)."""
        return self._records.part(), self.counts

    def join(self, part: tuple) -> None:
        """Add another's `part`, as if its members had been added here after these."""
        records, counts = part
        self._records.join(records)
        for reason, count in counts.items():
            self.counts[reason] = self.counts.get(reason, 0) + count

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

    def parameters(self):
        """`records.parameters` of each of `rows()`, in the same order, made without the rows (what
        `commit` writes: half a million rows for a round of a 1,000,000-member pool)."""
        common = {"event": self.event.uid, "action": self.action, "sequence": self.sequence, "plan": self.plan_id,
                  "planned": self.today.isoformat()}
        planned = {**common, "status": records.PLANNED, "reason": ""}
        for member_id, segment, _ in self.recipients:
            yield {**planned, "member": member_id, "segment": segment}
        skipped = {**common, "status": records.SKIPPED, "reason": OVER_BUDGET, "segment": ""}
        for reason, member_id in self.skipped.ids():
            if reason == OVER_BUDGET:
                yield {**skipped, "member": member_id}


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


class _NamedRound:
    """A round for members named before the walk (update, cancel, reminder), in id order: `run` looks each
    one up (`store.get`); in a walk of the pool shared with other plans, `visit` decides each as the walk
    meets them and `finish` lists them in id order, so the round is the same. `erased`: a member no longer
    in the store is skipped as erased (else left out silently); `unless(member_id)`: not for this member
    (what the rounds before it planned, checked when this round reaches them)."""

    def __init__(self, round_, targets: dict[str, str], decide, *, erased: bool, unless=None):
        self.round, self.targets, self._decide, self._erased, self._unless = round_, targets, decide, erased, unless
        self.met: dict[str, object] = {}  # member id -> Recipient or reason, as decided

    def run(self, store) -> None:
        targets = self.targets if self._unless is None else \
            {member_id: segment for member_id, segment in self.targets.items() if not self._unless(member_id)}
        for member_id, segment in targets.items():
            member = store.get(member_id)
            if member is None:
                if self._erased:
                    self.round.skipped.add("erased", member_id)
                continue
            self.met[member_id] = found = self._decide(self.round, member, segment)
            self._apply(member_id, found)

    def part(self) -> dict:
        return self.met  # members decided in this part (the round is made in `finish`)

    def join(self, part: dict) -> None:
        self.met.update(part)  # other members: the parts do not overlap

    def planned_here(self, member_id: str) -> bool:
        """Whether this round planned the member (so far)."""
        return isinstance(self.met.get(member_id), Recipient)

    def visit(self, row, member):
        segment = self.targets.get(row[0])
        if segment is None or (self._unless is not None and self._unless(row[0])):
            return member
        if member is None:
            member = member_from_row(row)
        self.met[member.id] = self._decide(self.round, member, segment)
        return member

    def finish(self) -> None:
        for member_id in self.targets:
            found = self.met.get(member_id)
            if found is None:
                if self._erased:  # no longer in the store
                    self.round.skipped.add("erased", member_id)
                continue
            self._apply(member_id, found)

    def _apply(self, member_id: str, found) -> None:
        if isinstance(found, Recipient):
            self.round.recipients.append(found)
        else:
            self.round.skipped.add(found, member_id)


class _InviteRound:
    """The invite round: the event's audience streamed from the store, the members' own choices after the
    policy's reasons. `run` walks the pool for it alone; `visit` takes one row of a shared walk."""

    def __init__(self, round_, found, done: set, prefs: dict, planned: Planned, today: dt.date):
        self.round, self.found, self.done, self.prefs, self.planned, self.today = round_, found, done, prefs, planned, today
        self._visit = None

    def excluded(self, member, reason) -> None:
        if member.id not in self.done:
            self.round.skipped.add(reason, member.id)

    def member(self, member, segment) -> None:
        prefs = self.prefs
        reason = member_choices.objection(prefs.get(member.id, {}), KIND, self.today) if prefs else None
        if reason:  # the member's own choices (`honour`): excluded after the policy's reasons
            self.excluded(member, reason)
            return
        if member.id in self.done:
            return
        self.round.recipients.append(Recipient.of(member, segment))
        self.planned.add(member.id, KIND, self.round.plan_id, self.today)

    def run(self, store) -> None:
        # Streamed from the store: the eligible are planned as the pool is walked, the excluded kept as ids.
        for member, segment in self.found:
            self.member(member, segment)
        self.finish()

    def visit(self, row, member):
        if self._visit is None:
            self._visit = self.found.visitor()
        member, segment = self._visit(row, member)
        if segment is not None:
            self.member(member, segment)
        return member

    def part(self) -> dict:
        return {"recipients": self.round.recipients.part(), "skipped": self.round.skipped.part(),
                "found": self.found.part()}

    def join(self, part: dict) -> None:
        self.round.recipients.join(part["recipients"])
        self.round.skipped.join(part["skipped"])
        self.found.join(part["found"])

    def finish(self) -> None:
        self.round.skipped.order(self.found.excluded)  # the policy's reasons first, in its order, as `evaluate` gave them


class EventPlanner:
    """The rounds of one event for `today`, prepared from the store (nothing planned yet): `run(store)`
    plans them one after the other (`plan_event`); or, in a walk of the pool shared with other plans
    (`InvitationsWalker`), `visit` gives each row to every round in their order, then `finish()`.
    `result` is the `EventPlan`. The budget is read member by member, as each round decides them."""

    def __init__(self, store, event, segments, policy, today: dt.date, planned: Planned, options: InvitationSettings,
                 recent: dict):
        self.result = result = EventPlan(event)
        self.steps: list = []
        names = [name for name in event.segments if name in segments]
        result.unknown_segments = [name for name in event.segments if name not in segments]
        start = event.start.date()
        if not names:
            result.notes.append("no known segment to invite")
            return
        if today >= start:
            result.notes.append("the event has started or is past: nothing more is sent")
            return
        rows = records.rows_for_event(store, event.uid)
        # Updates, cancellations and reminders go to those who received an invitation (the ledger says so),
        # never to members planned but not sent (their round is withdrawn when the event changes).
        received = delivered(store, {row.plan_id for row in rows}, RECEIVED_STATES)
        invited = _invited(rows, received)
        suppressed = store.suppression_lookup(BLOCKING)
        prefs = member_choices.all_preferences(store)

        def decide(round_, member, segment):
            """The member's Recipient, added to the budget, or the reason they are left out of `round_`."""
            decision = policy.decide(member, round_.kind, today, recent.get(member.id, ()), planned=planned.of(member.id),
                                     suppressed=suppressed(member.email), plan_id=round_.plan_id)
            reason = decision.reason if not decision.allowed else member_choices.objection(prefs.get(member.id, {}), round_.kind, today)
            if reason:
                return reason
            planned.add(member.id, round_.kind, round_.plan_id, today)
            return Recipient.of(member, segment)

        def follow_up_round(action):
            round_ = Round(event, action, event.sequence, today)
            done = _done(rows, action, event.sequence)
            targets = {member_id: row.segment for member_id, row in sorted(invited.items())
                       if not (member_id in done or (action == "update" and row.sequence >= event.sequence))}
            self.steps.append(_NamedRound(round_, targets, decide, erased=True))
            result.rounds.append(round_)

        if event.status == "cancelled":
            follow_up_round("cancel")
            return
        if any(row.sequence < event.sequence for row in invited.values()):
            follow_up_round("update")
        opens = start - dt.timedelta(days=options.open_days)
        if today < opens:
            result.notes.append(f"invitations open on {opens.isoformat()} ({options.open_days} days before the start)")
        else:
            round_ = Round(event, "invite", event.sequence, today)
            done = _done(rows, "invite", event.sequence) | set(invited)  # planned in this round, or invited before
            invite = _InviteRound(round_, None, done, prefs, planned, today)
            invite.found = pool_audience.stream(store, names, KIND, today, segments=segments, policy=policy,
                                                planned=planned.by_member, plan_id=round_.plan_id,
                                                on_excluded=invite.excluded)
            self.steps.append(invite)
            result.rounds.append(round_)
        if options.reminder_days > 0:
            reminder_day = start - dt.timedelta(days=options.reminder_days)
            if today >= reminder_day:
                reminder = Round(event, "reminder", event.sequence, today)
                done = _done(rows, "reminder", event.sequence)
                targets = {member_id: row.segment for member_id, row in sorted(invited.items())
                           if row.planned < today and member_id not in done}
                # Not to a member planned in a round before it today: the invite round plans none of the invited
                # (its `done`), an update round may.
                earlier = [step for step in self.steps if isinstance(step, _NamedRound)]
                self.steps.append(_NamedRound(reminder, targets, decide, erased=False,
                                              unless=lambda member_id: any(s.planned_here(member_id) for s in earlier)))
                result.rounds.append(reminder)
            else:
                result.notes.append(f"reminder on {reminder_day.isoformat()}")

    def run(self, store) -> EventPlan:
        for step in self.steps:
            step.run(store)
        return self.result

    def visit(self, row, member):
        for step in self.steps:
            member = step.visit(row, member)
        return member

    def part(self) -> list:
        return [step.part() for step in self.steps]

    def join(self, parts: list) -> None:
        for step, part in zip(self.steps, parts, strict=True):
            step.join(part)

    def finish(self) -> EventPlan:
        for step in self.steps:
            step.finish()
        return self.result


def plan_event(store, event, segments, policy, today: dt.date, planned: Planned, options: InvitationSettings,
               recent: dict) -> EventPlan:
    """The rounds of one event for `today` (adds what it plans to `planned`)."""
    return EventPlanner(store, event, segments, policy, today, planned, options, recent).run(store)


def event_planners(store, events, segments, policy, today: dt.date, *, planned: Planned,
                   options: InvitationSettings = InvitationSettings(), default_lang: str = "fr") -> list[EventPlanner]:
    """An `EventPlanner` for every upcoming event naming segments, soonest first."""
    recent = store.messages_by_member(policy.window_start(today))
    return [EventPlanner(store, event, segments, policy, today, planned, options, recent)
            for event in group_events(events, default_lang) if event.segments and not getattr(event, "is_past", False)]


def plan_invitations(store, events, segments, policy, today: dt.date, *, planned: Planned | None = None,
                     options: InvitationSettings = InvitationSettings(), default_lang: str = "fr") -> list[EventPlan]:
    """Every upcoming event's rounds for `today`, sharing one budget through `planned`."""
    planned = Planned() if planned is None else planned
    return [planner.run(store) for planner in event_planners(store, events, segments, policy, today, planned=planned,
                                                               options=options, default_lang=default_lang)]


class InvitationsWalker:
    """Every event's rounds in a walk of the pool shared with other kinds (`mailing.engine.walk`): each row
    to every event's rounds, soonest event first; `then(plans)` once the walk is over."""

    def __init__(self, planners: list[EventPlanner], then):
        self.planners, self._then = planners, then

    def visit(self, row, member):
        for planner in self.planners:
            member = planner.visit(row, member)
        return member

    def part(self) -> list:
        """Every event's rounds' part (a walk in parts, `mailing.engine.walk`)."""
        return [planner.part() for planner in self.planners]

    def join(self, parts: list) -> None:
        for planner, part in zip(self.planners, parts, strict=True):
            planner.join(part)

    def done(self):
        self._then([planner.finish() for planner in self.planners])


def commit(store, plans: list[EventPlan]) -> int:
    """Remember every round's planned and skipped members; returns how many rows are new."""
    return records.record_parameters(store, (values for plan in plans for round_ in plan.rounds
                                             for values in round_.parameters()))
