"""The signed "yes, I'm interested" link of staffing forecasts, through a real HTTP client against the app on 127.0.0.1."""

from __future__ import annotations

import datetime as dt

import httpx
import lxml.html
import pytest

from mailing.kinds.forecast import records
from talentpool import privacy
from talentpool.store import Store

FORECAST = "data-lyon"
TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def asked(webapp_settings):
    """Léa and Owen were both asked about the forecast, as a build remembers it."""
    with Store(webapp_settings["POOL_PATH"]) as store:
        records.remember(store, FORECAST, records.INTEREST, f"forecast-{FORECAST}-interest", ["m-lea", "m-owen"], TODAY)


def answers(settings, forecast=FORECAST):
    with Store(settings["POOL_PATH"]) as store:
        return records.answered_yes(store, forecast)


def test_get_only_asks_and_the_pages_button_records_the_answer_once(served, signer, asked):
    base, settings = served
    token = signer.make("forecast", "m-lea", FORECAST)
    shown = httpx.get(f"{base}/interet", params={"t": token})
    assert shown.status_code == 200
    assert httpx.head(f"{base}/interet", params={"t": token}).status_code == 200
    assert answers(settings) == []  # a link scanner following the link answers for nobody
    page = lxml.html.fromstring(shown.content)
    assert page.get("lang") == "fr" and page.xpath("string(//h1)") == "Cette mission vous intéresse ?"
    form = page.xpath("//form")[0]
    assert form.get("method") == "post" and form.xpath("string(.//button)") == "Oui, cela m'intéresse"
    action = httpx.URL(base).join(form.get("action"))
    done = httpx.post(action, data={"answer": "yes"})
    assert done.status_code == 200
    assert lxml.html.fromstring(done.content).xpath("string(//h1)") == "Merci, c'est noté"
    assert answers(settings) == ["m-lea"]
    again = httpx.post(action, data={"answer": "yes"})  # a second click: same page, one answer
    assert again.status_code == 200 and again.text == done.text
    assert answers(settings) == ["m-lea"]


def test_the_thank_you_page_is_in_the_members_language_and_names_no_client(served, signer, asked):
    base, settings = served
    done = httpx.post(f"{base}/interet", params={"t": signer.make("forecast", "m-owen", FORECAST)})
    assert done.status_code == 200
    page = lxml.html.fromstring(done.content)
    assert page.get("lang") == "en" and page.xpath("string(//h1)") == "Thank you, noted"
    assert "Banque" not in done.text and FORECAST not in done.text
    assert answers(settings) == ["m-owen"]


def test_tampered_foreign_and_missing_tokens_are_refused_and_record_nothing(served, signer, asked):
    base, settings = served
    token = signer.make("forecast", "m-lea", FORECAST)
    body, signature = token.split(".")
    tampered = signer.make("forecast", "m-owen", FORECAST).split(".")[0] + "." + signature  # Léa's signature on Owen
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    other_purpose = signer.make("unsubscribe", "m-lea", FORECAST)  # genuine, but not an answer
    not_asked = signer.make("forecast", "m-lea", "cloud-nantes")  # genuine, about a forecast Léa was never asked about
    for bad in (tampered, forged, other_purpose, not_asked, "not-a-token"):
        for method in ("GET", "POST"):
            response = httpx.request(method, f"{base}/interet", params={"t": bad})
            assert response.status_code == 400, (bad, method)
            assert "Lien non valide" in response.text
    assert httpx.post(f"{base}/interet").status_code == 400
    assert answers(settings) == [] and answers(settings, "cloud-nantes") == []


def test_an_erased_member_records_nothing(served, signer, asked):
    base, settings = served
    with Store(settings["POOL_PATH"]) as store:
        privacy.erase(store, "lea.garnier@example.org", TODAY)
    response = httpx.post(f"{base}/interet", params={"t": signer.make("forecast", "m-lea", FORECAST)})
    assert response.status_code == 200 and "Rien à enregistrer" in response.text
    assert answers(settings) == []
