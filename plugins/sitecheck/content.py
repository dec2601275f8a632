"""What editors wrote stays text, runs nothing and stays light.

- No inline script: the site's Content-Security-Policy (CAREERS_CONTENT_SECURITY_POLICY)
  would block it, and one in a page means markup got through where text was
  expected (a `<script>` in a Markdown body or a title). JSON-LD and other
  data blocks (`type="application/…json"`) are data, never run.
- No markup in a page's title, its `og:`/`twitter:` titles or its `h1`: a tag
  there is an editor's text published as HTML.
- Size budgets (CAREERS_MAX_PAGE_KB, CAREERS_MAX_FEED_KB): a page or an
  Atom/RSS feed heavier than its budget costs every visitor or feed reader
  (a 5 MB article made a 5.3 MB page and two 5.4 MB feeds).
"""

from __future__ import annotations

import re

from .model import Problem
from .site import Site

NAME = "content"
TITLE = "No inline script, no markup in titles, size budgets"
DATA_TYPES = ("application/ld+json", "application/json", "importmap", "text/template", "speculationrules")
_TAG_RE = re.compile(r"<\s*/?\s*[A-Za-z!][^<>]*>")
FIX_SCRIPT = "move the script to a file under theme/static/js/ and load it with <script src=…>, or remove it from the Markdown"
FIX_TITLE = "write the title as plain text in the content file's header (no tags)"


def _is_data(script) -> bool:
    kind = (script.get("type") or "").strip().lower()
    return kind in DATA_TYPES or (kind.startswith("application/") and kind.endswith("json"))


def run(site: Site):
    problems, count = [], 0
    for path in site.html_files:
        count += 1
        doc = site.page(path)
        source = site.rel(path)
        for script in doc.xpath("//script[not(@src)]"):
            if not _is_data(script):
                problems.append(Problem(NAME, source, f"inline <script> {(script.text or '').strip()[:60]!r}: the site's "
                                        "Content-Security-Policy blocks it", FIX_SCRIPT, script.sourceline))
        for script in doc.xpath("//*[starts-with(translate(@href, 'JAVASCRIPT', 'javascript'), 'javascript:')] | //*[@*[starts-with(name(), 'on')]]"):
            problems.append(Problem(NAME, source, f"<{script.tag}> carries script in an attribute (javascript: or on…=)",
                                    FIX_SCRIPT, script.sourceline))
        texts = [(e, e.text_content()) for e in doc.xpath("//title | //h1")]
        texts += [(m, m.get("content") or "") for m in doc.xpath("//meta[@property='og:title' or @name='twitter:title']")]
        for element, text in texts:
            markup = _TAG_RE.search(text)
            if markup:
                problems.append(Problem(NAME, source, f"<{element.tag}> shows HTML markup {markup.group(0)!r} as text",
                                        FIX_TITLE, element.sourceline))
        for heading in doc.xpath("//h1[.//script or .//iframe or .//object or .//img[@onerror]]"):
            problems.append(Problem(NAME, source, "<h1> holds markup (a script, frame or object) instead of text",
                                    FIX_TITLE, heading.sourceline))
    problems += _over_budget(site, count)
    return problems, count, "pages"


def _over_budget(site: Site, _count: int) -> list[Problem]:
    found = []
    budgets = getattr(site, "budgets", {}) or {}
    kinds = (("page", site.html_files, "the page"), ("feed", site.files(".xml"), "the feed"))
    for kind, paths, what in kinds:
        limit = budgets.get(kind)
        if not limit:
            continue
        for path in paths:
            if kind == "feed" and not path.name.endswith((".atom.xml", ".rss.xml")):
                continue  # sitemaps and the job-board feed are complete lists by design
            size = path.stat().st_size
            if size > limit * 1024:
                setting = "CAREERS_MAX_PAGE_KB" if kind == "page" else "CAREERS_MAX_FEED_KB"
                found.append(Problem(NAME, site.rel(path), f"{what} weighs {-(-size // 1024)} KB, over its budget of {limit} KB ({setting})",
                                     "split the article or shrink its images (link to large files instead of embedding them)"
                                     if kind == "page" else "shorten the entries' text (feeds carry whole articles)"))
    return found
