"""sitemap.xml and robots.txt from what the generators registered as indexable.

Generators call `add()` during `generate_context` for every page that search
engines may index (never noindex, closed, expired or unlisted pages); the
sitemap is written once all contexts are known.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape, quoteattr

from pelican.generators import Generator

from .output import write_output
from .urls import absolute

KEY = "sitemap_entries"


def add(context, url: str, lastmod=None, alternates: dict[str, str] | None = None) -> None:
    """Register a site-relative URL for the sitemap (once; later calls update it)."""
    entries = context.setdefault(KEY, {})
    entries[url] = (lastmod, dict(alternates or {}))


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def render(settings, entries: dict) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for url in sorted(entries):
        lastmod, alternates = entries[url]
        lines.append("  <url>")
        lines.append(f"    <loc>{escape(absolute(settings, url))}</loc>")
        if lastmod is not None:
            lines.append(f"    <lastmod>{_iso(lastmod)}</lastmod>")
        for lang, alt in sorted(alternates.items()):
            lines.append(
                f'    <xhtml:link rel="alternate" hreflang={quoteattr(lang)} href={quoteattr(absolute(settings, alt))}/>'
            )
        lines.append("  </url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


class SitemapGenerator(Generator):
    """Writes sitemap.xml and robots.txt last, from the registered entries."""

    def generate_output(self, writer):
        entries = self.context.get(KEY, {})
        write_output(self.settings, self.output_path, "sitemap.xml", render(self.settings, entries))
        robots = (
            "User-agent: *\n"
            "Disallow: /brouillons/\n"
            "Disallow: /newsletters/\n"
            f"Sitemap: {absolute(self.settings, 'sitemap.xml')}\n"
        )
        write_output(self.settings, self.output_path, "robots.txt", robots)


