"""Every JSON-LD block parses, and JobPosting, Event and Person nodes say what they must.

Also: JobPosting only on a job's own page (never several on a list), never on
a noindex page, never past its validThrough.
"""

from __future__ import annotations

import json

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
