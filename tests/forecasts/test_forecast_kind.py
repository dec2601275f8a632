"""The staffing-forecast message kind on real builds of the sample: who is asked, once, and never the client."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import subprocess

import pytest

from mailing.engine.budget import pending
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


def fitting_consenting(world) -> set[str]:
    """Counted here without the kind's code: job-alert consent not withdrawn, not in a live process, Python and SQL."""
    day = dt.date.fromisoformat(TODAY)
    with Store(world.pool) as store:
        members = list(store.iter_members())
    ids = set()
    for member in members:
        skills = {skill.strip().casefold() for skill in member.skills}
        consented = "job_alerts" in member.consents and "job_alerts" not in member.withdrawn and not member.unsubscribed
        recent = max(d for d in (member.created, member.last_contact, *member.consents.values()) if d) >= day - dt.timedelta(days=730)
        if consented and recent and member.stage not in ("interviewing", "offer") and {"python", "sql"} <= skills:
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
    subject = email.message_from_bytes(preview.read_bytes(), policy=email.policy.default)["Subject"]
    assert "Lyon" in subject

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
