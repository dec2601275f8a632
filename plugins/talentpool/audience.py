"""Who receives a message: segment membership, then the policy's decision, with reasons.

`evaluate` walks the pool once: each member is placed in the first of the
requested segments they match, then the policy says yes, or no and why.
On a `Store` with compiled segments and a plain `Policy` the walk tests the
rules on each stored row and builds `Member`s only for the rows they keep
(`_walk_rows`); `_walk`, the straightforward walk over `iter_members`, gives
the same audience and serves every other case.

`evaluate` keeps the whole audience (the CLI's tables, the pool-fit table);
`stream` yields the eligible (member, segment) pairs as the pool is walked,
page by page, and keeps only the excluded counts by reason: what a build's
planning consumes, in memory flat in the pool size (issue 21). Both run the
same walk, so they give the same members in the same order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import config
from .collector import pause
from .models import Member
from .policy import BLOCKING, REASONS, Decision, Policy
from .segments import Segment, UnknownSegment, member_view, row_viewer
from .store import Store, member_from_row


@dataclass
class Audience:
    """The result of one evaluation: eligible (member, segment) pairs and exclusions by reason."""

    kind: str
    segment_names: list[str]
    today: dt.date
    eligible: list[tuple[Member, str]] = field(default_factory=list)
    excluded: dict[str, list[Member]] = field(default_factory=dict)

    @property
    def matched(self) -> int:
        """Members in at least one of the segments, eligible or not."""
        return len(self.eligible) + sum(len(members) for members in self.excluded.values())

    def eligible_by_segment(self) -> dict[str, int]:
        counts = {name: 0 for name in self.segment_names}
        for _member, name in self.eligible:
            counts[name] += 1
        return counts


def _resolve(names, segments: dict[str, Segment]) -> list[str]:
    names = [names] if isinstance(names, str) else list(names)
    for name in names:
        if name not in segments:
            raise UnknownSegment(name, segments)
    return names


def default_policy() -> Policy:
    """The policy of `audiences/policy.yml` when it exists, else the built-in defaults."""
    return config.load_policy()


def _prepare(store, segment_names, kind, segments, policy):
    segments = config.load_segments() if segments is None else segments
    policy = default_policy() if policy is None else policy
    names = _resolve(segment_names, segments)
    policy.priority(kind)  # unknown kinds fail here, before any work
    chosen = [segments[name] for name in names]
    view_of = row_viewer(chosen) if walks_rows(store, policy) else None
    return names, chosen, view_of, policy


def walks_rows(store, policy) -> bool:
    """Whether the walk tests the rules on the store's rows (`_walk_rows`): the store's and the policy's own
    classes; any other is walked member by member (`_walk`)."""
    return type(store) is Store and type(policy) is Policy


def _decisions(store, chosen, view_of, policy, kind, today, planned, plan_id):
    """(member, segment name, reason or None) for every member of the pool in one of `chosen`, in store order."""
    recent = store.messages_by_member(policy.window_start(today))
    suppressed = store.suppression_lookup(BLOCKING)
    if view_of is None:
        return _walk(store, chosen, policy, kind, today, recent, planned, suppressed, plan_id)
    return _walk_rows(store, chosen, view_of, policy, kind, today, recent, planned, suppressed, plan_id)


def evaluate(store, segment_names, kind: str, today: dt.date, *, segments=None, policy=None, planned=None,
             plan_id: str | None = None) -> Audience:
    """Eligible members of `segment_names` for a message of `kind` on `today`, and who is excluded why.

    `planned` maps member ids to messages planned for them but not sent yet
    (kinds or (kind, plan_id, at) tuples); they count against the budget when
    at least as important as `kind`. `plan_id` names the plan being planned: its
    own message, already sent to a member, is not counted against it again.
    """
    names, chosen, view_of, policy = _prepare(store, segment_names, kind, segments, policy)
    audience = Audience(kind=kind, segment_names=names, today=today, excluded={reason: [] for reason in REASONS})
    eligible, excluded = audience.eligible, audience.excluded
    # The collector paused for the walk: it keeps the eligible, so generation-0 collections kept re-scanning a
    # growing heap (about half the walk's time at 100k members); the look-ups before the walk run inside too
    # (while a previous audience of 100k members is alive, their full collections took 0.7 s). `stream` keeps
    # nothing and leaves the collector as it is: a build's planning pauses it for all its walks (steps.allocate).
    with pause():
        for member, name, reason in _decisions(store, chosen, view_of, policy, kind, today, planned or {}, plan_id):
            if reason is None:
                eligible.append((member, name))
            else:
                excluded[reason].append(member)
    return audience


class AudienceStream:
    """`evaluate` as the pool is walked: iterating yields the eligible (member, segment name) pairs in
    store order; `excluded` counts the others by reason (every reason of the policy, in its order);
    `on_excluded(member, reason)`, when given, sees each of them as it goes. Iterate once."""

    def __init__(self, store, segment_names, kind: str, today: dt.date, *, segments=None, policy=None, planned=None,
                 plan_id: str | None = None, on_excluded=None):
        self.names, self._chosen, self._view_of, self._policy = _prepare(store, segment_names, kind, segments, policy)
        self.kind, self.today = kind, today
        self.excluded: dict[str, int] = {reason: 0 for reason in REASONS}
        self.eligible = 0
        # The budget itself, even empty: in a shared walk (`mailing.engine.walk`) the kinds before fill it as it goes.
        self._args = (store, {} if planned is None else planned, plan_id)
        self._on_excluded = on_excluded

    def visitor(self):
        """`__iter__` one row at a time, for a walk of the pool shared with other plans (`mailing.engine.walk`):
        a function of (row, the row's member or None) -> (the member or None, the segment's name when
        eligible, else None), counting and reporting as `__iter__` does. Only for a walk of the rows
        (`walks_rows`); set `on_excluded` before."""
        if self._view_of is None:
            raise TypeError("this audience is not walked row by row (see walks_rows)")
        store, planned, plan_id = self._args
        decide = _row_decider(store, self._chosen, self._view_of, self._policy, self.kind, self.today, planned, plan_id)
        excluded, report = self.excluded, self._on_excluded

        def visit(row, member):
            found = decide(row, member)
            if found is None:
                return member, None
            member, name, reason = found
            if reason is None:
                self.eligible += 1
                return member, name
            excluded[reason] += 1
            if report is not None:
                report(member, reason)
            return member, None

        return visit

    def __iter__(self):
        store, planned, plan_id = self._args
        excluded, report = self.excluded, self._on_excluded
        for member, name, reason in _decisions(store, self._chosen, self._view_of, self._policy, self.kind, self.today,
                                               planned, plan_id):
            if reason is None:
                self.eligible += 1
                yield member, name
            else:
                excluded[reason] += 1
                if report is not None:
                    report(member, reason)

    @property
    def matched(self) -> int:
        return self.eligible + sum(self.excluded.values())

    def part(self) -> tuple[int, dict[str, int]]:
        """The counts of the rows this process visited, for `join` (a walk in parts, `mailing.engine.walk`)."""
        return self.eligible, self.excluded

    def join(self, part: tuple[int, dict[str, int]]) -> None:
        eligible, excluded = part
        self.eligible += eligible
        for reason, count in excluded.items():
            self.excluded[reason] = self.excluded.get(reason, 0) + count


def stream(store, segment_names, kind: str, today: dt.date, **options) -> AudienceStream:
    """The audience of `evaluate`, streamed (see `AudienceStream`); arguments as `evaluate`'s."""
    return AudienceStream(store, segment_names, kind, today, **options)


def _walk(store, chosen, policy, kind, today, recent, planned, suppressed, plan_id=None):
    for member in store.iter_members():
        view = member_view(member)
        segment = next((s for s in chosen if s.predicate(view, today)), None)
        if segment is None:
            continue
        decision = policy.decide(member, kind, today, recent.get(member.id, ()), planned=planned.get(member.id, ()),
                                 suppressed=suppressed(member.email), plan_id=plan_id)
        yield member, segment.name, None if decision.allowed else decision.reason


def _walk_rows(store, chosen, view_of, policy, kind, today, recent, planned, suppressed, plan_id=None):
    """`_walk`, with the same result, for the store's rows: the rules are tested on a view of the
    row holding only the fields they read (`segments.row_viewer`), only the members they keep are
    decoded, and the policy's per-kind work is done once (`Policy.decider`)."""
    decide = _deciding(chosen, view_of, policy, kind, today, recent, planned, suppressed, plan_id)
    for rows in store.member_row_batches():
        for row in rows:
            found = decide(row, None)
            if found is not None:
                yield found


def _row_decider(store, chosen, view_of, policy, kind, today, planned, plan_id=None):
    """`_walk_rows`' decision for one row, with the look-ups of `_decisions` (recent messages, suppression)."""
    return _deciding(chosen, view_of, policy, kind, today, store.messages_by_member(policy.window_start(today)),
                     planned, store.suppression_lookup(BLOCKING), plan_id)


def _deciding(chosen, view_of, policy, kind, today, recent, planned, suppressed, plan_id=None):
    """A function of (row, its member or None) -> (member, segment name, reason or None), or None when the
    row is in none of `chosen` (the member is decoded only then, unless given)."""
    reason_of = policy.decider(kind, today, plan_id)
    tests = [(segment.predicate, segment.name) for segment in chosen]

    def decide(row, member):
        view = view_of(row)
        for predicate, name in tests:
            if predicate(view, today):
                break
        else:
            return None
        if member is None:
            member = member_from_row(row)
        return member, name, reason_of(member, recent.get(member.id, ()), planned.get(member.id, ()),
                                       suppressed(member.email))

    return decide


@dataclass
class Explanation:
    """Everything `vivier audience explain` shows about one address."""

    email: str
    member: Member | None
    suppressed: str | None
    segments: list[str]
    decisions: dict[str, Decision]
    retention_end: dt.date | None = None
    retention_clock: str | None = None
    recent_messages: list[tuple] = field(default_factory=list)


def explain(store, email: str, today: dt.date, *, segments=None, policy=None) -> Explanation:
    """Which segments an address is in, and for each kind of message whether it may be sent and why not."""
    segments = config.load_segments() if segments is None else segments
    policy = default_policy() if policy is None else policy
    member = store.find_by_email(email)
    suppressed = store.suppression_reason(email)
    if member is None:
        return Explanation(email, None, suppressed, [], {})
    view = member_view(member)
    matched = [name for name, segment in segments.items() if segment.predicate(view, today)]
    recent = store.messages_since(member.id, policy.window_start(today))
    decisions = {kind: policy.decide(member, kind, today, recent, suppressed=suppressed) for kind in policy.kinds}
    end, clock = policy.retention_end(member)
    return Explanation(email, member, suppressed, matched, decisions, end, clock, recent)
