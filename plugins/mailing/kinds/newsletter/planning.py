"""Who receives which version of a campaign: audience (talent pool), language, A/B, matches.

The talent pool's policy decides eligibility (`plan_audience` calls
`talentpool.audience.evaluate`), then the member's own choices (a pause, "monthly
digest only"); this module then picks each member's
language, A/B variant (a stable hash of campaign and member, with an optional
holdout) and matched jobs, and applies the campaign's "nothing relevant" rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from ...delivery import choices as member_choices
from ...matching import CandidateIndex, Match, MemberProfile
from ...pipeline import CompiledVariant

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


def build_plan(slug: str, audience, compiled: dict[tuple[str, str, str], CompiledVariant], languages: list[str],
               default_lang: str, variants: list[str], holdout: int, matches: int, if_nothing: str) -> CampaignPlan:
    """Turn the pool's audience into plan entries, one per eligible member."""
    entries: list[PlanEntry] = []
    excluded: dict[str, list[str]] = {reason: [m.id for m in members] for reason, members in audience.excluded.items()}
    excluded.setdefault(HOLDOUT, [])
    excluded.setdefault(NOTHING_RELEVANT, [])
    members = {}
    indexes: dict[tuple[int, ...], CandidateIndex] = {}  # one per list of candidates (variants share their JobFacts)
    by_variant: dict[int, CandidateIndex] = {}
    for member, segment in audience.eligible:
        lang = member.language if member.language in languages else default_lang
        variant = assign_variant(slug, member.id, variants, holdout)
        if variant is None:
            excluded[HOLDOUT].append(member.id)
            continue
        variant_compiled = compiled[(segment, lang, variant)]
        index = by_variant.get(id(variant_compiled))
        if index is None:
            # JobFacts are frozen and the index holds them: the same objects in the same order are the same candidates.
            ids = tuple(map(id, variant_compiled.candidates))
            index = indexes.get(ids)
            if index is None:
                index = indexes[ids] = CandidateIndex(variant_compiled.candidates)
            by_variant[id(variant_compiled)] = index
        found = index.top(MemberProfile.of(member), matches) if matches else []
        if matches and not found and if_nothing == "skip":
            excluded[NOTHING_RELEVANT].append(member.id)
            continue
        entries.append(PlanEntry(member.id, segment, lang, variant, found))
        members[member.id] = member
    return CampaignPlan(slug, entries, excluded, members)
