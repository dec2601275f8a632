"""The staffing-forecast message kind on real builds of the sample: who is asked, once, and never the client."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import subprocess

import pytest

from mailing.engine.budget import pending
from mailing.kinds.forecast import records
from talentpool.store import Store
from tests.conftest import TODAY
from tests.mailing.test_engine import World

CLIENT = "Banque Régionale du Rhône"
FORECAST = """profile: Ingénieur·e data confirmé·e
must_have: [Python, SQL]
place: Lyon, FR
start: 2027-02-01
probability: {probability}
client: {client}
"""
PLAN = "forecast-data-lyon-interest"
CLOSED = "forecast-data-lyon-closed"


@pytest.fixture
def world(tmp_path):
    found = World(tmp_path)
    found.forecasts = tmp_path / "forecasts"
    found.forecasts.mkdir()
    found.env["VIVIER_FORECASTS"] = str(found.forecasts)
    return found


def write_forecast(world, probability=70):
    (world.forecasts / "data-lyon.yml").write_text(FORECAST.format(probability=probability, client=CLIENT), encoding="utf-8")


def manifest(world, name=PLAN) -> list[dict]:
    return [json.loads(line) for line in (world.outbox / name / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def fitting_consenting(world, must_have=("python", "sql")) -> set[str]:
    """Counted here without the kind's code: job-alert consent not withdrawn, not in a live process, the must-haves."""
    day = dt.date.fromisoformat(TODAY)
    with Store(world.pool) as store:
        members = list(store.iter_members())
    ids = set()
    for member in members:
        skills = {skill.strip().casefold() for skill in member.skills}
        consented = "job_alerts" in member.consents and "job_alerts" not in member.withdrawn and not member.unsubscribed
        recent = max(d for d in (member.created, member.last_contact, *member.consents.values()) if d) >= day - dt.timedelta(days=730)
        if consented and recent and member.stage not in ("interviewing", "offer") and set(must_have) <= skills:
            ids.add(member.id)
    return ids




def test_a_forecast_above_the_threshold_asks_exactly_the_fitting_consenting_members_once(world):
    write_forecast(world)
    built = world.build()
    meta = world.meta(PLAN)
    assert meta["message_kind"] == "forecast" and meta["kind"] == "forecast_interest"
    assert [s["path"] for s in meta["sources"]] == [str(world.forecasts / "data-lyon.yml")]
    planned = [entry["member"] for entry in manifest(world)]
    expected = fitting_consenting(world)
    assert planned and len(planned) == len(set(planned))
    assert set(planned) <= expected and len(expected) > len(planned)  # the sample has one over the budget
    left_out = expected - set(planned)
    with Store(world.pool) as store:  # whoever is left out is over the shared budget (other plans wait for them)
        waiting = pending(store, world.outbox, dt.date.fromisoformat(TODAY))
    assert all(len(waiting.get(member_id, ())) >= 2 for member_id in left_out), left_out
    preview = next((world.outbox / PLAN / "previews").iterdir())
    message = email.message_from_bytes(preview.read_bytes(), policy=email.policy.default)
    assert "Lyon" in message["Subject"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "https://carrieres.cardamome.example/interet?t=" in text  # the member's own answer link

    rebuilt = world.build()  # a rebuild asks nobody twice and keeps the plan as it was
    assert [entry["member"] for entry in manifest(world)] == planned

    # nothing names the client: outbox (plans, previews), site output, build log
    leaks = subprocess.run(["grep", "-rlF", CLIENT, str(world.outbox), str(world.base / "output")], capture_output=True, text=True)
    assert leaks.stdout == "", leaks.stdout
    assert all(CLIENT not in result.stdout + result.stderr for result in (built, rebuilt))


def test_a_forecast_below_the_threshold_asks_nobody_and_a_deleted_one_withdraws_its_plan(world):
    write_forecast(world, probability=40)
    world.build()
    assert not (world.outbox / PLAN).exists()
    write_forecast(world)
    world.build()
    assert (world.outbox / PLAN / "manifest.jsonl").is_file()
    (world.forecasts / "data-lyon.yml").unlink()
    world.build()
    assert "no longer exists" in json.loads((world.outbox / PLAN / "withdrawn.json").read_text())["reason"]


def test_a_probability_dropping_below_the_lower_bound_tells_only_those_who_said_yes_once(world):
    write_forecast(world)
    world.build()
    planned = [entry["member"] for entry in manifest(world)]
    with Store(world.pool) as store:
        records.record_answer(store, planned[0], "data-lyon", dt.date.fromisoformat(TODAY))
    write_forecast(world, probability=45)  # below the threshold, above STAFFING_FORECAST_DROP_BELOW (30): nothing yet
    world.build()
    assert not (world.outbox / CLOSED).exists()
    write_forecast(world, probability=20)
    world.build()
    assert [entry["member"] for entry in manifest(world, CLOSED)] == [planned[0]]
    assert world.meta(CLOSED)["kind"] == "forecast_closed"
    preview = email.message_from_bytes((world.outbox / CLOSED / "previews" / f"{planned[0]}.eml").read_bytes(),
                                       policy=email.policy.default)
    assert "Lyon" in preview["Subject"] and "/interet?t=" not in preview.get_body(preferencelist=("plain",)).get_content()
    with Store(world.pool) as store:
        assert records.asked(store, "data-lyon", records.CLOSED) == {planned[0]: CLOSED}
    world.build()
    assert [entry["member"] for entry in manifest(world, CLOSED)] == [planned[0]]
    assert world.meta(CLOSED)["new"] == 0


@pytest.mark.parametrize("message", ["interest", "closed"])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_both_messages_pass_the_mail_gates_in_both_languages_and_never_name_the_client(tmp_path, message, lang):
    from mailing import gates
    from mailing import settings as mailing_settings
    from mailing.kinds.forecast.views import compile_message
    from staffing.forecasts import load_forecasts
    from tests.conftest import ROOT
    from vivier.config import load_settings

    (tmp_path / "data-lyon.yml").write_text(FORECAST.format(probability=70, client=CLIENT), encoding="utf-8")
    forecast = load_forecasts(tmp_path)[0]
    settings = mailing_settings.apply_defaults(load_settings(ROOT / "pelicanconf.py"))
    compiled = compile_message(settings, forecast, message, lang)
    assert gates.check(compiled, settings) == []
    parts = compiled.html.skeleton() + compiled.text.skeleton() + compiled.subject + compiled.preheader
    assert CLIENT not in parts and "Lyon" in compiled.subject
    # The start in the site's own words, never an ISO date (2027-02-01 in the forecast file).
    assert ("1 février 2027" if lang == "fr" else "1 February 2027") in " ".join(compiled.text.skeleton().split())
    assert "2027-02-01" not in parts
    assert ("%%VIVIER:answer_url%%" in compiled.text.skeleton()) == (message == "interest")
    assert ("%%VIVIER:answer_url%%" in compiled.html.skeleton()) == (message == "interest")
