"""Run the invitation and sequence planning of a build without writing anything, for the CLI.

Like `vivier check`, the same generators read the same content (events,
newsletters…) and plan with the same pool, so `vivier invitations plan` and
`vivier sequences due` show exactly what the next build would plan.
"""

from __future__ import annotations

from pelican import Pelican, signals

from .invitation_generator import InvitationsGenerator


def plan_without_writing(settings: dict) -> InvitationsGenerator:
    """The invitations generator after `generate_context`; raises ContentError on content problems."""
    pelican = Pelican(settings)
    context = settings.copy()
    context.update(generated_content={}, static_links=set(), static_content={}, localsiteurl=settings["SITEURL"])
    generators = [
        cls(context=context, settings=settings, path=pelican.path, theme=pelican.theme, output_path=pelican.output_path)
        for cls in pelican._get_generator_classes()
    ]
    for generator in generators:
        if hasattr(generator, "generate_context"):
            generator.generate_context()
    signals.all_generators_finalized.send(generators)
    return next(g for g in generators if isinstance(g, InvitationsGenerator))


def find_event(plans, events, name: str):
    """The event plan whose event has this reference, slug (any language) or UID; else None."""
    for plan in plans:
        event = plan.event
        versions = [event, *getattr(event, "translations", [])]
        if name in (event.reference, event.uid) or any(v.slug == name for v in versions):
            return plan
    return None
