"""Events: one Markdown file gives a page, a calendar entry and, later, invitations.

`EventsGenerator` reads `content/events/` (each language in its own file,
translations sharing a `Reference`), validates every field, and writes the
event pages, one `.ics` per event, the lists of upcoming and past events and
one subscribable calendar per language (every upcoming event, in that
language when a translation exists).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import re
from operator import attrgetter
from pathlib import Path
from urllib.parse import urlsplit

from pelican.contents import Content
from pelican.generators import Generator
from pelican.utils import slugify

from . import sitemap
from .calendar import event_to_ical, feed_to_ical, organizer
from .dates import now, site_zone, today
from .event_display import google_link, in_site_zone, plain_text, outlook_link, when, zone_label
from .event_jsonld import event_json_ld
from .event_schema import check_event, event_schema
from .fields import field_line
from .i18n import translator
from .jsonld import to_script
from .output import write_output
from .report import get_report
from .urls import lang_prefix

logger = logging.getLogger(__name__)

# Site-relative paths, after the language prefix ('' or 'en/').
LIST = {"fr": "evenements/", "en": "events/"}
ARCHIVE = {"fr": "evenements/archives/", "en": "events/archive/"}
FEED = {"fr": "evenements/calendrier.ics", "en": "events/calendar.ics"}
# Fields the translations of one event must share (they are one calendar entry).
SHARED = ("start", "end", "timezone", "status", "revision")


def _localized(table: dict, settings, lang: str) -> str:
    return lang_prefix(settings, lang) + table.get(lang, table["en"])


def list_url(settings, lang: str) -> str:
    return _localized(LIST, settings, lang)


def archive_url(settings, lang: str) -> str:
    return _localized(ARCHIVE, settings, lang)


def feed_url(settings, lang: str) -> str:
    return _localized(FEED, settings, lang)


class Event(Content):
    """An event in one language (see the module docstring and docs/events.md)."""

    default_template = "event"
    mandatory_properties = ("title",)

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"


class _Raw:
    """What the reader returned, before validation (Content would choke on bad values)."""

    def __init__(self, content, metadata, settings, source_path, context):
        self.content, self.metadata, self.source_path = content, metadata, source_path


class EventsGenerator(Generator):
    """Reads, validates and writes events (pages, .ics, lists, calendar feeds)."""

    def generate_context(self):
        settings = self.settings
        self.report = get_report(settings)
        self.today = today(settings)
        self.t = translator(settings["THEME"], settings["DEFAULT_LANG"])
        folder = settings.get("EVENTS_PATH", "events")
        events = []
        for path in sorted(self.get_files([folder])):
            event = self._read(path)
            if event is not None:
                events.append(event)
        if events:
            organizer(settings)  # fails the build, naming the setting, if it is missing
        events = self._link_translations(events)
        events.sort(key=lambda e: (e.start, e.lang))
        for event in events:
            self._decorate(event)

        upcoming = [e for e in events if not e.is_past]
        self.events = events
        self.context["events"] = events
        self.context["upcoming_events"] = upcoming
        self.context["events_by_lang"] = self.by_lang = {
            lang: {
                "upcoming": self._pick(upcoming, lang),
                "past": sorted(self._pick([e for e in events if e.is_past], lang), key=attrgetter("start"), reverse=True),
            }
            for lang in settings["CAREERS_LANGUAGES"]
        }
        self.context["events_urls"] = {
            lang: {"list": list_url(settings, lang), "archive": archive_url(settings, lang), "feed": feed_url(settings, lang)}
            for lang in settings["CAREERS_LANGUAGES"]
        }
        self.context.setdefault("today", self.today)
        self._register_sitemap(upcoming)

    # --- reading -------------------------------------------------------------

    def _read(self, path):
        abs_path = os.path.join(self.path, path)
        try:
            raw = self.readers.read_file(base_path=self.path, path=path, content_class=_Raw, context=self.context)
        except Exception as exc:  # a file Pelican cannot read at all
            self.report.error(abs_path, "file", f"cannot be read ({exc})")
            self._add_failed_source_path(path)
            return None
        if not isinstance(raw, _Raw):  # Status: skip
            return None
        languages = self.settings["CAREERS_LANGUAGES"]
        metadata = {k: v for k, v in raw.metadata.items() if k not in ("reader", "path")}
        failed = {k for k, v in metadata.items() if v is None}
        for name in failed:
            if not any(p.path == abs_path and p.field == name for p in self.report.problems):
                self.report.error(abs_path, name, "cannot be read", line=field_line(abs_path, name))
        values = event_schema(languages).parse(
            {k: v for k, v in metadata.items() if v is not None}, abs_path, self.report, already_reported=failed
        )
        if callable(values.get("segments")):
            values["segments"] = []
        values = check_event(values, abs_path, self.report, site_zone(self.settings))
        if self.report.has_errors_for(abs_path):
            self._add_failed_source_path(path)
            return None

        lang = values.get("lang") or self.settings["DEFAULT_LANG"]
        slug = metadata.get("slug") or slugify(values["title"], regex_subs=self.settings.get("SLUG_REGEX_SUBSTITUTIONS", []))
        url = list_url(self.settings, lang) + f"{slug}/"
        zone = values.pop("timezone")
        fields = dict(values, lang=lang, slug=slug, url=url, save_as=url + "index.html", timezone=zone.key)
        fields["reference"] = values.get("reference") or slug
        if not fields.get("summary"):
            # Pelican's own summary keeps the body's headings, which would break
            # the heading order of lists: take plain words instead.
            first = re.search(r"<p>(.*?)</p>", raw.content or "", re.S)
            words = plain_text(first.group(1) if first else raw.content).split()
            limit = self.settings.get("SUMMARY_MAX_LENGTH") or 40
            fields["summary"] = "<p>" + html.escape(" ".join(words[:limit]) + (" …" if len(words) > limit else "")) + "</p>"
        if fields.get("modified") is None:
            fields.pop("modified")
        event = Event(raw.content, fields, settings=self.settings, source_path=abs_path, context=self.context)
        for name in ("venue", "address", "postal_code", "city", "country", "online_url", "capacity",
                     "registration_url", "previous_start"):
            setattr(event, name, values.get(name))
        event.ics_url = url + f"{slug}.ics"
        self.add_source_path(event)
        self.add_static_links(event)
        return event

    def _link_translations(self, events):
        """Group files by Reference; translations must agree on what calendars see."""
        default = self.settings["DEFAULT_LANG"]
        events = sorted(events, key=lambda e: (e.lang != default, e.source_path))  # originals first
        groups: dict[str, list[Event]] = {}
        kept = []
        urls = {}
        for event in events:
            group = groups.setdefault(event.reference, [])
            clash = next((other for other in group if other.lang == event.lang), None)
            if clash is not None:
                self.report.error(event.source_path, "reference",
                                  f"{event.reference!r} is already the reference of {_rel(self.path, clash)} in the same language; give each event its own Reference",
                                  line=field_line(event.source_path, "reference"))
                continue
            if event.url in urls:
                self.report.error(event.source_path, "slug", f"same address ({event.url}) as {_rel(self.path, urls[event.url])}; change the Slug",
                                  line=field_line(event.source_path, "slug"))
                continue
            if group:
                first = group[0]
                for name in SHARED:
                    if getattr(event, name) != getattr(first, name):
                        self.report.error(
                            event.source_path, name,
                            f"differs from its translation {_rel(self.path, first)} ({getattr(first, name)}); translations are one calendar entry and must agree",
                            line=field_line(event.source_path, name),
                        )
            urls[event.url] = event
            group.append(event)
            kept.append(event)
        for group in groups.values():
            for event in group:
                event.translations = [other for other in group if other is not event]
        return kept

    def _decorate(self, event):
        """Everything derived: UID, SEQUENCE, time stamp, pastness, labels, links, JSON-LD."""
        settings, t = self.settings, self.t
        host = urlsplit(settings["PUBLIC_URL"]).hostname
        event.uid = f"{event.reference}@{host}"
        event.sequence = event.revision + (1 if event.status == "cancelled" else 0)
        event.dtstamp = getattr(event, "modified", None) or event.date
        event.is_past = event.end.date() < self.today
        event.when = when(t, event.lang, event.start, event.end)
        event.zone_label = zone_label(t, event.lang, event.start, event.end)
        event.site_zone_time = in_site_zone(t, event.lang, event.start, event.end, site_zone(settings))
        event.previous_when = when(t, event.lang, event.previous_start, event.previous_start)["start"] if event.previous_start else None
        event.google_url = google_link(event, settings)
        event.outlook_url = outlook_link(event, settings)
        event.json_ld = None if event.is_past else to_script(event_json_ld(event, settings))
        event.alternates = {event.lang: event.url} | {other.lang: other.url for other in event.translations}

    def _pick(self, events, lang):
        """Each event once: in `lang` when translated, else in its own language."""
        chosen, seen = [], set()
        for event in events:
            if event.reference in seen:
                continue
            options = [event, *event.translations]
            best = next((e for e in options if e.lang == lang), None) or next(
                (e for e in options if e.lang == self.settings["DEFAULT_LANG"]), event
            )
            seen.add(event.reference)
            chosen.append(best)
        return chosen

    def _register_sitemap(self, upcoming):
        for event in upcoming:
            sitemap.add(self.context, event.url, getattr(event, "modified", None) or event.date, event.alternates)
        languages = self.settings["CAREERS_LANGUAGES"]
        for urls in ({l: list_url(self.settings, l) for l in languages}, {l: archive_url(self.settings, l) for l in languages}):
            for url in urls.values():
                sitemap.add(self.context, url, None, urls)

    # --- writing -------------------------------------------------------------

    def generate_output(self, writer):
        settings = self.settings
        relative = settings.get("RELATIVE_URLS", False)
        languages = settings["CAREERS_LANGUAGES"]
        for event in self.events:
            writer.write_file(
                event.save_as, self.get_template(event.template), self.context, relative_urls=relative,
                event=event, page_lang=event.lang, alternates=event.alternates, page_url=event.url,
            )
            self._write_bytes(event.ics_url, event_to_ical(event, settings))
        company = settings["CAREERS_COMPANY"]["name"]
        for lang in languages:
            lists = self.by_lang[lang]
            feed = feed_url(settings, lang)
            common = dict(relative_urls=relative, page_lang=lang, calendar_feed=feed,
                          upcoming_url=list_url(settings, lang), archive_url=archive_url(settings, lang))
            writer.write_file(
                list_url(settings, lang) + "index.html", self.get_template("event_list"), self.context,
                listed_events=lists["upcoming"], archive=False, page_url=list_url(settings, lang),
                alternates={l: list_url(settings, l) for l in languages}, **common,
            )
            writer.write_file(
                archive_url(settings, lang) + "index.html", self.get_template("event_list"), self.context,
                listed_events=lists["past"], archive=True, page_url=archive_url(settings, lang),
                alternates={l: archive_url(settings, l) for l in languages}, **common,
            )
            self._write_bytes(feed, feed_to_ical(
                lists["upcoming"], settings, url=feed,
                name=self.t("events.feed_name", lang, company=company),
                description=self.t("events.feed_description", lang, company=company),
            ))

    def _write_bytes(self, rel_path, data: bytes):
        write_output(self.settings, self.output_path, rel_path, data)


def _rel(root, event) -> str:
    return os.path.relpath(event.source_path, root)


def new_file(settings, title: str, lang: str) -> Path:
    """A new event under content/events/ with every field, for `vivier new event`."""
    slug = slugify(title, regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []))
    folder = Path(settings["PATH"]) / settings.get("EVENTS_PATH", "events")
    if lang != settings["DEFAULT_LANG"]:
        folder = folder / lang
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.md"
    day = today(settings) + dt.timedelta(days=30)
    contact = (settings.get("EVENTS_ORGANIZER") or {}).get("email", "")
    schema = event_schema(settings.get("CAREERS_LANGUAGES", ["fr", "en"]))
    values = {
        "title": title, "lang": lang, "reference": slug,
        "date": now(settings).strftime("%Y-%m-%d %H:%M"), "modified": now(settings).strftime("%Y-%m-%d %H:%M"),
        "start": f"{day:%Y-%m-%d} 18:30", "end": f"{day:%Y-%m-%d} 20:30",
        "timezone": settings.get("TIMEZONE") or "Europe/Paris",
        "online_url": "", "previous_start": "", "segments": "",
        "registration_url": f"mailto:{contact}" if contact else "",
    }
    if lang != "fr":
        values.update(summary="An evening to discover our jobs and meet our teams.", venue="Cardamome Conseil, Lyon office")
    text = schema.template(values, body="## Programme\n\n").replace("Title:", f"Slug: {slug}\nTitle:", 1)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return path
