"""Small readers for built output, used across the test suite."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html


def page(path: Path):
    """Parse a built HTML page with lxml."""
    return lxml.html.fromstring(Path(path).read_bytes())


def json_ld(path: Path) -> list[dict]:
    """Every JSON-LD block of a page, parsed."""
    doc = page(path)
    return [json.loads(s.text_content()) for s in doc.xpath('//script[@type="application/ld+json"]')]


def html_files(root: Path) -> list[Path]:
    """The site's pages; the editor's page (admin/, Decap CMS) is a tool with its own tests in tests/editor."""
    return sorted(p for p in Path(root).rglob("*.html") if p.relative_to(root).parts[0] != "admin")
