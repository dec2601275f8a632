"""The web application served on 127.0.0.1 with a real store and a real SMTP server catching confirmations."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from mailing.webapp import create_app
from mailing.webapp.serve import running
from talentpool.models import Member
from talentpool.store import Store
from tests.delivery.smtpserver import smtp_server
from vivier.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"https://\S+/confirmation\?t=[A-Za-z0-9_.=-]+")


@pytest.fixture
def mailbox():
    """A real SMTP server on 127.0.0.1: (recorder, port)."""
    with smtp_server() as (recorder, port):
        yield recorder, port


@pytest.fixture
def community_settings(tmp_path, mailbox):
    _, port = mailbox
    settings = load_settings(ROOT / "pelicanconf.py")
    settings.update(POOL_PATH=str(tmp_path / "pool.sqlite3"), MAILING_SMTP_HOST="127.0.0.1",
                    MAILING_SMTP_PORT=port, MAILING_SMTP_SECURITY="none", MAILING_RETRIES=0)
    with Store(settings["POOL_PATH"]) as store:
        store.add(Member(id="m-nina", email="nina.leroy@example.org", first_name="Nina", language="fr", city="Nantes",
                         country="FR", skills=["Java"], departments=["dev"], created=dt.date(2026, 2, 1),
                         consents={"newsletter": dt.date(2026, 2, 1)}))
    return settings


@pytest.fixture
def served(community_settings, mailbox):
    """(base URL, settings, mail recorder); the server thread stops at the end of the test."""
    with running(create_app(community_settings)) as base:
        yield base, community_settings, mailbox[0]


def confirmation_link(message) -> str:
    """The confirmation URL of a received email (plain-text part), and check the HTML part has it too."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = LINK.search(text).group(0)
    assert link.replace("&", "&amp;") in html or link in html
    return link


def local(base: str, url: str) -> str:
    """A public https URL of the app, pointed at the local server."""
    parts = urlsplit(url)
    return f"{base}{parts.path}?{parts.query}"


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["t"][0]


def store_of(settings) -> Store:
    return Store(settings["POOL_PATH"])
