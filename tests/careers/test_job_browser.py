"""The job listing in headless Chromium: combined facets, text filter, shareable state, no-JS fallback."""

from __future__ import annotations

import pytest


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

    again.click("button[type=reset]")
    again.wait_for_function("document.querySelectorAll('[data-facet-results] li:not([hidden])').length === 11")
    assert "department" not in again.url
    assert external == []
    page.close()
    again.close()


def test_static_facet_pages_work_without_javascript(browser, served_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_site + "/emplois/")
    assert page.is_hidden("form[data-facets]")
    page.click("nav[data-facets-fallback] a:text('Lyon (5)')")
    assert page.url == served_site + "/emplois/lieu/lyon/"
    assert visible(page) == {"data-scientist-lyon", "developpeur-java-lyon", "stage-data-analyst-lyon", "chef-de-projet-digital", "charge-recrutement-it-lyon"}
    cards = page.locator("[data-facet-results] li:visible")
    assert cards.count() == 5
    page.click("nav[data-facets-fallback] a:text('Stage (1)')")
    assert page.url == served_site + "/emplois/contrat/stage/"
    assert page.locator("[data-facet-results] li:visible").count() == 1
    context.close()
