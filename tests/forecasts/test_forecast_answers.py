"""A staffing forecast from end to end: interest sent over real SMTP, answered through the web app, fell through.

The sample is built with the real `pelican`; plans are sent with the real
sender to the loopback aiosmtpd server and read back with the email package;
answers go through the real web application on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import urlsplit

import httpx

from mailing import settings as mailing_settings
from mailing.delivery.ledger import Ledger
from mailing.engine.budget import pending
from mailing.kinds.forecast import records
from mailing.tokens import Signer, secret_from_env
from mailing.webapp import create_app
from mailing.webapp.serve import running
from talentpool.policy import load_policy
from talentpool.store import Store
from tests.conftest import ROOT
from tests.forecasts.test_forecast_kind import CLIENT, PLAN, fitting_consenting, manifest, world  # noqa: F401
from tests.mailing.test_engine import DAY, send_over_smtp

CLOSED = "forecast-data-lyon-closed"
FORECAST = f"profile: Développeur·se Python\nmust_have: [Python]\nplace: Lyon, FR\nstart: 2027-02-01\nprobability: 80\nclient: {CLIENT}\n"
LINK = re.compile(r"https://\S+/interet\?t=[A-Za-z0-9_.-]+")


def send(world, name: str) -> tuple[list, int]:
    """Send plan `name` with the real sender to a loopback SMTP server: (messages received, sent count)."""
    recorder, summary = send_over_smtp(world, name, mailing_settings.apply_defaults(dict(world.settings)))  # as `vivier send`
    assert max(recorder.recipients().values(), default=1) == 1  # once each
    return recorder.messages, summary.sent


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def addresses(world, member_ids) -> dict[str, str]:
    with Store(world.pool) as store:
        return {store.get(member_id).email: member_id for member_id in member_ids}


def test_interest_answers_and_fell_through_over_real_smtp_and_the_web_app(world):
    (world.forecasts / "data-lyon.yml").write_text(FORECAST, encoding="utf-8")
    world.build()
    planned = [entry["member"] for entry in manifest(world)]
    expected = fitting_consenting(world, ("python",))
    policy = load_policy(ROOT / "audiences" / "policy.yml")
    with Store(world.pool) as store:  # whoever fits but is left out has used their budget (sent or planned before)
        waiting = pending(store, world.outbox, DAY, replaced={PLAN})
        left_out = {member_id: policy.decide(store.get(member_id), "forecast_interest", DAY,
                                             store.messages_since(member_id, policy.window_start(DAY)),
                                             planned=waiting.get(member_id, ())).reason
                    for member_id in expected - set(planned)}
    assert planned and set(planned) <= expected
    assert set(left_out.values()) <= {"over_budget"}, left_out

    # 1. The interest message reaches exactly the planned members, each with a link of their own.
    received, sent = send(world, PLAN)
    by_address = addresses(world, planned)
    assert sent == len(received) == len(planned)
    assert {str(m["To"].addresses[0].addr_spec) for m in received} == set(by_address)
    signer = Signer(secret_from_env())
    links = {}
    for message in received:
        member_id = by_address[message["To"].addresses[0].addr_spec]
        text, html = text_of(message), html_of(message)
        assert CLIENT not in text + html + str(message["Subject"])
        link = LINK.search(text).group(0)
        assert link in html.replace("&amp;", "&")  # the button and the plain-text line are the same link
        token = urlsplit(link).query.removeprefix("t=")
        data = signer.verify(token, "forecast")
        assert (data.member_id, data.campaign) == (member_id, "data-lyon")
        links[member_id] = link
    assert len(set(links.values())) == len(planned)

    # 2. Three members answer yes through the web application (GET shows the button, POST records).
    yes = sorted(links)[:3]
    app_settings = dict(world.settings)
    with running(create_app(app_settings)) as base:
        for member_id in yes:
            parts = urlsplit(links[member_id])
            url = f"{base}{parts.path}?{parts.query}"
            assert httpx.get(url).status_code == 200
            assert httpx.post(url, data={"answer": "yes"}).status_code == 200
    with Store(world.pool) as store:
        assert records.answered_yes(store, "data-lyon") == yes
        over, gone = yes[1], yes[2]
        for number in range(2):  # the second one has since used their whole budget…
            Ledger(store, f"another-plan-{number}", now=lambda: dt.datetime(2026, 11, 21, 9, tzinfo=dt.timezone.utc)).sent(
                over, kind="newsletter")
        store.unsubscribe(gone, DAY, scope="all")  # …and the third one left

    # 3. The need falls through: only those who said yes and may still hear from us are told, over budget or not.
    (world.forecasts / "data-lyon.yml").write_text(
        (world.forecasts / "data-lyon.yml").read_text(encoding="utf-8") + "status: lost\n", encoding="utf-8")
    first = world.build()
    assert CLIENT not in first.stdout + first.stderr
    assert [entry["member"] for entry in manifest(world, CLOSED)] == [yes[0], over]
    assert world.meta(CLOSED)["kind"] == "forecast_closed"
    received, sent = send(world, CLOSED)
    told = addresses(world, [yes[0], over])
    assert sent == len(received) == 2
    assert {m["To"].addresses[0].addr_spec for m in received} == set(told)
    for message in received:
        text, subject = text_of(message), str(message["Subject"])
        assert "ne se fera pas" in subject or "will not happen" in subject
        assert CLIENT not in text + html_of(message) + subject
        assert not LINK.search(text)  # nothing left to answer
    assert "fell through" in json.loads((world.outbox / PLAN / "withdrawn.json").read_text())["reason"]

    # 4. A rebuild plans nobody new, and sending again sends nothing twice.
    world.build()
    assert [entry["member"] for entry in manifest(world, CLOSED)] == [yes[0], over]
    assert world.meta(CLOSED)["new"] == 0 and world.meta(CLOSED)["recipients"] == 2
    assert send(world, CLOSED) == ([], 0)
