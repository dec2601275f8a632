"""Run the invitation and sequence planning of a build without writing anything, for the CLI.

Like `vivier check`, the same generators read the same content (events,
newsletters…) and plan with the same pool, so `vivier invitations plan` and
`vivier sequences due` show exactly what the next build would plan.
"""

from __future__ import annotations

from careers.build import read_all

from .invitation_generator import InvitationsGenerator


def plan_without_writing(settings: dict) -> InvitationsGenerator:
    """The invitations generator after `generate_context`; raises ContentError on content problems."""
    generators = read_all(settings)
    return next(g for g in generators if isinstance(g, InvitationsGenerator))


def find_event(plans, events, name: str):
    """The event plan whose event has this reference, slug (any language) or UID; else None."""
    for plan in plans:
        event = plan.event
        versions = [event, *getattr(event, "translations", [])]
        if name in (event.reference, event.uid) or any(v.slug == name for v in versions):
            return plan
    return None
