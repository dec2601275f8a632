"""Atom/RSS writing with feedgen, shared by articles, jobs and events."""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from feedgen.feed import FeedGenerator

from .output import write_output
from .urls import absolute


def aware(value, zone) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return dt.datetime.combine(value, dt.time(), tzinfo=zone)


def new_feed(settings, *, feed_url: str, page_url: str, title: str, subtitle: str, lang: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(absolute(settings, feed_url))
    feed.title(title)
    feed.subtitle(subtitle or title)
    # feedgen gives RSS's channel <link> the last link added: the page, never the feed itself.
    feed.link(href=absolute(settings, feed_url), rel="self")
    feed.link(href=absolute(settings, page_url), rel="alternate")
    feed.language(lang)
    company = settings["CAREERS_COMPANY"]
    feed.author({"name": company["name"]})
    return feed


def to_rss(feed: FeedGenerator, settings, *, rss_url: str, page_url: str) -> None:
    """Make `feed` describe its RSS file: `atom:link rel=self` to the RSS file, channel `<link>` to the page."""
    feed.link(href=absolute(settings, rss_url), rel="self", replace=True)
    feed.link(href=absolute(settings, page_url), rel="alternate")


def write_feed(settings, output_path: str, rel_path: str, feed: FeedGenerator, *, rss: bool = False) -> None:
    write_output(settings, output_path, rel_path, feed.rss_str(pretty=True) if rss else feed.atom_str(pretty=True))


def add_entries(feed: FeedGenerator, settings, items: Iterable, zone) -> None:
    """Add Pelican content objects (title, url, date, summary, content).

    The feed's own `updated` is the newest entry's, so that rebuilding the
    same content gives the same bytes.
    """
    newest = None
    for item in items:
        entry = feed.add_entry(order="append")
        link = absolute(settings, item.url)
        entry.id(link)
        entry.title(item.title)
        entry.link(href=link)
        published = aware(item.date, zone)
        entry.published(published)
        updated = aware(getattr(item, "modified", None) or item.date, zone)
        entry.updated(updated)
        newest = updated if newest is None or updated > newest else newest
        summary = getattr(item, "summary", None)
        if summary:
            entry.summary(summary, type="html")
        entry.content(item.content, type="html")
        for author in getattr(item, "authors", []) or []:
            entry.author({"name": author.name})
    feed.updated(newest or dt.datetime(2000, 1, 1, tzinfo=zone))
