"""Reverse-interview bookings through the real web application: the monthly cap, the role mailbox, nothing kept."""

from __future__ import annotations

import html
import sqlite3

import httpx
import pytest

from mailing.webapp import create_app
from mailing.webapp.serve import running
from tests.delivery.smtpserver import smtp_server
from vivier.config import load_settings

from .conftest import ROOT

MAILBOX = "entretiens.cyber@cardamome.example"  # Julien Moreau's role mailbox; Monthly_cap: 2
PATH = "/entretien-inverse"
FIREWALL_FR = "Cet échange ne fait pas partie de l'évaluation"


def text(response) -> str:
    return html.unescape(response.text)


def candidate(n: int, **extra) -> dict:
    return {"ambassador": "julien-moreau", "lang": "fr", "format": "phone", "name": f"Camille Test{n}",
            "email": f"camille.test{n}@example.net", "questions": f"Question secrète numéro {n} sur les astreintes ?",
            "job": "CC-2026-009", **extra}


@pytest.fixture
def booking_app(tmp_path):
    with smtp_server() as (recorder, port):
        settings = load_settings(ROOT / "pelicanconf.py")
        settings.update(POOL_PATH=str(tmp_path / "pool.sqlite3"), AMBASSADORS_BOOKINGS_PATH=str(tmp_path / "bookings.sqlite3"),
                        MAILING_SMTP_HOST="127.0.0.1", MAILING_SMTP_PORT=port, MAILING_SMTP_SECURITY="none", MAILING_RETRIES=0)
        with running(create_app(settings)) as base, httpx.Client(base_url=base, timeout=30) as client:
            yield client, recorder, tmp_path


def test_the_cap_refuses_the_booking_after_the_last_place_of_the_month(booking_app, monkeypatch):
    client, recorder, _ = booking_app
    page = client.get(PATH, params={"ambassador": "julien-moreau"})
    assert page.status_code == 200 and "<form" in text(page) and FIREWALL_FR in text(page)
    english = client.get(PATH, params={"ambassador": "julien-moreau", "lang": "en"})
    assert "Talk with Julien Moreau" in text(english) and "This conversation is not part of the assessment" in text(english)

    for n in (1, 2):
        answer = client.post(PATH, data=candidate(n))
        assert answer.status_code == 200, answer.text
        assert "Demande envoyée" in text(answer) and FIREWALL_FR in text(answer)
    third = client.post(PATH, data=candidate(3))
    assert third.status_code == 409
    assert "Julien Moreau n'a plus de disponibilité ce mois-ci" in text(third)
    assert "au plus 2 échanges par mois" in text(third)
    assert "https://carrieres.cardamome.example/rencontrer-l-equipe/" in text(third)  # another person is offered
    assert "julien-moreau/" not in text(third).split("<ul>")[1].split("</ul>")[0]

    # Exactly two requests reached the role mailbox, and two confirmations their candidates; none for the third.
    requests = [m for m in recorder.messages if m["To"].addresses[0].addr_spec == MAILBOX]
    confirmations = [m for m in recorder.messages if m not in requests]
    assert len(requests) == 2 and len(confirmations) == 2
    assert sorted(str(m["Reply-To"].addresses[0].addr_spec) for m in requests) == ["camille.test1@example.net",
                                                                                   "camille.test2@example.net"]
    body = requests[0].get_body(("plain",)).get_content()
    assert "Question secrète numéro 1" in body and "CC-2026-009" in body and "téléphone" in body
    assert "Ne transmettez rien de ce que la personne vous dit aux recruteurs" in body and FIREWALL_FR in body
    confirmation = confirmations[0].get_body(("plain",)).get_content()
    assert FIREWALL_FR in confirmation and "Vivier ne garde rien de votre demande" in confirmation
    assert not any("camille.test3" in str(m) for m in recorder.messages)

    # The ambassador's own page says so and offers another person.
    full = client.get(PATH, params={"ambassador": "julien-moreau"})
    assert full.status_code == 409 and "n'a plus de disponibilité" in text(full) and "<form" not in text(full)

    # A new month, new places.
    monkeypatch.setenv("VIVIER_TODAY", "2026-12-01")
    assert client.post(PATH, data=candidate(4)).status_code == 200


def test_nothing_of_a_request_is_kept_but_a_count(booking_app, caplog):
    client, recorder, private = booking_app
    caplog.set_level("DEBUG")
    assert client.post(PATH, data=candidate(7)).status_code == 200
    with sqlite3.connect(private / "bookings.sqlite3") as db:
        assert db.execute("SELECT ambassador, month, count FROM bookings").fetchall() == [("julien-moreau", "2026-11", 1)]
    for path in private.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in (b"camille.test7", b"Camille Test7", "secrète numéro 7".encode()):
                assert secret not in data, path
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("mailing", "careers", "talentpool")))
    assert "julien-moreau" in ours  # the application does log the booking, by ambassador and month only
    assert "camille.test7" not in ours and "Test7" not in ours and "secrète" not in ours


def test_an_undelivered_request_counts_nothing(booking_app):
    client, recorder, private = booking_app
    recorder.script[MAILBOX] = ["550"]  # the relay refuses the first request
    answer = client.post(PATH, data=candidate(1))
    assert answer.status_code == 503 and "rien n'a été compté" in text(answer)
    assert recorder.messages == []  # and no confirmation of a request nobody received
    for n in (2, 3):  # both places of the month are still free
        assert client.post(PATH, data=candidate(n)).status_code == 200
    assert client.post(PATH, data=candidate(4)).status_code == 409


def test_bad_requests_are_refused_without_counting_or_sending(booking_app):
    client, recorder, private = booking_app
    bad = client.post(PATH, data=candidate(1, email="pas-une-adresse", format="walking"))
    assert bad.status_code == 400
    assert "votre adresse e-mail" in text(bad) and "le format" in text(bad)
    assert 'value="Camille Test1"' in text(bad)  # what was typed is kept in the page, not on the server
    unknown = client.post(PATH, data=candidate(1, ambassador="lea-martin"))  # books through Cal.com, not this form
    assert unknown.status_code == 404
    assert recorder.messages == []
    assert client.post(PATH, data=candidate(2)).status_code == 200
    assert client.post(PATH, data=candidate(3)).status_code == 200


def test_the_role_mailbox_is_not_published(site):
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".atom", ".rss", ".ics", ".js"):
            assert MAILBOX not in path.read_text(encoding="utf-8", errors="replace"), path


def test_a_form_profile_needs_its_role_mailbox(tmp_path):
    from tests.careers.test_job_rules import check, make_conf
    from tests.conftest import copy_content

    content = copy_content(tmp_path)
    path = content / "ambassadors" / "julien-moreau.md"
    path.write_text(path.read_text().replace(f"Mailbox: {MAILBOX}\n", ""))
    errors, _ = check(make_conf(tmp_path, content))
    assert "ambassadors/julien-moreau.md:9: mailbox: is missing: with Booking: form, the requests go to a role mailbox; " \
           "add it (it is not published) (for example: Mailbox: entretiens.equipe@cardamome.example)" in errors
