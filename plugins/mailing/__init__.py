"""mailing — Pelican plugin for talent-pool newsletters.

Campaigns in `content/newsletters/` become MJML emails compiled once per
campaign × segment × language × variant, checked by quality gates, planned
for the talent pool's eligible members (private outbox) and archived as
public, non-personalised pages. It may import `careers` and `talentpool`;
neither imports it.
"""

from __future__ import annotations

from pelican import signals

from . import settings as mailing_settings


def initialize(pelican):
    """Defaults of every mail setting (mailing.settings) and their validation, before any generator exists."""
    from .community import settings as community_settings
    from .kinds.invitation import settings as invitation_settings

    mailing_settings.apply_defaults(pelican.settings)  # every mail setting, declared once, applied here
    mailing_settings.validate(pelican.settings)
    community_settings.validate(pelican.settings)
    invitation_settings.validate(pelican.settings)


def get_generators(pelican):
    from .engine.generator import PENDING, MailEngine

    # A child handed over by a build of this process that failed before its end (`make serve`): collected
    # already (careers' `forking.reap`), never to be finished by this build.
    pelican.settings.pop(PENDING, None)

    # Every message kind of the registry, on one budget, in a child process
    # while the site is written when it can (see engine/generator.py).
    return [MailEngine]


def finalized(pelican):
    """After a complete build (the site's sweep and page cache first): the mail child that handed its pages back
    early has written the outbox (its failure fails the build); then the mail memo drops the entries this build
    did not use."""
    from .engine.generator import finish_pending
    from .memo import on_finalized

    finish_pending(pelican.settings)
    on_finalized(pelican)


def register():
    signals.initialized.connect(initialize)
    signals.get_generators.connect(get_generators)
    signals.finalized.connect(finalized)


__all__ = ["register"]
