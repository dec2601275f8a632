"""Optional aggregate click counts: off by default; when on, links go through a signed redirect that
counts per plan, variant and link only, through the real web application on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from mailing.reports import queries
from mailing.reports.clicks import link_id
from mailing.views import with_utm
from mailing.webapp import create_app
from mailing.webapp.serve import running
from talentpool.store import Store
from vivier.config import load_settings
from tests.conftest import ROOT

JOB = "https://carrieres.cardamome.example/emplois/ingenieur-data/"


@pytest.fixture
def settings(tmp_path):
    loaded = load_settings(ROOT / "pelicanconf.py")
    loaded["POOL_PATH"] = str(tmp_path / "pool.sqlite3")
    Store(loaded["POOL_PATH"]).close()
    return loaded


def test_off_by_default_links_are_untouched_and_the_endpoint_answers_404(settings):
    assert not settings.get("MAILING_CLICK_COUNTS")
    assert with_utm(settings, JOB, "2026-12-data-cloud", "a").startswith(JOB + "?utm_source=")
    with running(create_app(settings)) as base:
        response = httpx.get(f"{base}/r", params={"l": link_id(b"x", "p", "a", JOB)})
    assert response.status_code == 404


def test_on_each_click_adds_one_to_its_link_and_variant_and_nothing_about_the_person(settings):
    settings["MAILING_CLICK_COUNTS"] = True
    from mailing import settings as mailing_settings

    mailing_settings.apply_defaults(settings)
    counted = with_utm(settings, JOB, "2026-12-data-cloud", "b")
    assert counted.startswith("https://carrieres.cardamome.example/r?l=")
    assert with_utm(settings, "https://other.example/page", "2026-12-data-cloud", "b") == "https://other.example/page"
    token = parse_qs(urlsplit(counted).query)["l"][0]
    with running(create_app(settings)) as base:
        answers = [httpx.get(f"{base}/r", params={"l": token}, follow_redirects=False) for _ in range(3)]
        head = httpx.head(f"{base}/r", params={"l": token}, follow_redirects=False)
        forged = httpx.get(f"{base}/r", params={"l": link_id(b"another secret", "2026-12-data-cloud", "b", "https://evil.example/")},
                           follow_redirects=False)
    assert {a.status_code for a in answers} == {303} and head.status_code == 303
    target = answers[0].headers["location"]
    assert target.startswith(JOB + "?") and "utm_content=b" in target
    assert all("set-cookie" not in a.headers for a in answers)
    assert forged.status_code == 403 and "location" not in forged.headers
    with Store(settings["POOL_PATH"]) as store:
        assert queries.click_counts(store, "2026-12-data-cloud") == [("b", target, 3)]  # HEAD not counted
    columns = [row[1] for row in sqlite3.connect(settings["POOL_PATH"]).execute("PRAGMA table_info(click_counts)")]
    assert columns == ["plan_id", "variant", "link", "clicks"]  # no member, no time, no address
