"""Every JSON-LD block parses, and JobPosting, Event and Person nodes say what they must.

Also: JobPosting only on a job's own page (never several on a list), never on
a noindex page, never past its validThrough.
"""

from __future__ import annotations

import json
import struct
from functools import lru_cache
from pathlib import Path

from . import jsonld_rules as rules
from .model import Problem
from .site import Site

NAME = "jsonld"
TITLE = "Structured data (JSON-LD)"


def nodes(value):
    """Every object of a JSON-LD document, nested ones included."""
    if isinstance(value, list):
        for item in value:
            yield from nodes(item)
    elif isinstance(value, dict):
        yield value
        for key, item in value.items():
            if key != "@context":
                yield from nodes(item)


def has_schema_context(block) -> bool:
    contexts = [b.get("@context") for b in (block if isinstance(block, list) else [block]) if isinstance(b, dict)]
    return bool(contexts) and all("schema.org" in json.dumps(c) for c in contexts)


def label(node: dict, kind: str) -> str:
    name = rules.text(node.get("title")) or rules.text(node.get("name"))
    return f"{kind} {name!r}" if name else kind


SECTIONS = {  # what a job page shows that its JobPosting description must carry
    "must-have skill": "//ul[contains(concat(' ', @class, ' '), ' must-have ')]/li",
    "nice-to-have skill": "//ul[contains(concat(' ', @class, ' '), ' nice-to-have ')]/li",
    "interview step": "//ol[contains(concat(' ', @class, ' '), ' job-steps ')]/li",
    "pay": "//dd[contains(concat(' ', @class, ' '), ' job-salary ')]",
}


@lru_cache(maxsize=64)
def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG file from its header; None for other formats."""
    data = path.read_bytes()
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"\xff\xd8":
        at = 2
        while at + 9 < len(data) and data[at] == 0xFF:
            marker, length = data[at + 1], struct.unpack(">H", data[at + 2:at + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[at + 5:at + 9])
                return width, height
            at += 2 + length
    return None


def page_facts(site: Site, path, doc, node: dict) -> dict:
    """What a job page shows, for `rules.job_posting_on_page`."""
    page_url = site.url_of(path)
    sections = {what: [rules.squash(e.text_content()) for e in doc.xpath(xpath)] for what, xpath in SECTIONS.items()}
    links = [(href, site.resolve(href, page_url) is not None) for href in doc.xpath("//*[@id='apply']//a/@href")]
    organization = node.get("hiringOrganization")
    logo = rules.text(organization.get("logo")) if isinstance(organization, dict) else ""
    target = site.resolve(logo, page_url) if logo else None
    size = image_size(target.path) if target is not None and target.path is not None else None
    body = doc.find("body")
    shown = rules.squash(body.text_content() if body is not None else doc.text_content())
    return {"text": shown, "sections": sections, "apply_links": links, "logo_size": size}


def check_page(site: Site, path) -> tuple[list[Problem], int]:
    doc = site.page(path)
    source = site.rel(path)
    robots = " ".join(doc.xpath("//meta[@name='robots']/@content")).lower()
    noindex = "noindex" in robots
    problems, count, postings = [], 0, 0
    for script in doc.xpath("//script[@type='application/ld+json']"):
        count += 1
        line = script.sourceline
        try:
            block = json.loads(script.text or "")
        except json.JSONDecodeError as exc:
            problems.append(Problem(NAME, source, f"JSON-LD block does not parse: {exc}", "fix the template that writes it", line))
            continue
        if not has_schema_context(block):
            problems.append(Problem(NAME, source, 'JSON-LD block has no "@context": "https://schema.org"', "fix the template that writes it", line))
        for node in nodes(block):
            types = rules.types_of(node)
            found = []
            if "JobPosting" in types:
                postings += 1
                found = rules.job_posting(node, today=site.today, noindex=noindex)
                found += rules.job_posting_on_page(node, page_facts(site, path, doc, node))
                kind = "JobPosting"
            elif any(t == "Event" or t.endswith("Event") for t in types if isinstance(t, str)):
                found = rules.event(node)
                kind = "Event"
            elif "Person" in types:
                found = rules.person(node)
                kind = "Person"
            for message, fix in found:
                problems.append(Problem(NAME, source, f"{label(node, kind)}: {message}", fix, line))
    if postings > 1:
        problems.append(Problem(NAME, source, f"{postings} JobPosting blocks on one page",
                                "JobPosting markup belongs on each job's own page only, never on a list"))
    return problems, count


def run(site: Site):
    problems, count = [], 0
    for path in site.html_files:
        found, blocks = check_page(site, path)
        problems.extend(found)
        count += blocks
    return problems, count, "JSON-LD blocks"
