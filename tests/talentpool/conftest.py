"""Talent-pool fixtures: a fresh store per test, the real rules, members made to order."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from talentpool.mappings import load_mapping
from talentpool.models import Member
from talentpool.policy import load_policy
from talentpool.sample import load_sample
from talentpool.segments import load_segments
from talentpool.store import Store
from tests.conftest import ROOT, TODAY

DAY = dt.date.fromisoformat(TODAY)
AUDIENCES = ROOT / "audiences"
DATA = Path(__file__).parent / "data"


@pytest.fixture
def store(store_location):
    """A fresh store, on SQLite and on PostgreSQL (tests/backends.py)."""
    with Store(store_location) as opened:
        yield opened


@pytest.fixture(scope="session")
def policy():
    return load_policy(AUDIENCES / "policy.yml")


@pytest.fixture(scope="session")
def segments():
    return load_segments(AUDIENCES / "segments")


@pytest.fixture(scope="session")
def mappings_dir():
    return AUDIENCES / "mappings"


def every_row(store) -> str:
    """Every row of every table of the store, as text (what a dump of the database would hold)."""
    conn = store.connection
    return "\n".join(repr(tuple(row)) for table in conn.table_names() for row in conn.execute(f'SELECT * FROM "{table}"'))


def make_member(**fields) -> Member:
    """A consenting, recently active Lyon data engineer unless told otherwise."""
    values = dict(
        id="", email="camille.testeur@example.com", first_name="Camille", last_name="Testeur", language="fr",
        city="Lyon", country="FR", skills=["python", "sql"], departments=["data"], roles=["data engineer"],
        seniority="confirmed", stage="sourced", source="career_site", tags=[],
        consents={"newsletter": DAY - dt.timedelta(days=100), "events": DAY - dt.timedelta(days=100),
                  "job_alerts": DAY - dt.timedelta(days=100)},
        last_contact=DAY - dt.timedelta(days=10), created=DAY - dt.timedelta(days=200),
    )
    values.update(fields)
    return Member(**values)


@pytest.fixture(scope="session")
def sample_pool(private_paths) -> Path:
    """The sample pool loaded into the session's store (VIVIER_POOL), as `make site` does."""
    path = Path(os.environ["VIVIER_POOL"])
    with Store(path) as opened:
        load_sample(opened, AUDIENCES / "sample" / "members.csv", AUDIENCES / "sample" / "messages.csv",
                    load_mapping("sample", AUDIENCES / "mappings"), DAY)
    return path
