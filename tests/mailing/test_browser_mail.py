"""One newsletter rendered in headless Chromium at 600 px and 375 px: layout checks and screenshots.

Chromium runs in a thread of its own: the session's shared Playwright (tests.browser)
may already hold this thread's event loop, and a second sync Playwright cannot start
beside it in the same thread.
"""

from __future__ import annotations

import json
import mimetypes
import threading
from urllib.parse import urlsplit

import pytest
from talentpool.store import Store

from mailing.compose import Composer, MailConfig
from mailing.matching import top_matches
from mailing.plan.compiled import load_compiled
from mailing.personalise import member_values, render
from mailing.tokens import Signer

from tests.browser import CHROMIUM_ARGS, chromium_path
from tests.conftest import ROOT
from tests.mailing.fixtures import settings

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"
PUBLIC = "carrieres.cardamome.example"
WIDTHS = (600, 375)


def member_email_html(build, slug="2026-12-data-cloud") -> str:
    """A planned member's HTML part, assembled from the outbox as the sender would."""
    entry = json.loads((build.outbox / slug / "manifest.jsonl").read_text().splitlines()[0])
    compiled = load_compiled(build.outbox / slug)[(entry["segment"], entry["lang"], entry["variant"])]
    with Store(build.pool) as store:
        member = store.get(entry["member"])
    composer = Composer(compiled, MailConfig.from_settings(settings()), Signer(b"browser-test"), slug)
    unsubscribe, preferences, _ = composer.links(member.id)
    matches = top_matches(compiled.candidates, member, compiled.matches)
    assert [m.reference for m in matches] == entry["jobs"]
    html, _ = render(compiled, member_values(compiled, member, matches, unsubscribe, preferences))
    return html


def capture(html: str, site_root, widths=WIDTHS) -> dict:
    """Render `html` at each width; measurements and screenshot paths, per width."""
    from playwright.sync_api import sync_playwright

    results: dict = {}

    def local(route, requests):
        """Images of the site are served from the build's output; nothing leaves the machine."""
        url = urlsplit(route.request.url)
        requests.append(route.request.url)
        target = site_root / url.path.lstrip("/")
        if url.netloc == PUBLIC and target.is_file():
            kind = mimetypes.guess_type(str(target))[0] or "application/octet-stream"
            route.fulfill(status=200, body=target.read_bytes(), content_type=kind)
        else:
            route.abort()

    def run():
        try:
            with sync_playwright() as p:
                chromium = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
                for width in widths:
                    page = chromium.new_page(viewport={"width": width, "height": 900})
                    requests: list[str] = []

                    def handler(route, requests=requests):
                        local(route, requests)

                    # Playwright passes (route, request) to two-argument handlers: keep one.
                    page.route("**/*", lambda route: handler(route))
                    page.set_content(html, wait_until="load")
                    ARTIFACTS.mkdir(exist_ok=True)
                    shot = ARTIFACTS / f"newsletter-2026-12-data-cloud-{width}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    results[width] = {
                        "scroll": page.evaluate("document.documentElement.scrollWidth"),
                        "body": page.evaluate("document.querySelector('div[role=article] > div').getBoundingClientRect().width"),
                        "columns": page.evaluate("Array.from(document.querySelectorAll('[class*=mj-column-per]')).map(c => Math.round(c.getBoundingClientRect().width))"),
                        "images": page.evaluate("Array.from(document.images).map(i => [i.alt, i.naturalWidth])"),
                        "requests": requests,
                        "shot": shot,
                    }
                    page.close()
                chromium.close()
        except Exception as exc:  # reported in the test's thread
            results["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    if "error" in results:
        raise results["error"]
    return results


@pytest.fixture(scope="module")
def rendered(newsletter_build):
    return capture(member_email_html(newsletter_build), newsletter_build.output)


@pytest.mark.parametrize("width", WIDTHS)
def test_newsletter_fits_the_screen_and_is_captured(rendered, width):
    result = rendered[width]
    assert result["scroll"] <= width, f"horizontal scroll at {width}px: {result['scroll']}px"
    assert result["body"] == pytest.approx(min(600, width), abs=1)  # 600 px wide, or the whole phone
    if width < 480:
        # On a phone every column stacks at full width (the ambassador photo above its text).
        assert set(result["columns"]) == {width}
    else:
        assert min(result["columns"]) < 600  # side-by-side columns on a wide screen
    assert result["images"] and all(alt for alt, _ in result["images"])
    assert all(natural > 0 for _, natural in result["images"])  # served locally, really loaded
    assert all(urlsplit(u).netloc == PUBLIC for u in result["requests"])
    assert result["shot"].stat().st_size > 10_000
