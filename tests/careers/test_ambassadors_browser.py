"""The booking panel and the team filter in headless Chromium, with and without JavaScript."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from careers import ambassador_fields as af
from careers.ambassador_booking import booking_url, texts
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
SETTINGS = {"THEME": str(ROOT / "theme"), "DEFAULT_LANG": "fr"}
QUESTIONS = "Quel équilibre entre télétravail & bureau ?\nComment se passe l'intégration, concrètement ?"
FORM_ENDPOINT = "https://api.carrieres.cardamome.example/entretien-inverse"


def _config(page):
    return json.loads(page.text_content("[data-booking-config]"))


def _open(browser, url, *, javascript=True):
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.goto(url)
    return context, page


def _job_linking_lea(site):
    """A job page that links Léa Martin, and the reference it passes along."""
    marker = "rencontrer-l-equipe/lea-martin/?job="
    for path in sorted(site.glob("emplois/*/index.html")):
        html = path.read_text()
        if marker in html:
            return path.parent.relative_to(site), html.split(marker, 1)[1].split("#", 1)[0]
    pytest.fail("no job page links Léa Martin")


def test_calcom_link_follows_format_questions_and_job_from_the_job_page(browser, served_site, site):
    job_page, ref = _job_linking_lea(site)
    context, page = _open(browser, f"{served_site}/{job_page}/")
    page.click(f"a[href*='lea-martin/?job={ref}']")
    page.wait_for_url(f"**/rencontrer-l-equipe/lea-martin/?job={ref}#booking")  # and for the new page to load
    page.wait_for_selector("[data-booking-form]", state="visible")  # the script runs after the load (slow machines)
    assert page.is_visible("[data-booking-form]") and not page.is_visible("[data-booking-plain]")
    assert ref in page.text_content("[data-booking-job]") and page.is_visible("[data-booking-job]")
    page.check("input[name='format'][value='walking']")
    page.fill("#booking-questions", QUESTIONS)
    href = page.get_attribute("[data-booking-link]", "href")
    config = _config(page)
    assert config["jobs"].get(ref), "an open job's title is known to the panel"
    expected = booking_url(config["base"], config["words"], fmt="walking", questions=QUESTIONS, job=ref,
                           job_title=config["jobs"].get(ref, ""))
    assert href == expected
    query = parse_qs(urlsplit(href).query)
    assert query["format"] == ["walking"] and query["job"] == [ref]
    notes = query["notes"][0]
    assert notes.startswith(f"Format souhaité : en marchant\nOffre concernée : {config['jobs'][ref]} ({ref})\n")
    assert notes.endswith("Mes questions :\n" + QUESTIONS)
    context.close()


def test_mailto_and_calendly_links_are_rebuilt_as_the_candidate_types(browser, served_site):
    context, page = _open(browser, f"{served_site}/rencontrer-l-equipe/sophie-nguyen/?job=CC-TEST-42")
    page.check("input[name='format'][value='phone']")
    page.fill("#booking-questions", QUESTIONS)
    href = page.get_attribute("[data-booking-link]", "href")
    assert href == booking_url("mailto:entretiens-dev@cardamome.example", texts(af.strings(SETTINGS, "fr"), "Sophie Nguyen"),
                               fmt="phone", questions=QUESTIONS, job="CC-TEST-42")
    query = parse_qs(urlsplit(href).query)
    assert query["subject"] == ["Entretien inversé avec Sophie Nguyen — téléphone — CC-TEST-42"]
    assert "Mes questions :\r\nQuel équilibre entre télétravail & bureau ?\r\nComment" in query["body"][0]
    assert "%0D%0A" in href and "%26" in href and "+" not in href

    page.goto(f"{served_site}/en/meet-the-team/karim-benali/?job=%3Cscript%3E")
    assert not page.is_visible("[data-booking-job]")  # an unusable reference is ignored
    page.fill("#booking-questions", "Is on-call duty paid & how often?")
    href = page.get_attribute("[data-booking-link]", "href")
    assert parse_qs(urlsplit(href).query) == {"a1": ["Preferred format: video call\n\nMy questions:\nIs on-call duty paid & how often?"]}
    context.close()


def test_without_javascript_the_plain_links_work(browser, served_site):
    context, page = _open(browser, f"{served_site}/rencontrer-l-equipe/lea-martin/?job=CC-2026-017", javascript=False)
    assert not page.is_visible("[data-booking-form]")
    links = page.locator("[data-booking-plain] a")
    assert links.count() == 3 and links.first.is_visible()
    href = links.nth(1).get_attribute("href")
    assert parse_qs(urlsplit(href).query) == {"notes": ["Format souhaité : sur place"], "format": ["on-site"]}
    # Following a plain link leaves for the scheduler (intercepted: no real request leaves).
    seen = []
    page.route("https://cal.com/**", lambda route: (seen.append(route.request.url), route.fulfill(body="ok")))
    links.nth(1).click()
    page.wait_for_url("https://cal.com/**")
    assert seen == [href]
    context.close()


@pytest.mark.parametrize("javascript", [False, True])
def test_form_booking_posts_format_questions_and_job(browser, served_site, javascript):
    context, page = _open(browser, f"{served_site}/rencontrer-l-equipe/julien-moreau/?job=CC-2026-017", javascript=javascript)
    posted = []
    page.route(FORM_ENDPOINT, lambda route: (posted.append(route.request.post_data), route.fulfill(body="merci")))
    page.check("input[name='format'][value='video']")
    page.fill("#booking-questions", QUESTIONS)
    page.fill("#booking-name", "Camille Exemple")
    page.fill("#booking-email", "camille@exemple.example")
    page.click("form[data-booking-form] button[type=submit]")
    page.wait_for_url(FORM_ENDPOINT)
    (body,) = posted
    fields = parse_qs(body, keep_blank_values=True)
    assert fields["format"] == ["video"] and fields["ambassador"] == ["julien-moreau"]
    assert fields["questions"] == [QUESTIONS.replace("\n", "\r\n")]
    assert fields["job"] == (["CC-2026-017"] if javascript else [""])
    context.close()


def test_team_listing_filters_with_facets_js_and_falls_back_without(browser, served_site):
    context, page = _open(browser, f"{served_site}/rencontrer-l-equipe/")
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(served_site) else None)
    page.wait_for_selector("form[data-facets]:not([hidden])")
    assert not page.is_visible("[data-facets-fallback]")
    page.check("form[data-facets] input[name='format'][value='walking']")
    visible = lambda: sorted(page.eval_on_selector_all("[data-facet-results] > li", "els => els.filter(e => !e.hidden).map(e => e.dataset.id)"))  # noqa: E731
    page.wait_for_function("document.querySelectorAll('[data-facet-results] > li:not([hidden])').length === 1")
    assert visible() == ["lea-martin"]
    assert "format=walking" in page.url
    page.uncheck("form[data-facets] input[name='format'][value='walking']")
    page.fill("#team-q", "cybersecurite")
    page.wait_for_function("document.querySelectorAll('[data-facet-results] > li:not([hidden])').length === 1")
    assert visible() == ["julien-moreau"]
    assert external == []
    context.close()

    context, page = _open(browser, f"{served_site}/rencontrer-l-equipe/", javascript=False)
    assert not page.is_visible("form[data-facets]")
    page.click("[data-facets-fallback] a[href='/rencontrer-l-equipe/langue/es/']")
    page.wait_for_url("**/rencontrer-l-equipe/langue/es/")  # a click waits for the commit only: wait for the load
    assert page.eval_on_selector_all("[data-facet-results] > li", "els => els.map(e => e.dataset.id)") == ["sophie-nguyen"]
    context.close()
