"""The policy: who may receive which kind of message today, and why not.

It is the only place that decides eligibility: consent per message kind,
retention clocks (CNIL defaults: 24 months after the last active contact; 3
months after a rejection without pool consent), one frequency budget shared by
every marketing message with a priority order, and no marketing to people in
an active recruitment process. Transactional messages (a double opt-in
confirmation, for instance) need no consent and use no budget.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .models import CONSENT_KINDS, STAGES, Member
from .store import to_date
from .yaml_load import safe_load

# Exclusion reasons, in the order they are checked (the first one is reported).
REASONS = ("erased", "undeliverable", "unsubscribed", "retention_expired", "no_consent", "active_process", "over_budget")
REASON_LABELS = {
    "erased": "erased (on the suppression list)",
    "undeliverable": "address bounced or complained (on the suppression list)",
    "unsubscribed": "unsubscribed",
    "retention_expired": "retention expired",
    "no_consent": "no consent for this kind of message",
    "active_process": "in an active recruitment process",
    "over_budget": "over the frequency budget",
}


# Suppression-list reasons that stop every message, whatever its kind: the address is gone or
# its owner reported us (delivery.bounces puts them there). Planning skips them, so they use no budget.
UNDELIVERABLE = ("bounced", "complained")
BLOCKING = ("erased", *UNDELIVERABLE)


def suppression_exclusion(member, suppressed) -> str | None:
    """The exclusion reason a suppression-list entry (`erased`, `bounced`, ... or True for erased) gives, or None."""
    if member is None or suppressed is True or suppressed == "erased":
        return "erased"
    if suppressed in UNDELIVERABLE:
        return "undeliverable"
    return None


class PolicyError(ValueError):
    """An invalid policy file; `problems` lists every one, each naming the key."""

    def __init__(self, path, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"{path}: invalid policy\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Decision:
    """The answer for one member and one kind of message; `reasons` lists every objection."""

    allowed: bool
    reason: str | None = None
    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.allowed


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class Policy:
    """Consent, retention, budget and priority rules (defaults: the CNIL's and ours)."""

    consents: dict[str, str | None] = field(default_factory=lambda: {
        "newsletter": "newsletter", "invitation": "events", "job_alert": "job_alerts", "follow_up": "newsletter",
        "event_update": "events", "forecast_interest": "job_alerts", "forecast_closed": "job_alerts",
    })
    transactional: tuple[str, ...] = ("confirmation",)
    # Marketing kinds that need their consent but neither use nor obey the
    # budget: an update or cancellation of an event the member was invited to, the news that a
    # staffing forecast the member said yes to fell through.
    budget_exempt: tuple[str, ...] = ("event_update", "forecast_closed")
    pool_months: int = 24
    rejected_months: int = 3
    rejected_stages: tuple[str, ...] = ("rejected",)
    pool_consents: tuple[str, ...] = CONSENT_KINDS
    max_messages: int = 2
    window_days: int = 30
    priority_order: tuple[str, ...] = ("event_update", "invitation", "job_alert", "forecast_interest", "forecast_closed",
                                       "follow_up", "newsletter")
    active_stages: tuple[str, ...] = ("interviewing", "offer")
    path: Path | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every kind of message the policy knows (marketing, then transactional)."""
        return (*self.consents, *self.transactional)

    def is_marketing(self, kind: str) -> bool:
        self._check_kind(kind)
        return kind in self.consents

    def priority(self, kind: str) -> int:
        """Rank of a kind when the budget is short: 0 is the most important."""
        self._check_kind(kind)
        return self.priority_order.index(kind) if kind in self.priority_order else len(self.priority_order)

    def _check_kind(self, kind: str) -> None:
        if kind not in self.consents and kind not in self.transactional:
            hint = difflib.get_close_matches(str(kind), self.kinds, n=1)
            raise ValueError(
                f"unknown message kind {kind!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; known kinds: {', '.join(self.kinds)}"
            )

    # --- retention -----------------------------------------------------------

    def last_activity(self, member: Member) -> dt.date:
        """The start of the pool clock: the latest action by the person (contact, consent) or the creation."""
        days = [member.created, member.last_contact, *(member.consents.get(k) for k in CONSENT_KINDS if member.has_consent(k))]
        return max(day for day in days if day)

    # Set by `walking`: [the last member asked about, their retention_end()].
    _walk_last = None

    @contextlib.contextmanager
    def walking(self):
        """Within this block the last member's retention end is remembered (by the member object): for a
        walk of the pool shared by every kind (`mailing.engine.walk`), where each member is decoded once,
        never changed, and asked about by every kind in turn (the follow-ups' trigger, every kind's
        decision): computed once instead of up to seven times. Outside, computed every time."""
        if self._walk_last is not None:
            yield
            return
        self._walk_last = [None, None]
        try:
            yield
        finally:
            del self._walk_last

    def retention_end(self, member: Member) -> tuple[dt.date, str]:
        """The first day the member must be gone, and which clock says so (`pool` or `rejected`)."""
        last = self._walk_last
        if last is not None and last[0] is member:
            return last[1]
        end, clock = add_months(self.last_activity(member), self.pool_months), "pool"
        if member.stage in self.rejected_stages and not any(member.has_consent(k) for k in self.pool_consents):
            rejected_end = add_months(member.stage_changed or self.last_activity(member), self.rejected_months)
            if rejected_end < end:
                end, clock = rejected_end, "rejected"
        if last is not None:
            last[0], last[1] = member, (end, clock)
        return end, clock

    def retention_expired(self, member: Member, today: dt.date) -> bool:
        return today >= self.retention_end(member)[0]

    # --- budget ----------------------------------------------------------------

    def window_start(self, today: dt.date) -> dt.date:
        """First day of the rolling budget window that ends today."""
        return today - dt.timedelta(days=self.window_days - 1)

    def counts(self, kind: str) -> bool:
        """Does a message of `kind` use the frequency budget?"""
        return kind in self.consents and kind not in self.budget_exempt

    def budget_used(self, kind: str, today: dt.date, recent_messages=(), planned=(), plan_id: str | None = None) -> int:
        """Marketing messages counted against `kind`: every one sent in the window, plus
        those planned (not yet sent) that are at least as important as `kind`.

        A message counts once: a planned one whose plan was already sent to the member (a
        rebuild re-plans it) is that same message, and `plan_id`, the plan being decided, never
        counts against itself (a member who already received it stays in it when it is re-planned)."""
        start = self.window_start(today)
        used = 0
        sent_plans = set()
        for sent_kind, sent_plan, at in recent_messages:
            sent_plans.add(sent_plan)
            if sent_plan != plan_id and self.counts(sent_kind) and to_date(at) >= start:
                used += 1
        rank = self.priority(kind)
        for item in planned:
            planned_kind, planned_plan = (item, None) if isinstance(item, str) else (item[0], item[1])
            if planned_plan is not None and (planned_plan == plan_id or planned_plan in sent_plans):
                continue
            if self.counts(planned_kind) and self.priority(planned_kind) <= rank:
                used += 1
        return used

    # --- the decision ----------------------------------------------------------

    def decide(self, member: Member | None, kind: str, today: dt.date, recent_messages=(), *, planned=(),
               suppressed: str | bool | None = None, plan_id: str | None = None) -> Decision:
        """May `member` receive a message of `kind` today? `recent_messages` are (kind, plan_id, at)
        already sent; `planned` are kinds (or such tuples) planned but not sent yet; `suppressed` is
        the address's suppression-list reason (see `suppression_exclusion`), if any; `plan_id` is the
        plan the message belongs to (see `budget_used`)."""
        self._check_kind(kind)
        reasons: list[str] = []
        blocked = suppression_exclusion(member, suppressed)
        if blocked:
            reasons.append(blocked)
        elif kind in self.consents:
            if member.unsubscribed is not None:
                reasons.append("unsubscribed")
            if self.retention_expired(member, today):
                reasons.append("retention_expired")
            consent = self.consents[kind]
            if consent and not member.has_consent(consent) and "unsubscribed" not in reasons:
                reasons.append("no_consent")
            if member.stage in self.active_stages:
                reasons.append("active_process")
            if self.counts(kind) and self.budget_used(kind, today, recent_messages, planned, plan_id) >= self.max_messages:
                reasons.append("over_budget")
        if reasons:
            return Decision(False, reasons[0], tuple(reasons))
        return Decision(True)

    def decider(self, kind: str, today: dt.date, plan_id: str | None = None):
        """`decide(member, kind, today, ...).reason` as a function of (member, recent_messages, planned,
        suppressed), for a whole-pool walk: the kind's settings are looked up once and retention ends
        are remembered per day instead of recomputed per member. Same checks in the same order
        as `decide` (so the first reason, and any error, is the same); None means allowed."""
        self._check_kind(kind)
        if kind not in self.consents:
            return lambda member, recent_messages=(), planned=(), suppressed=None: suppression_exclusion(member, suppressed)
        consent = self.consents[kind]
        counts = self.counts(kind)
        max_messages, pool_months, rejected_months = self.max_messages, self.pool_months, self.rejected_months
        rejected_stages, pool_consents, active_stages = self.rejected_stages, self.pool_consents, self.active_stages
        budget_used = self.budget_used
        pool_ends: dict = {}
        rejected_ends: dict = {}
        # A member with no message sent in the window uses the budget by their planned messages alone,
        # and a build's budget gives most members one of a few shared tuples (`engine.budget.Budget`):
        # each tuple is counted once.
        used_by_planned: dict[tuple, int] = {}

        def reason(member, recent_messages=(), planned=(), suppressed=None) -> str | None:
            if member is None or suppressed:
                blocked = suppression_exclusion(member, suppressed)
                if blocked:
                    return blocked
            unsubscribed = member.unsubscribed
            given, withdrawn = member.consents, member.withdrawn
            walk_last = self._walk_last  # `walking`: the last member's retention_end(), remembered
            if walk_last is not None and walk_last[0] is member:
                end = walk_last[1][0]
            else:
                # last_activity(): creation, last contact and every consent still active.
                days = [day for day in (member.created, member.last_contact) if day]
                if unsubscribed is None:
                    for consent_kind in CONSENT_KINDS:
                        day = given.get(consent_kind)
                        if day is not None and day:
                            taken_back = withdrawn.get(consent_kind)
                            if taken_back is None or day > taken_back:
                                days.append(day)
                last = max(days)
                # retention_end()
                end = pool_ends.get(last)
                if end is None:
                    end = pool_ends[last] = add_months(last, pool_months)
                clock = "pool"
                if member.stage in rejected_stages and not any(member.has_consent(k) for k in pool_consents):
                    start = member.stage_changed or last
                    rejected_end = rejected_ends.get(start)
                    if rejected_end is None:
                        rejected_end = rejected_ends[start] = add_months(start, rejected_months)
                    if rejected_end < end:
                        end, clock = rejected_end, "rejected"
                if walk_last is not None:
                    walk_last[0], walk_last[1] = member, (end, clock)
            expired = today >= end
            missing = False
            if consent and unsubscribed is None:  # has_consent(consent)
                day = given.get(consent)
                taken_back = withdrawn.get(consent) if day is not None else None
                missing = day is None or (taken_back is not None and not day > taken_back)
            active = member.stage in active_stages
            if not counts:
                over = False
            elif planned and not recent_messages and type(planned) is tuple:
                used = used_by_planned.get(planned)
                if used is None:
                    used = used_by_planned[planned] = budget_used(kind, today, (), planned, plan_id)
                over = used >= max_messages
            else:
                over = (budget_used(kind, today, recent_messages, planned, plan_id)
                        if recent_messages or planned else 0) >= max_messages
            if unsubscribed is not None:
                return "unsubscribed"
            if expired:
                return "retention_expired"
            if missing:
                return "no_consent"
            if active:
                return "active_process"
            if over:
                return "over_budget"
            return None
        return reason


_KEYS = {
    "consents": "message kind -> consent kind (newsletter, events, job_alerts) or null",
    "transactional": "list of message kinds that are not marketing",
    "budget_exempt": "list of marketing kinds outside the budget (event updates and cancellations)",
    "retention": "pool_months, rejected_months, rejected_stages, pool_consents",
    "budget": "max_messages, window_days",
    "priority": "list of marketing kinds, most important first",
    "active_stages": "list of stages that block marketing",
}


def _suggest(word, choices) -> str:
    hint = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy YAML file; raise PolicyError listing every problem."""
    path = Path(path)
    try:
        data = safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise PolicyError(path, ["file not found; copy audiences/policy.yml from the Vivier repository"]) from None
    except yaml.YAMLError as exc:
        raise PolicyError(path, [f"not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise PolicyError(path, ["expected a mapping of keys: " + ", ".join(_KEYS)])
    problems: list[str] = []
    values: dict = {"path": path}

    for key in data:
        if key not in _KEYS:
            problems.append(f"{key}: unknown key{_suggest(key, _KEYS)}; known keys: {', '.join(_KEYS)}")

    def names(key, raw, allowed=None) -> tuple[str, ...]:
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            problems.append(f"{key}: expected a list of names, like [interviewing, offer]")
            return ()
        for item in raw:
            if allowed is not None and item not in allowed:
                problems.append(f"{key}: unknown value {item!r}{_suggest(item, allowed)}; allowed: {', '.join(allowed)}")
        return tuple(raw)

    def number(key, raw, minimum) -> int | None:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
            problems.append(f"{key}: expected a whole number ≥ {minimum}, not {raw!r}")
            return None
        return raw

    if "consents" in data:
        consents = data["consents"]
        if not isinstance(consents, dict) or not consents:
            problems.append("consents: expected a mapping like {newsletter: newsletter, invitation: events}")
        else:
            for kind, consent in consents.items():
                if consent is not None and consent not in CONSENT_KINDS:
                    problems.append(f"consents.{kind}: unknown consent {consent!r}{_suggest(consent, CONSENT_KINDS)}; "
                                    f"use one of {', '.join(CONSENT_KINDS)} or null")
            values["consents"] = {str(k): v for k, v in consents.items()}
    if "transactional" in data:
        values["transactional"] = names("transactional", data["transactional"])
    if "budget_exempt" in data:
        values["budget_exempt"] = names("budget_exempt", data["budget_exempt"], list(values.get("consents") or Policy().consents))
    for section, keys in (("retention", ("pool_months", "rejected_months", "rejected_stages", "pool_consents")),
                          ("budget", ("max_messages", "window_days"))):
        block = data.get(section, {})
        if not isinstance(block, dict):
            problems.append(f"{section}: expected a mapping with {', '.join(keys)}")
            continue
        for key, raw in block.items():
            where = f"{section}.{key}"
            if key not in keys:
                problems.append(f"{where}: unknown key{_suggest(key, keys)}; known: {', '.join(keys)}")
            elif key == "rejected_stages":
                values[key] = names(where, raw, STAGES)
            elif key == "pool_consents":
                values[key] = names(where, raw, CONSENT_KINDS)
            else:
                value = number(where, raw, 1 if key in ("window_days", "pool_months") else 0)
                if value is not None:
                    values[key] = value
    if "active_stages" in data:
        values["active_stages"] = names("active_stages", data["active_stages"], STAGES)
    marketing = values.get("consents") or Policy().consents
    if "priority" in data:
        values["priority_order"] = names("priority", data["priority"], list(marketing))
    for kind in marketing:
        if kind in values.get("transactional", ()):
            problems.append(f"transactional: {kind!r} is also under consents; a kind is marketing or transactional, not both")
        if "priority" in data and kind not in values.get("priority_order", ()):
            problems.append(f"priority: {kind!r} is missing; list every marketing kind, most important first")
    if problems:
        raise PolicyError(path, problems)
    return Policy(**values)
