"""One frequency budget for everything a build plans: newsletters, invitations, follow-ups.

Messages already sent are in the store; messages planned by this build are
collected here, per member, as (kind, plan_id, day) tuples the talent-pool
policy understands. Kinds are planned from the most important down, so each
decision sees what more important kinds took; `reconcile_newsletters` then
takes back the newsletter of members whom a more important message pushed
over budget (the newsletter generator plans first and cannot know).
"""

from __future__ import annotations

import datetime as dt
import logging

logger = logging.getLogger(__name__)

OVER_BUDGET = "over_budget"


class Planned:
    """Messages planned but not sent yet, by member id."""

    def __init__(self):
        self.by_member: dict[str, list[tuple]] = {}

    def add(self, member_id: str, kind: str, plan_id: str, day: dt.date) -> None:
        self.by_member.setdefault(member_id, []).append((kind, plan_id, day))

    def of(self, member_id: str) -> list[tuple]:
        return self.by_member.get(member_id, [])

    def kinds(self, member_id: str) -> list[str]:
        return [item[0] for item in self.of(member_id)]


def newsletter_plans(newsletters) -> list:
    """The CampaignPlan of every newsletter build of the context that has one."""
    return [build.plan for build in newsletters or () if getattr(build, "plan", None) is not None]


def reconcile_newsletters(plans, planned: Planned, policy, today: dt.date, recent: dict[str, list[tuple]]) -> dict[str, list[str]]:
    """Drop newsletter entries of members that more important planned messages put over budget.

    `plans` are newsletter `CampaignPlan`s (entries, excluded, members), in the
    order they were planned; `recent` maps member ids to messages already sent
    in the budget window. Returns {campaign slug: [member ids taken back]}.
    """
    taken: dict[str, list[str]] = {}
    ahead: dict[str, list[tuple]] = {}  # newsletters kept so far, per member
    for plan in plans:
        kept = []
        for entry in plan.entries:
            member = plan.members.get(entry.member_id)
            others = planned.of(entry.member_id) + ahead.get(entry.member_id, [])
            if member is not None and others:
                decision = policy.decide(member, "newsletter", today, recent.get(entry.member_id, ()), planned=others)
                if not decision.allowed and OVER_BUDGET in decision.reasons:
                    plan.excluded.setdefault(OVER_BUDGET, []).append(entry.member_id)
                    taken.setdefault(plan.slug, []).append(entry.member_id)
                    continue
            kept.append(entry)
            ahead.setdefault(entry.member_id, []).append(("newsletter", plan.slug, today))
        plan.entries[:] = kept
    for slug, ids in taken.items():
        logger.info("newsletter %s: %d member(s) left for a more important message (budget)", slug, len(ids))
    return taken
