"""The HTML reports are valid (Nu HTML Checker), accessible (axe-core in Chromium), self-contained
(no request anywhere, even to the loopback), and show "< 10" for a small group."""

from __future__ import annotations

import lxml.html
import pytest

from sitecheck.a11y import find_axe
from sitecheck.html import start_vnu, vnu_messages
from tests.reports.quarter import LATER, NEWSLETTER, invoke

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def reports(quarter):
    folder = quarter["base"] / "reports"
    for target in (NEWSLETTER, "kpis"):
        result = invoke(quarter, "report", target, today=LATER)
        assert result.exit_code == 0, result.output
    return {"campaign": folder / f"{NEWSLETTER}.html", "kpis": folder / f"kpis-{LATER}.html"}


def test_reports_pass_the_nu_html_checker(reports):
    messages = vnu_messages(start_vnu(reports["campaign"].parent))
    problems = [m for m in messages if m.get("type") == "error" or m.get("subType") == "warning"]
    assert problems == []


def test_reports_hold_their_charts_inline_and_load_nothing(reports):
    for path in reports.values():
        page = lxml.html.fromstring(path.read_bytes())
        assert page.xpath("//svg[@role='img']/title"), path  # charts as inline SVG, each with a title
        assert not page.xpath("//script | //link | //img | //iframe | //*[@src] | //*[@href]"), path
        assert "url(" not in path.read_text(encoding="utf-8")
    text = lxml.html.fromstring(reports["campaign"].read_bytes()).text_content()
    assert "< 10" in text and "Fisher" in text and "does not measure" in text


@pytest.mark.parametrize("which", ["campaign", "kpis"])
def test_reports_pass_axe_in_chromium_offline(browser, reports, which, tmp_path):
    context = browser.new_context()
    requests = []
    context.route("**/*", lambda route: (requests.append(route.request.url), route.continue_()
                                         if route.request.url.startswith("file://") else route.abort()))
    page = context.new_page()
    page.goto(reports[which].as_uri())
    page.add_script_tag(content=find_axe().read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in result["violations"]] == []
    assert [url for url in requests if not url.startswith("file://")] == []
    shot = reports[which].parent / f"{which}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    context.close()
