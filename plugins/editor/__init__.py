"""editor — Pelican plugin writing the browser editor for content at /admin/.

Decap CMS, from the pinned npm bundle in `editor/` (never a CDN), with a
configuration generated from the schemas `careers` and `mailing` validate
content with, and `editor/src/vivier-cms.js` to read and write the project's
header format. See docs/editors.md.
"""

from __future__ import annotations

from pelican import signals

from . import settings as editor_settings


def initialize(pelican):
    editor_settings.apply_defaults(pelican.settings)
    editor_settings.validate(pelican.settings)


def get_generators(pelican):
    from .site import EditorGenerator

    return [EditorGenerator]


def register():
    signals.initialized.connect(initialize)
    signals.get_generators.connect(get_generators)
