"""Run the newsletter part of a build without writing the site, for the CLI.

Like `vivier check`, the same generators read the same content (jobs, events,
articles, campaigns), so previews and plans match what `make site` produces.
"""

from __future__ import annotations

import datetime as dt

from careers.build import read_all

from . import CampaignBuild, NewsletterGenerator
from .planning import PlanEntry, assign_variant
from ...matching import MemberProfile, top_matches


def build_newsletters(settings: dict) -> list[CampaignBuild]:
    """Every campaign compiled, checked and planned; raises ContentError on content problems."""
    generators = read_all(settings)
    found = next((g for g in generators if isinstance(g, NewsletterGenerator)), None)
    return found.builds if found else []


def entry_for(build: CampaignBuild, member, segment: str | None = None) -> tuple[PlanEntry, str | None]:
    """The member's plan entry, or the one they would get, with why they are not planned."""
    if build.plan is not None:
        for entry in build.plan.entries:
            if entry.member_id == member.id and (segment is None or entry.segment == segment):
                return entry, None
    reason = None
    if build.plan is not None:
        reason = next((r for r, ids in build.plan.excluded.items() if member.id in ids), None)
    reason = reason or "not in the campaign's segments"
    segment = segment or build.segments[0]
    main = next(iter(build.versions.values()))
    lang = member.language if member.language in build.versions else main.lang
    variant = assign_variant(build.slug, member.id, build.variants, main.holdout) or build.variants[0]
    compiled = build.compiled[(segment, lang, variant)]
    matches = top_matches(compiled.candidates, MemberProfile.of(member), main.matches)
    return PlanEntry(member.id, segment, lang, variant, matches), reason


def now_for(settings) -> dt.datetime:
    from careers.dates import now

    return now(settings)
