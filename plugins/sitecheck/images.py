"""Every image has a text alternative (`alt`), so screen readers can say what it shows."""

from __future__ import annotations

from .model import Problem
from .site import Site

NAME = "images"
TITLE = "Image text alternatives"
FIX_ALT = (
    'give the image alt text saying what it shows (in Markdown: ![what it shows](image.jpg)), '
    'or alt="" when it is purely decorative'
)


def describe(element) -> str:
    return element.get("src") or element.get("srcset") or element.get("href") or "(no source)"


def run(site: Site):
    problems, count = [], 0
    for path in site.html_files:
        doc = site.page(path)
        source = site.rel(path)
        for element in doc.xpath("//img | //input[@type='image'] | //area[@href]"):
            count += 1
            alt = element.get("alt")
            if alt is None:
                problems.append(Problem(NAME, source, f"<{element.tag}> {describe(element)!r} has no alt attribute", FIX_ALT, element.sourceline))
            elif not alt.strip() and element.tag != "img":
                problems.append(Problem(NAME, source, f"<{element.tag}> {describe(element)!r} has an empty alt but is a control", "describe where it leads in alt", element.sourceline))
    return problems, count, "images"
