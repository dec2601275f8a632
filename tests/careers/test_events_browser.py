"""An event page in a real browser: no request elsewhere, usable on a phone, .ics served."""

from __future__ import annotations

import pytest


pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [320, 1280])
def test_event_page_loads_nothing_from_other_hosts_and_fits_the_screen(browser, served_site, width):
    page = browser.new_page(viewport={"width": width, "height": 800})
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(served_site) else None)
    page.goto(served_site + "/evenements/nuit-du-code-2027/")
    assert external == [], "add-to-calendar links must not load anything before a click"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    links = page.locator(".calendar-links a")
    assert links.count() == 3
    for i in range(3):
        box = links.nth(i).bounding_box()
        assert box["height"] >= 44, "touch targets are at least 44px high"
    page.close()


def test_ics_download_is_served_as_a_calendar_file(browser, served_site):
    page = browser.new_page()
    page.goto(served_site + "/en/events/code-night-2027/")
    href = page.locator(".calendar-links a[download]").get_attribute("href")
    response = page.request.get(served_site + href)
    assert response.ok
    body = response.body()
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and b"UID:nuit-du-code-2027@carrieres.cardamome.example\r\n" in body
    page.close()
