"""Who receives which version of a campaign: audience (talent pool), language, A/B, matches.

The talent pool's policy decides eligibility (`plan_audience` calls
`talentpool.audience.evaluate`), then the member's own choices (a pause, "monthly
digest only"); this module then picks each member's
language, A/B variant (a stable hash of campaign and member, with an optional
holdout) and matched jobs, and applies the campaign's "nothing relevant" rule.

A build plans with `stream_plan`: the audience is streamed from the store
(`talentpool.audience.stream`) and each entry goes to the plan's manifest
spool as it is decided, so memory does not grow with the pool (issue 21);
`build_plan` does the same on an audience held in memory (the CLI's and the
tests' way) and `plan_members` is the decision both share.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ...delivery import choices as member_choices
from ...matching import CandidateIndex, Match, MemberProfile
from ...pipeline import CompiledVariant
from ...plan.spool import Records, Spool

logger = logging.getLogger(__name__)

KIND = "newsletter"
# Exclusions decided here, after the policy's own reasons.
NOTHING_RELEVANT = "nothing_relevant"
HOLDOUT = "holdout"


def bucket(campaign: str, member_id: str) -> float:
    """A number in [0, 1) fixed by campaign and member: same answer on every rebuild."""
    digest = hashlib.sha256(f"{campaign}\x1f{member_id}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign_variant(campaign: str, member_id: str, variants: list[str], holdout_percent: int = 0) -> str | None:
    """'a', 'b'… for a member, or None when the member is in the holdout group."""
    share = bucket(campaign, member_id)
    holdout = max(0, min(holdout_percent, 100)) / 100
    if share < holdout:
        return None
    position = (share - holdout) / (1 - holdout)
    return variants[min(int(position * len(variants)), len(variants) - 1)]


def plan_audience(settings, segment_names: list[str], today: dt.date, *, store=None, policy=None, planned=None,
                  plan_id: str | None = None):
    """The talent pool's audience for a newsletter to these segments (eligible and excluded).

    `planned` maps member ids to messages planned but not sent (the build's budget)."""
    from talentpool import audience as pool_audience
    from talentpool import config as pool_config

    segments = pool_config.load_segments(settings)
    policy = pool_config.load_policy(settings) if policy is None else policy
    if store is None:
        with pool_config.open_store(settings) as store:
            return plan_audience(settings, segment_names, today, store=store, policy=policy, planned=planned,
                                 plan_id=plan_id)
    audience = pool_audience.evaluate(store, segment_names, KIND, today, segments=segments, policy=policy, planned=planned,
                                      plan_id=plan_id)
    member_choices.honour(audience, member_choices.all_preferences(store), today)  # paused, digest only
    return audience


def stream_audience(settings, segment_names: list[str], today: dt.date, *, store, policy, planned=None,
                    plan_id: str | None = None):
    """`plan_audience` streamed: (the talent pool's `AudienceStream`, the members' own choices)."""
    from talentpool import audience as pool_audience
    from talentpool import config as pool_config

    found = pool_audience.stream(store, segment_names, KIND, today, segments=pool_config.load_segments(settings),
                                 policy=policy, planned=planned, plan_id=plan_id)
    return found, member_choices.all_preferences(store)


def known_segments(settings) -> set[str]:
    from talentpool import config as pool_config

    return set(pool_config.load_segments(settings))


@dataclass
class PlanEntry:
    """One recipient of one campaign: no name, no address; the sender looks them up."""

    member_id: str
    segment: str
    lang: str
    variant: str
    matches: list[Match] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "member": self.member_id, "segment": self.segment, "lang": self.lang, "variant": self.variant,
            "jobs": [m.reference for m in self.matches], "scores": [m.score for m in self.matches],
        }


@dataclass
class CampaignPlan:
    """The private plan of one campaign: entries for eligible members, exclusions by reason."""

    slug: str
    entries: list[PlanEntry]
    excluded: dict[str, list[str]]  # reason -> member ids
    members: dict = field(default_factory=dict, repr=False)  # id -> Member (memory only, never written)

    def counts(self) -> dict[tuple[str, str, str], int]:
        result: dict[tuple[str, str, str], int] = {}
        for entry in self.entries:
            key = (entry.segment, entry.lang, entry.variant)
            result[key] = result.get(key, 0) + 1
        return dict(sorted(result.items()))


class MemberPlanner:
    """`plan_members`' decision for one eligible (member, segment): (entry, None), or (None, reason) for a
    member left out here (holdout, nothing relevant). The candidates' indexes are kept between members."""

    def __init__(self, slug: str, compiled: dict[tuple[str, str, str], CompiledVariant], languages: list[str],
                 default_lang: str, variants: list[str], holdout: int, matches: int, if_nothing: str):
        self.slug, self.compiled, self.languages, self.default_lang = slug, compiled, languages, default_lang
        self.variants, self.holdout, self.matches, self.if_nothing = variants, holdout, matches, if_nothing
        self._indexes: dict[tuple[int, ...], CandidateIndex] = {}  # one per list of candidates (variants share their JobFacts)
        self._by_variant: dict[int, CandidateIndex] = {}

    def __call__(self, member, segment: str) -> tuple[PlanEntry | None, str | None]:
        lang = member.language if member.language in self.languages else self.default_lang
        variant = assign_variant(self.slug, member.id, self.variants, self.holdout)
        if variant is None:
            return None, HOLDOUT
        variant_compiled = self.compiled[(segment, lang, variant)]
        index = self._by_variant.get(id(variant_compiled))
        if index is None:
            # JobFacts are frozen and the index holds them: the same objects in the same order are the same candidates.
            ids = tuple(map(id, variant_compiled.candidates))
            index = self._indexes.get(ids)
            if index is None:
                index = self._indexes[ids] = CandidateIndex(variant_compiled.candidates)
            self._by_variant[id(variant_compiled)] = index
        matches = self.matches
        found = index.top(MemberProfile.of(member), matches) if matches else []
        if matches and not found and self.if_nothing == "skip":
            return None, NOTHING_RELEVANT
        return PlanEntry(member.id, segment, lang, variant, found), None


def plan_members(slug: str, pairs: Iterable, compiled: dict[tuple[str, str, str], CompiledVariant],
                 languages: list[str], default_lang: str, variants: list[str], holdout: int, matches: int,
                 if_nothing: str) -> Iterator[tuple[object, PlanEntry | None, str | None]]:
    """(member, entry, None) for each planned member of the eligible (member, segment) `pairs`, in their
    order, or (member, None, reason) for one left out here (holdout, nothing relevant)."""
    decide = MemberPlanner(slug, compiled, languages, default_lang, variants, holdout, matches, if_nothing)
    for member, segment in pairs:
        entry, reason = decide(member, segment)
        yield member, entry, reason


def build_plan(slug: str, audience, compiled: dict[tuple[str, str, str], CompiledVariant], languages: list[str],
               default_lang: str, variants: list[str], holdout: int, matches: int, if_nothing: str) -> CampaignPlan:
    """Turn the pool's audience (held in memory: `evaluate`) into plan entries, one per eligible member."""
    entries: list[PlanEntry] = []
    excluded: dict[str, list[str]] = {reason: [m.id for m in members] for reason, members in audience.excluded.items()}
    excluded.setdefault(HOLDOUT, [])
    excluded.setdefault(NOTHING_RELEVANT, [])
    members = {}
    for member, entry, reason in plan_members(slug, audience.eligible, compiled, languages, default_lang, variants,
                                              holdout, matches, if_nothing):
        if entry is None:
            excluded[reason].append(member.id)
        else:
            entries.append(entry)
            members[member.id] = member
    return CampaignPlan(slug, entries, excluded, members)


class SpooledPlan:
    """The plan of one campaign as a build makes it: its manifest lines in a `Spool` (on disk), the
    excluded counted by reason (in `CampaignPlan`'s order), the members of the previews only, and
    the excluded members' ids in a temporary file for `reason_of`."""

    def __init__(self, slug: str, previews: int = 3):
        self.slug = slug
        self.entries = Spool(previews)
        self.excluded: dict[str, int] = {}
        self._left_out = Records()  # (reason, member id), on disk

    @property
    def members(self) -> dict:
        return self.entries.members

    def counts(self) -> dict[tuple[str, str, str], int]:
        return dict(sorted(self.entries.keys.items()))

    def note(self, member, reason: str) -> None:
        """Remember why a member is left out (counted by the caller)."""
        self._left_out.append((reason, member.id))

    def reason_of(self, member_id: str) -> str | None:
        """Why this member is not planned, if they were in the campaign's segments."""
        return next((reason for reason, found in self._left_out if found == member_id), None)

    def part(self) -> dict:
        """Its entries and the members left out, for `join` (a walk in parts, `mailing.engine.walk`)."""
        return {"entries": self.entries.part(), "left_out": self._left_out.part()}

    def join(self, part: dict) -> None:
        self.entries.join(part["entries"])
        self._left_out.join(part["left_out"])


class CampaignStream:
    """`stream_plan` one eligible member at a time (`member`), then `finish()` gives the `SpooledPlan`: what
    a walk of the pool shared with other plans feeds (`audience.visitor()`), and `stream_plan` too."""

    def __init__(self, slug: str, audience, compiled: dict[tuple[str, str, str], CompiledVariant], languages: list[str],
                 default_lang: str, variants: list[str], holdout: int, matches: int, if_nothing: str, *,
                 prefs: dict | None = None, today: dt.date | None = None, planned=None, day: dt.date | None = None,
                 previews: int = 3):
        self.plan = SpooledPlan(slug, previews)
        self.audience = audience
        self._policy_reasons = dict.fromkeys(audience.excluded, 0)
        self._objected: dict[str, int] = {}
        self._left_here: dict[str, int] = {HOLDOUT: 0, NOTHING_RELEVANT: 0}
        audience._on_excluded = self.plan.note
        self._decide = MemberPlanner(slug, compiled, languages, default_lang, variants, holdout, matches, if_nothing)
        self._slug, self._prefs, self._today, self._planned, self._day = slug, prefs, today, planned, day

    def member(self, member, segment: str) -> None:
        """One eligible (member, segment) of the audience, in its order."""
        plan, prefs = self.plan, self._prefs
        reason = member_choices.objection(prefs.get(member.id, {}), KIND, self._today) if prefs else None
        if reason:
            self._objected[reason] = self._objected.get(reason, 0) + 1
            plan.note(member, reason)
            return
        entry, reason = self._decide(member, segment)
        if entry is None:
            self._left_here[reason] += 1
            plan.note(member, reason)
            return
        plan.entries.add(entry.to_json(), member)
        if self._planned is not None:
            self._planned.add(member.id, KIND, self._slug, self._day)

    def part(self) -> dict:
        """What this campaign planned in one part of a walk in parts (`mailing.engine.walk`), for `join`."""
        return {"plan": self.plan.part(), "audience": self.audience.part(), "objected": self._objected,
                "left_here": self._left_here}

    def join(self, part: dict) -> None:
        """Add what the same campaign planned for the rows after these, in another process."""
        self.plan.join(part["plan"])
        self.audience.join(part["audience"])
        for mine, theirs in ((self._objected, part["objected"]), (self._left_here, part["left_here"])):
            for reason, count in theirs.items():
                mine[reason] = mine.get(reason, 0) + count

    def finish(self) -> SpooledPlan:
        excluded = {**self._policy_reasons, **self.audience.excluded}
        for reason, count in [*self._objected.items(), *self._left_here.items()]:
            excluded[reason] = excluded.get(reason, 0) + count
        self.plan.excluded = excluded
        return self.plan


def stream_plan(slug: str, audience, compiled: dict[tuple[str, str, str], CompiledVariant], languages: list[str],
                default_lang: str, variants: list[str], holdout: int, matches: int, if_nothing: str, *,
                prefs: dict | None = None, today: dt.date | None = None, planned=None, day: dt.date | None = None,
                previews: int = 3) -> SpooledPlan:
    """`build_plan` as the pool is walked: `audience` is a `talentpool.audience.stream` (its `on_excluded`
    unset: this sets it), `prefs` the members' own choices (`honour`'s), `planned` the build's budget
    (each entry added as it is planned, on `day`). The same entries in the same order, and the same counts."""
    campaign = CampaignStream(slug, audience, compiled, languages, default_lang, variants, holdout, matches, if_nothing,
                              prefs=prefs, today=today, planned=planned, day=day, previews=previews)
    for member, segment in audience:
        campaign.member(member, segment)
    return campaign.finish()
