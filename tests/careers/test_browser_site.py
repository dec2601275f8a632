"""What a visitor's browser sees: responsive layout, skip link, language switch."""

from __future__ import annotations

import pytest


pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [320, 375, 390, 768, 1280])
def test_home_has_no_horizontal_scroll(browser, served_site, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(served_site) else None)
    page.goto(served_site + "/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width
    assert external == []
    page.close()


def test_skip_link_is_first_focus_and_language_switch_works(browser, served_site):
    page = browser.new_page()
    page.goto(served_site + "/articles/entretien-inverse/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("getComputedStyle(document.activeElement).top") != "-48px"
    page.click("nav.lang-switch a[hreflang=en]")
    page.wait_for_url(served_site + "/en/articles/entretien-inverse/")  # a click waits for the commit only: wait for the load
    assert page.evaluate("document.documentElement.lang") == "en"
    page.close()
