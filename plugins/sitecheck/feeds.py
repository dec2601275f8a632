"""Every XML and JSON file is well-formed, and every feed parses as feed readers accept.

Atom/RSS feeds are read back with feedparser (what feed readers and job
aggregators use), JSON Feeds with json; their entries must link to built
pages. Other XML (sitemaps, job board exports) is read with lxml.
"""

from __future__ import annotations

import json

import feedparser
from lxml import etree

from .model import Problem
from .site import Site

NAME = "feeds"
TITLE = "Feeds and XML files"
FEED_ROOTS = {"feed", "rss", "RDF"}
FIX_FEED = "fix the feed writer (careers.feeds) or the entry's content"


def check_feed(site: Site, path, data: bytes) -> list[Problem]:
    source = site.rel(path)
    parsed = feedparser.parse(data)
    problems = []
    if parsed.bozo:
        problems.append(Problem(NAME, source, f"feed readers reject this feed: {parsed.bozo_exception}", FIX_FEED))
        return problems
    if not parsed.feed.get("title"):
        problems.append(Problem(NAME, source, "the feed has no title", FIX_FEED))
    problem = page_link_problem(site, path, "the feed's <link>", parsed.feed.get("link"))
    if problem:
        problems.append(problem)
    for number, entry in enumerate(parsed.entries, 1):
        label = f"entry {number} ({entry.get('title') or 'untitled'!r})"
        if not entry.get("title"):
            problems.append(Problem(NAME, source, f"{label} has no title", FIX_FEED))
        problem = entry_link_problem(site, path, label, entry.get("link"))
        if problem:
            problems.append(problem)
    return problems


def entry_link_problem(site: Site, path, label: str, link) -> Problem | None:
    if not link:
        return Problem(NAME, site.rel(path), f"{label} has no link", FIX_FEED)
    target = site.resolve(link, site.url_of(path))
    if target is not None and target.path is None:
        return Problem(
            NAME, site.rel(path), f"{label} links to {link}, which is not built ({target.reason})",
            "a feed lists only published pages: drop closed jobs and past events from it",
        )
    return None


def page_link_problem(site: Site, path, label: str, link) -> Problem | None:
    """A feed's own link (RSS channel <link>, Atom rel=alternate, JSON Feed home_page_url) must lead to the
    HTML page the feed follows, not to a feed file (RSS 2.0: "the URL to the HTML website")."""
    target = site.resolve(link, site.url_of(path)) if link else None
    if target is None or target.path is None or target.path.suffix.lower() in (".html", ".htm"):
        return None
    return Problem(NAME, site.rel(path), f"{label} points at {link}, a {target.path.suffix} file, not at the page the feed follows",
                   "give the feed the listing page's address as its alternate link (careers.feeds.new_feed)")


def check_json(site: Site, path) -> list[Problem]:
    """A .json file parses; a JSON Feed (jsonfeed.org) has a title and linked items."""
    source = site.rel(path)
    try:
        data = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        return [Problem(NAME, source, f"not valid JSON: {exc}", "fix the code that writes this file", line)]
    if not (isinstance(data, dict) and str(data.get("version", "")).startswith("https://jsonfeed.org/version/")):
        return []
    problems = []
    if not data.get("title"):
        problems.append(Problem(NAME, source, "the JSON Feed has no title", FIX_FEED))
    problem = page_link_problem(site, path, "home_page_url", data.get("home_page_url"))
    if problem:
        problems.append(problem)
    for number, item in enumerate(data.get("items") or [], 1):
        label = f"item {number} ({item.get('title') or 'untitled'!r})"
        if not item.get("id"):
            problems.append(Problem(NAME, source, f"{label} has no id", FIX_FEED))
        problem = entry_link_problem(site, path, label, item.get("url"))
        if problem:
            problems.append(problem)
    return problems


def run(site: Site):
    problems, count = [], 0
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in site.files(".xml", ".atom", ".rss"):
        count += 1
        data = path.read_bytes()
        try:
            root = etree.fromstring(data, parser)
        except etree.XMLSyntaxError as exc:
            problems.append(Problem(NAME, site.rel(path), f"not well-formed XML: {exc.msg}", "fix the code that writes this file", exc.lineno))
            continue
        if etree.QName(root).localname in FEED_ROOTS:
            problems.extend(check_feed(site, path, data))
    for path in site.files(".json"):
        count += 1
        problems.extend(check_json(site, path))
    return problems, count, "XML and JSON files"
