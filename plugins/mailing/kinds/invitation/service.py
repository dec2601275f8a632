"""Run the invitation and sequence planning of a build without writing anything, for the CLI.

Like `vivier check`, the same generators read the same content (events,
newsletters…) and plan with the same pool, so `vivier invitations plan` and
`vivier sequences due` show exactly what the next build would plan.
"""

from __future__ import annotations

from types import SimpleNamespace

from careers.build import read_all

from ..follow_up import FollowUpKind
from . import InvitationsGenerator


def plan_without_writing(settings: dict) -> SimpleNamespace:
    """Today's event rounds and follow-ups (`event_plans`, `sequence_day`, `sequences`) as a build plans
    them; raises ContentError on content problems."""
    generators = read_all(settings)
    invitations = next(g for g in generators if isinstance(g, InvitationsGenerator))
    follow_ups = next(g for g in generators if isinstance(g, FollowUpKind))
    return SimpleNamespace(event_plans=invitations.event_plans, sequence_day=follow_ups.sequence_day,
                           sequences=follow_ups.sequences)


def find_event(plans, events, name: str):
    """The event plan whose event has this reference, slug (any language) or UID; else None."""
    for plan in plans:
        event = plan.event
        versions = [event, *getattr(event, "translations", [])]
        if name in (event.reference, event.uid) or any(v.slug == name for v in versions):
            return plan
    return None
