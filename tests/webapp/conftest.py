"""A real talent-pool store with fictional members, and the web application served on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mailing.tokens import Signer, secret_from_env
from mailing.webapp import create_app
from mailing.webapp.serve import running
from talentpool.models import Member
from talentpool.store import Store
from vivier.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN = "2026-11-talents"


def fictional_members():
    consents = {"newsletter": dt.date(2026, 3, 2), "events": dt.date(2026, 3, 2), "job_alerts": dt.date(2026, 3, 2)}
    return [
        Member(id="m-lea", email="lea.garnier@example.org", first_name="Léa", last_name="Garnier", language="fr",
               city="Lyon", country="FR", consents=dict(consents), created=dt.date(2026, 3, 2)),
        Member(id="m-owen", email="owen.hart@example.com", first_name="Owen", last_name="Hart", language="en",
               city="Nantes", country="FR", consents=dict(consents), created=dt.date(2026, 4, 10)),
    ]


@pytest.fixture
def webapp_settings(store_location):
    settings = load_settings(ROOT / "pelicanconf.py")
    settings["POOL_PATH"] = str(store_location)
    with Store(settings["POOL_PATH"]) as store:
        for member in fictional_members():
            store.add(member)
    return settings


@pytest.fixture
def signer():
    return Signer(secret_from_env())


@pytest.fixture
def served(webapp_settings):
    """(base URL of the unsubscribe app, settings); the server stops at the end of the test."""
    with running(create_app(webapp_settings)) as base:
        yield base, webapp_settings


def member(settings, member_id):
    with Store(settings["POOL_PATH"]) as store:
        return store.get(member_id)
