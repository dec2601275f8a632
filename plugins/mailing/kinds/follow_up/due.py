"""Which follow-up step each member is due today, and why the others are not.

For every member and sequence: the trigger gives an anchor date (the day the
stage was entered, a date field, the end of retention); steps fall due at
anchor ± delay (repeating steps every N days/months); a step due but not
allowed (budget, consent…) waits until `max_wait` has passed, then is
missed; exit rules stop a run; a planned step is remembered in the store
(`sequence_records`) so it is never planned twice. At most one follow-up per
member per day; the most important kind (policy priority) goes first.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from dataclasses import dataclass, field

from talentpool.policy import BLOCKING
from talentpool.segments import lazy_member_view, member_view
from talentpool.store import member_from_row

from . import records as sequence_records
from ...delivery import choices as member_choices
from ...engine.budget import Budget as Planned
from .rules import Sequence, Step

# Outcomes other than the policy's own reasons.
DUE = "due"
NOT_YET = "not_yet"
EXITED = "exited"
MISSED = "missed"
DONE = "done"
ONE_PER_DAY = "one_per_day"


def plan_id_for(day: dt.date) -> str:
    """The plan folder of one day's follow-ups."""
    return f"sequences-{day.isoformat()}"


@dataclass
class StepDue:
    """A step a member is due on `today` (the member's id and language: a day of a large pool plans many)."""

    member_id: str
    language: str
    sequence: Sequence
    step: Step
    anchor: dt.date
    occurrence: int
    due: dt.date

    def row(self, plan_id: str, today: dt.date) -> sequence_records.StepRow:
        return sequence_records.StepRow(self.member_id, self.sequence.name, self.step.id, self.anchor, self.occurrence,
                                        self.due, plan_id, today)

    @property
    def variant_key(self) -> str:
        """The compiled-variant 'segment' of this step (sequence__step)."""
        return f"{self.sequence.name}__{self.step.id}"


@dataclass
class Outcome:
    """What happens today for one member in one sequence (for `vivier sequences due`)."""

    member_id: str
    sequence: str
    status: str  # due, waiting reasons, exited, not_yet, missed, done
    detail: str = ""
    step: str = ""
    due: dt.date | None = None


# Outcomes counted but not listed (one per member and sequence in a large pool: issue 21).
COUNTED_ONLY = (DUE, NOT_YET, DONE)


@dataclass
class SequenceDay:
    """Everything decided for one day: steps planned, every outcome counted by (sequence, status), and
    the outcomes worth listing (`vivier sequences due --all`: waiting, exited, missed) kept."""

    today: dt.date
    planned: list[StepDue] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    tally: Counter = field(default_factory=Counter)  # (sequence, status) -> members

    @property
    def plan_id(self) -> str:
        return plan_id_for(self.today)

    def counts(self) -> Counter:
        result: Counter = Counter()
        for (_, status), n in self.tally.items():
            result[status] += n
        return result

    def note(self, outcome: Outcome) -> None:
        self.tally[(outcome.sequence, outcome.status)] += 1
        if outcome.status not in COUNTED_ONLY:
            self.outcomes.append(outcome)


def anchor_of(member, view: dict, sequence: Sequence, policy, today: dt.date) -> dt.date | None:
    """The trigger's date for this member, or None when the trigger does not apply."""
    trigger = sequence.trigger
    if trigger.type == "stage":
        anchor = member.stage_changed if member.stage == trigger.stage else None
    elif trigger.type == "date":
        anchor = view.get(trigger.date_field)
    else:
        anchor = policy.retention_end(member)[0]
    if anchor is None:
        return None
    if trigger.when is not None and not trigger.when(view, today):
        return None
    return anchor


def _occurrence(step: Step, first: dt.date, today: dt.date) -> tuple[int, dt.date]:
    """The latest occurrence of a repeating step due on or before today (0 when only the first)."""
    k = 0
    while step.every and step.every.add(first, k + 1) <= today:
        k += 1
    return k, (step.every.add(first, k) if step.every else first)


def next_step(sequence: Sequence, anchor: dt.date, done: set[tuple[str, int]], today: dt.date) -> tuple[str, Step | None, int, dt.date | None]:
    """(status, step, occurrence, due) of the run started at `anchor`: the step due today, or why none is."""
    for step in sequence.steps:
        first = step.first_due(anchor)
        if first > today:
            return NOT_YET, step, 0, first
        occurrence, due = _occurrence(step, first, today)
        late = today > sequence.max_wait.add(due)
        if (step.id, occurrence) in done:
            if step.every:
                return NOT_YET, step, occurrence + 1, step.every.add(first, occurrence + 1)
            continue
        if late:
            if step.every:
                return MISSED, step, occurrence + 1, step.every.add(first, occurrence + 1)
            continue
        return DUE, step, occurrence, due
    return DONE, None, 0, None


def viewer(sequences) -> object:
    """How `evaluate_member` sees a member: `member_view`, or, when every rule of `sequences` was compiled
    from the rule language (such a rule reads a view with `view[key]` only, `view_keys` says so), the
    lazy view computing only the keys read, with the date triggers' fields (read with `.get()`) at once."""
    rules = [rule for s in sequences for rule in (s.trigger.when, s.audience, *s.exits.values()) if rule is not None]
    if any(getattr(rule, "view_keys", None) is None for rule in rules):
        return member_view
    keys = tuple(sorted({s.trigger.date_field for s in sequences if s.trigger.type == "date"}))
    return lambda member: lazy_member_view(member, keys)


def evaluate_member(member, sequences: list[Sequence], policy, today: dt.date, rows: list,
                    view_of=member_view, runs: dict | None = None) -> tuple[list[StepDue], list[Outcome]]:
    """The steps a member is due today in every sequence, and the other outcomes (`view_of`: see `viewer`).

    `runs`, when given, remembers `next_step` of a run with no step done yet by (sequence, anchor): a pure
    function of them on one day, asked for nearly every member of a pool (the retention trigger applies
    to everyone, dates repeat). The same dict for one `today` and one set of sequences only."""
    view = view_of(member)
    due, outcomes = [], []
    for sequence in sequences:
        mine = [r for r in rows if r.sequence == sequence.name]
        anchor = anchor_of(member, view, sequence, policy, today)
        if anchor is None or (sequence.audience is not None and not sequence.audience(view, today)):
            if mine:
                outcomes.append(Outcome(member.id, sequence.name, EXITED, "the trigger or audience no longer applies"))
            continue
        done = {(r.step, r.occurrence) for r in mine if r.anchor == anchor}
        if done or runs is None:
            status, step, occurrence, when = next_step(sequence, anchor, done, today)
        else:
            found = runs.get((sequence.name, anchor))
            if found is None:
                found = runs[(sequence.name, anchor)] = next_step(sequence, anchor, done, today)
            status, step, occurrence, when = found
        if status == DONE:
            if done:
                outcomes.append(Outcome(member.id, sequence.name, DONE))
            continue
        exit_name = next((name for name, rule in sequence.exits.items() if rule(view, today)), None)
        if exit_name is not None:
            outcomes.append(Outcome(member.id, sequence.name, EXITED, exit_name, step.id, when))
        elif status == DUE:
            due.append(StepDue(member.id, sys.intern(member.language or ""), sequence, step, anchor, occurrence, when))
        else:
            outcomes.append(Outcome(member.id, sequence.name, status, "", step.id, when))
    return due, outcomes


def plan_sequences(store, sequences: dict[str, Sequence], policy, today: dt.date, planned: Planned | None = None) -> SequenceDay:
    """Who is due which follow-up today; adds what it plans to `planned` (shared budget)."""
    planned = Planned() if planned is None else planned
    if not sequences:
        return SequenceDay(today)
    planner = SequencePlanner(store, sequences, policy, today, planned)
    for member in store.iter_members():
        planner.member(member)
    return planner.day


class SequencePlanner:
    """`plan_sequences` one member at a time (`member`, every member in the store's order; `day` holds the
    result): the look-ups made once, before the walk (`sequences` not empty)."""

    def __init__(self, store, sequences: dict[str, Sequence], policy, today: dt.date, planned: Planned):
        self.day = SequenceDay(today)
        self.policy, self.today, self.planned = policy, today, planned
        self.ordered = sorted(sequences.values(), key=lambda s: (policy.priority(s.kind), s.name))
        self.recent = store.messages_by_member(policy.window_start(today))
        self.rows = sequence_records.all_rows(store)
        self.suppressed = store.suppression_lookup(BLOCKING)
        self.prefs = member_choices.all_preferences(store)  # a paused member's step waits, like one over budget
        self.view_of = viewer(self.ordered)
        self.runs: dict = {}  # next_step of runs with nothing done, by (sequence, anchor): see evaluate_member

    def member(self, member) -> None:
        day, policy, today, planned = self.day, self.policy, self.today, self.planned
        candidates, outcomes = evaluate_member(member, self.ordered, policy, today, self.rows.get(member.id, []),
                                               self.view_of, self.runs)
        for outcome in outcomes:
            day.note(outcome)
        if not candidates:
            return
        candidates.sort(key=lambda d: (policy.priority(d.sequence.kind), d.due, d.sequence.name))
        blocked = self.suppressed(member.email)
        chosen = None
        for candidate in candidates:
            if chosen is not None:
                day.note(Outcome(member.id, candidate.sequence.name, ONE_PER_DAY,
                                 f"{chosen.sequence.name} goes first", candidate.step.id, candidate.due))
                continue
            decision = policy.decide(member, candidate.sequence.kind, today, self.recent.get(member.id, ()),
                                     planned=planned.of(member.id), suppressed=blocked, plan_id=day.plan_id)
            reason = decision.reason if not decision.allowed else \
                member_choices.objection(self.prefs.get(member.id, {}), candidate.sequence.kind, today)
            if not reason:
                chosen = candidate
                day.planned.append(candidate)
                planned.add(member.id, candidate.sequence.kind, day.plan_id, today)
                day.note(Outcome(member.id, candidate.sequence.name, DUE, "", candidate.step.id, candidate.due))
            else:
                day.note(Outcome(member.id, candidate.sequence.name, reason,
                                 f"waits until {candidate.sequence.max_wait.add(candidate.due)} at most",
                                 candidate.step.id, candidate.due))


class SequencesWalker:
    """The follow-ups in a walk of the pool shared with other kinds (`mailing.engine.walk`): every member
    to `SequencePlanner`; `then(day)` once the walk is over."""

    def __init__(self, planner: SequencePlanner, then):
        self.planner, self._then = planner, then

    def visit(self, row, member):
        if member is None:
            member = member_from_row(row)
        self.planner.member(member)
        return member

    def part(self) -> dict:
        """What was decided in this part (a walk in parts, `mailing.engine.walk`): the steps planned by
        their sequence's name and step's id (the objects are this process's), the outcomes, the tally."""
        day = self.planner.day
        return {"planned": [(d.member_id, d.language, d.sequence.name, d.step.id, d.anchor, d.occurrence, d.due)
                            for d in day.planned],
                "outcomes": day.outcomes, "tally": day.tally}

    def join(self, part: dict) -> None:
        day = self.planner.day
        sequences = {sequence.name: sequence for sequence in self.planner.ordered}
        for member_id, language, name, step_id, anchor, occurrence, due in part["planned"]:
            sequence = sequences[name]
            step = next(step for step in sequence.steps if step.id == step_id)
            day.planned.append(StepDue(member_id, language, sequence, step, anchor, occurrence, due))
        day.outcomes.extend(part["outcomes"])
        day.tally.update(part["tally"])

    def done(self):
        self._then(self.planner.day)


def commit(store, day: SequenceDay) -> int:
    """Remember the day's planned steps (never planned again); returns how many are new."""
    return sequence_records.record(store, [d.row(day.plan_id, day.today) for d in day.planned])
