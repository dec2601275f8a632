"""The sign-up form in headless Chromium: axe-core finds nothing serious, and it works with JavaScript off."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from mailing.community import signups
from mailing.webapp import create_app
from mailing.webapp.serve import running
from sitecheck.a11y import find_axe
from tests.community.conftest import confirmation_link, local, store_of

pytestmark = pytest.mark.browser
PUBLIC_API = "https://api.carrieres.cardamome.example/"


def axe_violations(page, selector: str = "body") -> list[dict]:
    page.add_script_tag(content=find_axe().read_text(encoding="utf-8"))
    result = page.evaluate("async (s) => await axe.run({include: [s]}, {resultTypes: ['violations']})", selector)
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def forward_to(app_base: str):
    """Answer the public API URLs from the app on 127.0.0.1 (what the production proxy does)."""
    def handle(route):
        request = route.request
        target = app_base + urlsplit(request.url).path + (f"?{urlsplit(request.url).query}" if urlsplit(request.url).query else "")
        headers = {"content-type": request.headers.get("content-type", ""), "x-forwarded-for": "203.0.113.50"}
        answer = httpx.request(request.method, target, content=request.post_data_buffer, headers=headers)
        route.fulfill(status=answer.status_code, body=answer.content, headers={"content-type": answer.headers["content-type"]})
    return handle


@pytest.mark.parametrize("path", ["/", "/en/", "/emplois/"])
def test_the_form_on_the_site_passes_axe(browser, served_site, path):
    page = browser.new_page(bypass_csp=True)  # the site's CSP runs no inline script: let the injected axe in
    page.goto(served_site + path)
    assert page.locator("form.community-form").count() == 1
    assert axe_violations(page, ".community") == []
    # every consent box starts unticked; the honeypot is out of sight and out of the accessibility tree
    assert page.locator(".community-form input[name^='consent_']:checked").count() == 0
    assert not page.locator("#community-website").is_visible() or page.locator("#community-website").bounding_box()["x"] < 0
    page.close()


def test_the_form_is_on_a_position_filled_page(browser, served_site, site):
    closed = next(path for path in site.glob("emplois/*/index.html") if "job-closed" in path.read_text(encoding="utf-8"))
    page = browser.new_page()
    page.goto(served_site + "/" + str(closed.relative_to(site).parent) + "/")
    assert page.locator("form.community-form").count() == 1
    page.close()


def test_sign_up_and_confirm_with_javascript_off(browser, served_site, community_settings, mailbox):
    recorder, _ = mailbox
    with running(create_app(community_settings)) as app_base:
        context = browser.new_context(java_script_enabled=False)
        context.route(PUBLIC_API + "**", forward_to(app_base))
        page = context.new_page()
        page.goto(served_site + "/")
        page.fill("#community-email", "jules.marchand@example.net")
        page.fill("#community-first_name", "Jules")
        page.check("#community-department-data")
        page.check("#community-department-cloud")
        page.check("#community-location-2")
        page.fill("#community-skills", "Python, Airflow")
        page.check("#community-consent-job_alerts")
        page.check("#community-rhythm-weekly")
        page.click(".community-form button[type=submit]")
        expect(page.locator("h1")).to_have_text("Vérifiez votre boîte de réception")  # retried: the next page may still be loading
        link = confirmation_link(recorder.messages[0])
        page.goto(link)
        expect(page.locator("h1")).to_have_text("Confirmer votre inscription")  # retried: the next page may still be loading
        page.click("button:has-text('Je confirme mon inscription')")
        expect(page.locator("h1")).to_have_text("Bienvenue dans la communauté !")  # retried: the next page may still be loading
        context.close()
    with store_of(community_settings) as store:
        member = store.find_by_email("jules.marchand@example.net")
        assert member.departments == ["data", "cloud"] and member.skills == ["Python", "Airflow"]
        assert member.city == "Nantes" and member.has_consent("job_alerts") and not member.has_consent("newsletter")
        assert signups.proofs(store, member.id)[0]["ticked"] == ["consent_job_alerts"]


def test_error_and_preferences_pages_pass_axe(browser, served, community_settings):
    base, _, recorder = served
    context = browser.new_context(bypass_csp=True)  # the app's CSP forbids scripts: let axe in for the audit
    context.route(PUBLIC_API + "**", forward_to(base))
    page = context.new_page()
    page.goto(base + "/inscription")
    page.fill("#community-email", "pas-une-adresse")
    page.evaluate("document.querySelector('#community-email').type = 'text'")  # let the server see the bad value
    page.click(".community-form button[type=submit]")
    expect(page.locator("#community-email-error")).to_be_visible()
    assert axe_violations(page) == []
    from mailing.tokens import Signer, secret_from_env

    page.goto(f"{base}/preferences?t={Signer(secret_from_env()).make('preferences', 'm-nina', 'x')}")
    expect(page.locator("h1")).to_have_text("Vos préférences")  # retried: the next page may still be loading
    assert axe_violations(page) == []
    httpx.post(f"{base}/inscription", data={"email": "a.b@example.org", "consent_newsletter": "yes", "first_name": "Alix",
                                            "departments": ["data"], "skills": "Python", "open_to_unlisted": "yes"})
    page.goto(local(base, confirmation_link(recorder.messages[0])))
    assert "Alix" in page.locator("dl").inner_text()  # the confirmation page shows what the request holds
    assert axe_violations(page) == []
    context.close()

