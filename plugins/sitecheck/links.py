"""Every link inside the site leads to a built file, and every `#anchor` to an id.

Covers `href`, `src`, `srcset`, `poster`, `data` and `action` of every element,
the social-card URLs in `<meta>`, and the URLs of sitemaps and robots.txt, in
all three spellings a link can have (relative, root-relative and absolute with
the public URL). Links to other hosts are not fetched: this check never leaves
the machine.
"""

from __future__ import annotations

from lxml import etree

from .model import Problem
from .site import MISSING, Site

NAME = "links"
TITLE = "Internal links and anchors"
URL_ATTRIBUTES = ("href", "src", "poster", "data", "action")
META_URLS = ("og:url", "og:image", "og:video", "og:audio", "twitter:image")
FIX_PAGE = "correct the link, or build the page it points to (a draft, an expired job or a removed page is not built)"


def srcset_urls(value: str) -> list[str]:
    """The URLs of a `srcset` ("a.png 1x, b.png 2x")."""
    return [item.split()[0] for item in value.split(",") if item.strip()]


def page_links(doc):
    """(url, element, attribute) for every URL a page refers to."""
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in URL_ATTRIBUTES:
            value = element.get(attribute)
            if value is not None:
                if element.tag == "base":
                    continue
                yield value, element, attribute
        if element.get("srcset"):
            for url in srcset_urls(element.get("srcset")):
                yield url, element, "srcset"
        if element.tag == "meta" and (element.get("property") or element.get("name")) in META_URLS:
            yield element.get("content") or "", element, "content"


def check_target(site: Site, source: str, line, href: str, target, label: str) -> Problem | None:
    """A problem when a resolved link points at nothing, or at an anchor that is missing."""
    if target.path is None:
        expected = f" (expected {site.expected_file(target.rel)})" if target.reason == MISSING else ""
        return Problem(NAME, source, f"broken link {label}{href!r}: {target.reason}{expected}", FIX_PAGE, line)
    fragment = target.fragment
    if fragment and fragment != "top" and not fragment.startswith(":~:") and target.path.suffix in (".html", ".htm"):
        if fragment not in site.ids(target.path):
            return Problem(
                NAME, source,
                f"broken anchor {label}{href!r}: {site.rel(target.path)} has no element with id=\"{fragment}\"",
                f"link to an existing heading or element id of that page, or add id=\"{fragment}\" to it",
                line,
            )
    return None


def check_pages(site: Site) -> tuple[list[Problem], int]:
    problems, count = [], 0
    for path in site.html_files:
        source = site.rel(path)
        page_url = site.url_of(path)
        for href, element, attribute in page_links(site.page(path)):
            target = site.resolve(href, page_url)
            if target is None:
                continue
            count += 1
            problem = check_target(site, source, element.sourceline, href, target, f"in <{element.tag} {attribute}> ")
            if problem:
                problems.append(problem)
    return problems, count


def check_sitemaps(site: Site) -> tuple[list[Problem], int]:
    """Every URL of sitemap*.xml and robots.txt's `Sitemap:` lines is a built file."""
    problems, count = [], 0
    for path in site.files(".xml"):
        if not path.name.startswith("sitemap"):
            continue
        try:
            tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            continue  # the feeds check reports unparsable XML
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            kind = etree.QName(element).localname
            url = element.text if kind == "loc" else element.get("href") if kind == "link" else None
            if not url or not url.strip():
                continue
            target = site.resolve(url.strip(), site.url_of(path))
            if target is None:
                problems.append(Problem(
                    NAME, site.rel(path), f"sitemap URL {url.strip()!r} is not on the public site {site.public_url}",
                    "list only pages of this site, with the PUBLIC_URL setting's address", element.sourceline,
                ))
                continue
            count += 1
            problem = check_target(site, site.rel(path), element.sourceline, url.strip(), target, "")
            if problem:
                problems.append(problem)
    robots = site.root / "robots.txt"
    if robots.is_file():
        for number, line in enumerate(robots.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if line.lower().startswith("sitemap:"):
                url = line.split(":", 1)[1].strip()
                target = site.resolve(url, site.url_of(robots))
                if target is not None:
                    count += 1
                    problem = check_target(site, "robots.txt", number, url, target, "")
                    if problem:
                        problems.append(problem)
    return problems, count


def run(site: Site):
    problems, pages = check_pages(site)
    more, urls = check_sitemaps(site)
    return problems + more, pages + urls, "links"
