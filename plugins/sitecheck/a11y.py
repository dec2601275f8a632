"""Accessibility of each kind of page, by axe-core in headless Chromium.

One browser for all pages. Pages are opened at their public URL, but every
request is answered from the output folder and any request to another host is
refused and reported: the check is hermetic, and proves the site needs no
other host. axe-core is injected from a local file (installed by `make
test-deps` from tools/package-lock.json), never from a CDN. Serious and
critical violations fail; moderate and minor ones are shown as warnings.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

from .model import Problem
from .site import Site

NAME = "a11y"
TITLE = "Accessibility (axe-core)"
FAILING_IMPACTS = ("serious", "critical")
MAX_PAGES = 40
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE_RELATIVE = Path("tools/node_modules/axe-core/axe.min.js")
STRUCTURED_KINDS = ("JobPosting", "Event", "Person")


def find_axe(project_root: Path | None = None) -> Path:
    """axe.min.js: $VIVIER_AXE, else tools/node_modules/ of the project."""
    if os.environ.get("VIVIER_AXE"):
        return Path(os.environ["VIVIER_AXE"])
    root = Path(project_root) if project_root else Path(__file__).resolve().parents[2]
    return root / AXE_RELATIVE


def chromium_path() -> str | None:
    return os.environ.get("VIVIER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def layout(doc) -> tuple:
    """A page's template, as seen from its content: the first element of <main>
    with its classes, and the classed blocks inside it."""
    first = next((child for child in doc.xpath("//main/*") if isinstance(child.tag, str)), None)
    if first is None:
        return ()
    blocks = {f"{child.tag}.{child.get('class')}" for child in first if isinstance(child.tag, str) and child.get("class")}
    return (first.tag, " ".join(sorted((first.get("class") or "").split())), *sorted(blocks))


def page_kind(rel_parts: tuple[str, ...], languages: set[str], doc) -> tuple:
    """Pages of one kind share a key: each home page and root file (404) apart,
    then one key per layout, whatever the language or the folder."""
    lang = rel_parts[0] if len(rel_parts) > 1 and rel_parts[0] in languages else ""
    inner = rel_parts[1:] if lang else rel_parts
    if len(inner) == 1:
        return ("root", lang, inner[0])
    return ("layout", " ".join(doc.xpath("//meta[@property='og:type']/@content")), *layout(doc))


def select_pages(site: Site, limit: int = MAX_PAGES) -> list[tuple[Path, str]]:
    """One page of each kind: each home, 404, one page per layout (lists, details,
    facets, static pages), and the first page carrying each kind of structured
    data (job, event, person)."""
    rels = {path: Path(site.rel(path)).parts for path in site.html_files}
    languages = {parts[0] for parts in rels.values()
                 if len(parts) == 2 and parts[1] == "index.html" and re.fullmatch(r"[a-z]{2}", parts[0])}
    chosen: dict[tuple, tuple[Path, str]] = {}
    for path, parts in rels.items():
        chosen.setdefault(page_kind(parts, languages, site.page(path)), (path, "/".join(parts)))
    picked = {path for path, _ in chosen.values()}
    for kind in STRUCTURED_KINDS:
        for path in site.html_files:
            blocks = " ".join(site.page(path).xpath("//script[@type='application/ld+json']/text()"))
            if re.search(rf'"@type"\s*:\s*(\[[^\]]*)?"{kind}"', blocks):
                if path not in picked:
                    chosen[("structured", kind)] = (path, f"{site.rel(path)} ({kind})")
                    picked.add(path)
                break
    return sorted(chosen.values(), key=lambda item: site.rel(item[0]))[:limit]


def describe(violation: dict) -> tuple[str, str]:
    nodes = violation.get("nodes", [])
    first = nodes[0] if nodes else {}
    target = " ".join(str(t) for t in first.get("target", []))
    snippet = " ".join((first.get("html") or "").split())[:120]
    message = (f"{violation['id']} ({violation.get('impact')}): {violation.get('help')} — "
               f"{len(nodes)} element(s), first: {target} {snippet}").strip()
    summary = " ".join((first.get("failureSummary") or "").split())
    fix = f"{summary} (see {violation.get('helpUrl')})" if summary else str(violation.get("helpUrl", ""))
    return message, fix


def audit(site: Site, pages, axe_source: str, chromium: str, outcome: dict) -> None:
    """Open each page in one headless Chromium, run axe, keep the violations (runs in its own thread)."""
    from playwright.sync_api import sync_playwright

    foreign: list[tuple[str, str]] = []
    current = {"page": ""}

    def answer(route):
        url = route.request.url
        target = site.resolve(url, site.public_url)
        if target is None:
            foreign.append((current["page"], url))
            route.abort()
        elif target.path is None:
            route.fulfill(status=404, body="not found", content_type="text/plain")
        else:
            route.fulfill(path=target.path)

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            try:
                context = browser.new_context()
                context.route("**/*", answer)
                context.add_init_script(script=axe_source)  # compiled once, cached across pages
                tab = context.new_page()
                for path, _ in pages:
                    current["page"] = site.rel(path)
                    tab.goto(site.url_of(path), wait_until="load", timeout=30_000)
                    result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
                    outcome.setdefault("violations", []).append((site.rel(path), result.get("violations", [])))
            finally:
                browser.close()
    except Exception as exc:  # reported as a problem by run(), not raised in a thread
        outcome["error"] = f"{type(exc).__name__}: {exc}"
    outcome["foreign"] = foreign


def run(site: Site):
    pages = select_pages(site)
    if not pages:
        return [], 0, "pages"
    axe = Path(site.axe_path) if site.axe_path else find_axe()
    if not axe.is_file():
        return [Problem(NAME, ".", f"axe-core is not installed ({axe} is missing)",
                        "run `make test-deps` (npm ci in tools/)")], 0, "pages"
    chromium = chromium_path()
    if chromium is None:
        return [Problem(NAME, ".", "Chromium is missing, so the accessibility check cannot run",
                        "run `make browser` (installs Debian's chromium)")], 0, "pages"
    outcome: dict = {}
    worker = threading.Thread(target=audit, args=(site, pages, axe.read_text(encoding="utf-8"), chromium, outcome))
    worker.start()  # a thread of its own: Playwright's sync API refuses to run inside a running event loop
    worker.join()
    problems = []
    if "error" in outcome:
        problems.append(Problem(NAME, ".", f"the browser check failed: {outcome['error']}", "run `make browser` and `make test-deps`"))
    for source, violations in outcome.get("violations", []):
        for violation in violations:
            message, fix = describe(violation)
            severity = "error" if violation.get("impact") in FAILING_IMPACTS else "warning"
            problems.append(Problem(NAME, source, message, fix, None, severity))
    for source, url in outcome.get("foreign", []):
        problems.append(Problem(NAME, source, f"the page requests {url} from another host",
                                "serve every asset from the site itself: no CDN, web font or third-party script"))
    return problems, len(pages), "pages"
