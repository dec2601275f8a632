"""The preferences page behind every email's signed link, through a real HTTP client."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import lxml.html
import pytest

from mailing.community import signups
from mailing.delivery import choices
from mailing.tokens import Signer, secret_from_env
from tests.community.conftest import store_of

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def link(served):
    base, _, _ = served
    return f"{base}/preferences?t={Signer(secret_from_env()).make('preferences', 'm-nina', '2026-12-data-cloud')}"


def form_of(page) -> dict:
    """The preferences form as a browser would submit it unchanged (checked boxes and radios, text fields)."""
    form = page.xpath("//form[contains(@class, 'community-form')]")[0]
    data: dict[str, list[str]] = {}
    for field in form.xpath(".//input"):
        kind, name = field.get("type"), field.get("name")
        if kind in ("checkbox", "radio") and field.get("checked") is None:
            continue
        data.setdefault(name, []).append(field.get("value") or "")
    return data


def test_page_shows_the_members_choices_in_her_language(served, link):
    response = httpx.get(link)
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content)
    assert page.get("lang") == "fr" and page.xpath("string(//h1)") == "Vos préférences"
    assert len(page.xpath("//h1")) == 1
    data = form_of(page)
    assert data["departments"] == ["dev"] and data["locations"] == ["Nantes"] and data["skills"] == ["Java"]
    assert data["consent_newsletter"] == ["yes"] and "consent_job_alerts" not in data
    assert not page.xpath("//input[@name='email' or @name='website']")  # no address to type, no honeypot


def test_changing_choices_saves_them_and_ticking_a_consent_is_a_recorded_opt_in(served, link):
    _, settings, _ = served
    page = lxml.html.fromstring(httpx.get(link).content)
    data = form_of(page)
    data.update(departments=["dev", "data"], skills=["Java, Kotlin"], consent_job_alerts=["yes"], rhythm=["monthly"],
                language=["en"], remote=["remote"])
    data.pop("consent_newsletter")
    action = httpx.URL(link).join(page.xpath("//form[contains(@class, 'community-form')]/@action")[0])
    response = httpx.post(action, data=data, headers={"X-Forwarded-For": "192.0.2.44"})
    assert response.status_code == 200
    assert lxml.html.fromstring(response.content).xpath("string(//h1)") == "Your choices are saved"
    with store_of(settings) as store:
        member = store.get("m-nina")
        assert member.departments == ["dev", "data"] and member.skills == ["Java", "Kotlin"] and member.language == "en"
        assert member.has_consent("job_alerts") and not member.has_consent("newsletter")
        assert member.withdrawn == {"newsletter": TODAY} and member.last_contact == TODAY
        prefs = choices.preferences(store, "m-nina")
        assert prefs["alert_rhythm"] == "monthly" and prefs["remote"] == "remote"
        proof = signups.proofs(store, "m-nina")
        assert [p["ticked"] for p in proof] == [["consent_job_alerts"]] and proof[0]["source"] == "preferences"
        assert "192.0.2.44" not in json.dumps(proof)


def test_invalid_choices_come_back_with_errors(served, link):
    _, settings, _ = served
    response = httpx.post(link, data={"departments": "astrologie", "consent_job_alerts": "yes"})
    assert response.status_code == 400
    page = lxml.html.fromstring(response.content)
    assert page.get_element_by_id("community-departments").get("aria-invalid") == "true"
    with store_of(settings) as store:
        assert store.get("m-nina").departments == ["dev"]


def test_pause_then_resume(served, link):
    _, settings, _ = served
    response = httpx.post(link, data={"action": "pause", "months": "3"})
    assert response.status_code == 200 and "22 février 2027" in response.text
    with store_of(settings) as store:
        prefs = choices.preferences(store, "m-nina")
        assert prefs["paused_until"] == "2027-02-22"
        assert choices.objection(prefs, "job_alert", TODAY) == "paused"
    page = lxml.html.fromstring(httpx.get(link).content)
    assert "en pause jusqu'au 22 février 2027" in page.text_content()
    assert httpx.post(link, data={"action": "pause", "months": "7"}).status_code == 400
    assert httpx.post(link, data={"action": "resume"}).status_code == 200
    with store_of(settings) as store:
        assert "paused_until" not in choices.preferences(store, "m-nina")


def test_leave_unsubscribes_from_everything(served, link):
    _, settings, _ = served
    response = httpx.post(link, data={"action": "leave"})
    assert response.status_code == 200 and "quitté la communauté" in response.text
    with store_of(settings) as store:
        assert store.get("m-nina").unsubscribed == TODAY


def test_forged_or_foreign_tokens_are_refused(served, link):
    base, settings, _ = served
    signer = Signer(secret_from_env())
    unsubscribe = signer.make("unsubscribe", "m-nina", "x")  # genuine, but not for this page
    forged = Signer(b"not our secret").make("preferences", "m-nina", "x")
    for bad in (unsubscribe, forged, link.split("t=")[1][:-2] + "zz"):
        response = httpx.post(f"{base}/preferences", params={"t": bad}, data={"action": "leave"})
        assert response.status_code == 403
    assert httpx.get(f"{base}/preferences").status_code == 400
    with store_of(settings) as store:
        assert store.get("m-nina").unsubscribed is None
