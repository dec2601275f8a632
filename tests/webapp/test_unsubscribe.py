"""RFC 8058 one-click unsubscribe, through a real HTTP client against the app on 127.0.0.1."""

from __future__ import annotations

import datetime as dt

import httpx
import lxml.html
import pytest

from mailing.delivery import choices
from talentpool.store import Store
from tests.webapp.conftest import CAMPAIGN, member

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def token(signer):
    return signer.make("unsubscribe", "m-lea", CAMPAIGN)


def test_one_click_post_unsubscribes_with_200_no_cookie_no_redirect(served, token):
    base, settings = served
    response = httpx.post(f"{base}/desabonnement", params={"t": token}, data=ONE_CLICK, follow_redirects=False)
    assert response.status_code == 200
    assert "set-cookie" not in response.headers and "location" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    page = lxml.html.fromstring(response.content)
    assert page.get("lang") == "fr"
    assert page.xpath("string(//h1)") == "Désabonnement enregistré"
    assert member(settings, "m-lea").unsubscribed == TODAY
    assert member(settings, "m-owen").unsubscribed is None  # nobody else


def test_one_click_post_as_multipart_form_data(served, token):
    base, settings = served
    response = httpx.post(f"{base}/desabonnement?t={token}", files={"List-Unsubscribe": (None, "One-Click")})
    assert response.status_code == 200
    assert member(settings, "m-lea").unsubscribed == TODAY


def test_get_never_unsubscribes_and_shows_a_button(served, token):
    base, settings = served
    response = httpx.get(f"{base}/desabonnement", params={"t": token})
    assert response.status_code == 200
    assert member(settings, "m-lea").unsubscribed is None
    page = lxml.html.fromstring(response.content)
    assert len(page.xpath("//h1")) == 1
    form = page.xpath("//form[.//input[@name='List-Unsubscribe']]")[0]
    assert form.get("method") == "post"
    assert form.xpath(".//input[@name='List-Unsubscribe']/@value") == ["One-Click"]
    assert form.xpath("string(.//button)") == "Me désabonner de tout"
    # the page's own button works: post the form as a browser would
    action = httpx.URL(base).join(form.get("action"))
    done = httpx.post(action, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert member(settings, "m-lea").unsubscribed == TODAY


def test_head_does_not_unsubscribe_either(served, token):
    base, settings = served
    assert httpx.head(f"{base}/desabonnement", params={"t": token}).status_code == 200
    assert member(settings, "m-lea").unsubscribed is None


def test_forged_and_tampered_tokens_are_refused(served, signer, token):
    base, settings = served
    forged = signer.make("unsubscribe", "m-owen", CAMPAIGN)[:-3] + "AAA"
    body, signature = token.split(".")
    tampered = signer.make("unsubscribe", "m-owen", CAMPAIGN).split(".")[0] + "." + signature
    preferences = signer.make("preferences", "m-owen", CAMPAIGN)  # genuine, but for another purpose
    for bad in (forged, tampered, preferences, "not-a-token"):
        response = httpx.post(f"{base}/desabonnement", params={"t": bad}, data=ONE_CLICK)
        assert response.status_code == 403, bad
        assert "Lien non valide" in response.text
    missing = httpx.post(f"{base}/desabonnement", data=ONE_CLICK)
    assert missing.status_code == 400
    assert member(settings, "m-owen").unsubscribed is None
    assert member(settings, "m-lea").unsubscribed is None


def test_a_repeated_post_is_harmless(served, token):
    base, settings = served
    first = httpx.post(f"{base}/desabonnement", params={"t": token}, data=ONE_CLICK)
    with Store(settings["POOL_PATH"]) as store:
        before = store.get("m-lea")
    second = httpx.post(f"{base}/desabonnement", params={"t": token}, data=ONE_CLICK)
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert member(settings, "m-lea") == before


def test_english_member_gets_english_pages(served, signer):
    base, _ = served
    response = httpx.get(f"{base}/desabonnement", params={"t": signer.make("unsubscribe", "m-owen", CAMPAIGN)})
    page = lxml.html.fromstring(response.content)
    assert page.get("lang") == "en"
    assert page.xpath("string(//h1)") == "Unsubscribe from Cardamome Conseil emails"


def test_post_without_one_click_body_changes_nothing(served, token):
    base, settings = served
    response = httpx.post(f"{base}/desabonnement", params={"t": token}, data={"something": "else"})
    assert response.status_code == 400
    assert member(settings, "m-lea").unsubscribed is None


def test_monthly_digest_only(served, token):
    base, settings = served
    response = httpx.post(f"{base}/desabonnement", params={"t": token}, data={"action": "digest"})
    assert response.status_code == 200
    lea = member(settings, "m-lea")
    assert lea.unsubscribed is None
    assert lea.has_consent("newsletter") and not lea.has_consent("events") and not lea.has_consent("job_alerts")
    with Store(settings["POOL_PATH"]) as store:
        chosen = choices.preferences(store, "m-lea")
    assert chosen == {"rhythm": "monthly"}
    assert choices.objection(chosen, "invitation", TODAY) == "digest_only"
    assert choices.objection(chosen, "newsletter", TODAY) is None


def test_pause_for_three_months(served, token):
    base, settings = served
    response = httpx.post(f"{base}/desabonnement", params={"t": token}, data={"action": "pause", "months": "3"})
    assert response.status_code == 200
    assert "22 février 2027" in response.text
    with Store(settings["POOL_PATH"]) as store:
        chosen = choices.preferences(store, "m-lea")
    assert chosen == {"paused_until": "2027-02-22"}
    assert choices.objection(chosen, "newsletter", TODAY) == "paused"
    assert choices.objection(chosen, "newsletter", dt.date(2027, 2, 22)) is None
    refused = httpx.post(f"{base}/desabonnement", params={"t": token}, data={"action": "pause", "months": "240"})
    assert refused.status_code == 400


def test_unknown_path_and_method(served, token):
    base, _ = served
    assert httpx.get(f"{base}/nulle-part").status_code == 404
    response = httpx.put(f"{base}/desabonnement", params={"t": token}, content=b"x")
    assert response.status_code == 405 and "POST" in response.headers["allow"]
    assert httpx.get(f"{base}/healthz").text == "ok\n"


def test_a_member_erased_since_gets_the_same_calm_answer(served, signer):
    base, settings = served
    with Store(settings["POOL_PATH"]) as store:
        store.delete("m-owen")
    response = httpx.post(f"{base}/desabonnement", params={"t": signer.make("unsubscribe", "m-owen", CAMPAIGN)}, data=ONE_CLICK)
    assert response.status_code == 200
