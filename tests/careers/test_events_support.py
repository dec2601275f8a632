"""Helpers for the events and calendar tests: read events in-process, read .ics back."""

from __future__ import annotations

import shutil
from pathlib import Path

from icalendar import Calendar

from tests.conftest import ROOT, TODAY


def load_events(content: Path | None = None, tmp_path: Path | None = None, **overrides):
    """Run the real EventsGenerator's reading step on `content` (default: the sample).

    Returns (generator, report). Much faster than a full pelican build, for
    tests that only need the Event objects or the validation report.
    """
    from pelican import signals

    from careers import settings as careers_settings, use_our_reader
    from careers.events import EventsGenerator
    from careers.report import reset_report
    from vivier.config import load_settings

    signals.readers_init.connect(use_our_reader)  # as the plugin does in a real build
    settings = load_settings(ROOT / "pelicanconf.py", VIVIER_TODAY=TODAY, **overrides)
    careers_settings.apply_defaults(settings)
    if content is not None:
        settings["PATH"] = str(content)
    report = reset_report(settings)
    context = settings.copy()
    context.update(generated_content={}, static_links=set(), static_content={}, localsiteurl="")
    generator = EventsGenerator(
        context=context, settings=settings, path=settings["PATH"], theme=settings["THEME"],
        output_path=str(tmp_path or ROOT / "output"),
    )
    generator.generate_context()
    return generator, report


def by_reference(events, reference, lang="fr"):
    return next(e for e in events if e.reference == reference and e.lang == lang)


def parse_ics(data: bytes) -> Calendar:
    """Parse .ics bytes with the icalendar package, failing on anything it rejects."""
    return Calendar.from_ical(data)


def content_with_events_only(tmp_path: Path) -> Path:
    """A content folder holding only the sample events (for crafted-event tests)."""
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content" / "events", target / "events")
    return target
