"""The job listing in headless Chromium: combined facets, text filter, shareable state, no-JS fallback."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect


pytestmark = pytest.mark.browser


def visible(page):
    return set(page.eval_on_selector_all("[data-facet-results] li:not([hidden])", "els => els.map(e => e.dataset.id)"))


def test_two_facets_and_a_text_filter_combine_and_survive_a_reload(browser, served_site):
    page = browser.new_page()
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(served_site) else None)
    page.goto(served_site + "/emplois/")
    page.wait_for_selector("form[data-facets]:not([hidden])")
    assert page.is_hidden("nav[data-facets-fallback]")
    assert len(visible(page)) == 11

    page.click("details.filter-panel > summary")  # the panel is folded: jobs first
    page.check("input[name=department][value=data]")
    assert visible(page) == {"ingenieur-data-nantes", "data-scientist-lyon", "stage-data-analyst-lyon", "consultant-freelance-power-bi"}
    page.check("input[name=location][value=nantes]")
    assert visible(page) == {"ingenieur-data-nantes", "consultant-freelance-power-bi"}
    # Counts follow the other facets: with "data" checked, Lyon has 2 jobs.
    assert page.text_content("[data-count-for='location:lyon']") == "2"
    # OR inside a facet.
    page.check("input[name=location][value=lyon]")
    assert len(visible(page)) == 4
    page.uncheck("input[name=location][value=lyon]")
    # Text filter, case- and accent-insensitive.
    page.fill("input[name=q]", "MODELISATION EN ETOILE")
    assert visible(page) == {"consultant-freelance-power-bi"}
    assert page.text_content("[data-facet-status]") == "1 offre correspond."
    assert "department=data" in page.url and "location=nantes" in page.url and "q=MODELISATION" in page.url

    shared = page.url
    again = browser.new_page()
    again.goto(shared)
    again.wait_for_selector("form[data-facets]:not([hidden])")
    assert visible(again) == {"consultant-freelance-power-bi"}
    assert again.is_checked("input[name=department][value=data]") and again.is_checked("input[name=location][value=nantes]")
    assert again.input_value("input[name=q]") == "MODELISATION EN ETOILE"
    assert again.text_content("[data-active-count]") == "(2)"  # the folded panel says filters are on

    again.click("details.filter-panel > summary")
    again.click("button[type=reset]")
    # A locator assertion, not wait_for_function: the page's Content-Security-Policy forbids evaluating a string.
    expect(again.locator("[data-facet-results] li:not([hidden])")).to_have_count(11)
    assert "department" not in again.url
    assert external == []
    page.close()
    again.close()


def test_static_facet_pages_work_without_javascript(browser, served_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_site + "/emplois/")
    assert page.is_hidden("input[name=q]")  # the text search needs the script; the checkboxes do not
    page.click("nav[data-facets-fallback] a:text('Lyon (5)')")
    page.wait_for_url(served_site + "/emplois/lieu/lyon/")  # a click waits for the commit only: wait for the load
    assert visible(page) == {"data-scientist-lyon", "developpeur-java-lyon", "stage-data-analyst-lyon", "chef-de-projet-digital", "charge-recrutement-it-lyon"}
    cards = page.locator("[data-facet-results] li:visible")
    assert cards.count() == 5
    page.click("nav[data-facets-fallback] a:text('Stage (1)')")
    page.wait_for_url(served_site + "/emplois/contrat/stage/")
    assert page.locator("[data-facet-results] li:visible").count() == 1
    context.close()


def shown(page):
    """The cards a person sees (CSS decides without JavaScript, the hidden attribute with it)."""
    return set(page.eval_on_selector_all(
        "[data-facet-results] li", "els => els.filter(e => getComputedStyle(e).display !== 'none').map(e => e.dataset.id)"))


def test_filters_combine_without_javascript(browser, served_site):
    """OR inside a facet, AND across facets, with the listing's filters.css alone."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_site + "/emplois/")
    assert len(shown(page)) == 11
    page.click("details.filter-panel > summary")
    page.check("input[name=department][value=data]")
    assert shown(page) == {"ingenieur-data-nantes", "data-scientist-lyon", "stage-data-analyst-lyon", "consultant-freelance-power-bi"}
    page.check("input[name=location][value=nantes]")
    assert shown(page) == {"ingenieur-data-nantes", "consultant-freelance-power-bi"}
    page.check("input[name=location][value=lyon]")
    assert shown(page) == {"ingenieur-data-nantes", "consultant-freelance-power-bi", "data-scientist-lyon", "stage-data-analyst-lyon"}
    page.click("button[type=reset]")
    assert len(shown(page)) == 11
    # A shared facet page starts filtered, and its filter combines with others.
    page.goto(served_site + "/emplois/lieu/nantes/")
    assert page.is_checked("input[name=location][value=nantes]")
    page.click("details.filter-panel > summary")
    page.check("input[name=contract][value=cdi]")
    assert shown(page) == {"ingenieur-data-nantes", "developpeur-python-nantes", "chef-de-projet-digital"}  # CDI in Nantes
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
@pytest.mark.parametrize("listing", ["emplois/", "en/jobs/"])
def test_the_first_job_is_visible_without_scrolling(browser, served_site, width, height, javascript, listing):
    """Jobs first: on a phone and a laptop the first job's card is whole on the first screen, filters above it."""
    from tests.conftest import ROOT

    context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(served_site + "/" + listing)
    if javascript:
        page.wait_for_selector("input[name=q]:visible")
    card = page.locator("[data-facet-results] li:visible").first
    box = card.bounding_box()
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, (listing, width, javascript, box)
    filters = page.locator("details.filter-panel > summary").bounding_box()
    assert filters["y"] + filters["height"] <= box["y"]  # the filters are at hand, above the jobs
    assert page.evaluate("window.scrollY") == 0
    shots = ROOT / "test-artifacts"
    shots.mkdir(exist_ok=True)
    name = listing.strip("/").replace("/", "-")
    page.screenshot(path=str(shots / f"jobs-{name}-{width}x{height}-{'js' if javascript else 'nojs'}.png"))
    context.close()
