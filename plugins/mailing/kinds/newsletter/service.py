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
    planned = None
    if build.plan is not None:  # the manifest's line for this member, read back from the plan's spool
        planned = next((e for e in build.plan.entries
                        if e["member"] == member.id and (segment is None or e["segment"] == segment)), None)
    reason = None
    if planned is not None:
        segment = planned["segment"]
    else:
        reason = (build.plan.reason_of(member.id) if build.plan is not None else None) or "not in the campaign's segments"
    segment = segment or build.segments[0]
    main = next(iter(build.versions.values()))
    lang = planned["lang"] if planned else member.language if member.language in build.versions else main.lang
    variant = planned["variant"] if planned else \
        assign_variant(build.slug, member.id, build.variants, main.holdout) or build.variants[0]
    compiled = build.compiled[(segment, lang, variant)]
    matches = top_matches(compiled.candidates, MemberProfile.of(member), main.matches)
    return PlanEntry(member.id, segment, lang, variant, matches), reason


def now_for(settings) -> dt.datetime:
    from careers.dates import now

    return now(settings)
