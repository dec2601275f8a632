"""Reverse-interview bookings through the real web application: the monthly cap, the role mailbox, nothing kept."""

from __future__ import annotations

import html
import os
import sqlite3

import httpx
import pytest

from mailing.webapp import create_app
from mailing.webapp.booking_counts import BookingCounts
from mailing.webapp.serve import running
from talentpool.store import Store
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


def booking_settings(tmp_path, port, store_location=None) -> dict:
    settings = load_settings(ROOT / "pelicanconf.py")
    settings.update(POOL_PATH=str(store_location or tmp_path / "pool.sqlite3"),
                    AMBASSADORS_BOOKINGS_PATH=str(tmp_path / "bookings.sqlite3"),
                    MAILING_SMTP_HOST="127.0.0.1", MAILING_SMTP_PORT=port, MAILING_SMTP_SECURITY="none", MAILING_RETRIES=0)
    Store(settings["POOL_PATH"], create=True).close()
    return settings


def store_counts(settings) -> list[tuple]:
    with Store(settings["POOL_PATH"]) as store:
        return [tuple(row) for row in store.connection.execute(
            "SELECT ambassador, month, count FROM booking_counts ORDER BY ambassador, month").fetchall()]


@pytest.fixture
def booking_app(tmp_path):
    with smtp_server() as (recorder, port):
        settings = booking_settings(tmp_path, port)
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
    assert store_counts({"POOL_PATH": str(private / "pool.sqlite3")}) == [("julien-moreau", "2026-11", 1)]
    assert not (private / "bookings.sqlite3").exists()  # no file of its own any more: a count in the store
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


def test_two_hosts_sharing_the_store_count_against_one_monthly_cap(tmp_path, store_location):
    """Two web applications (two hosts behind one address) on one store: the cap (2) holds across them;
    with a counts file per host, each took two."""
    with smtp_server() as (recorder, port):
        settings = booking_settings(tmp_path, port, store_location)
        with running(create_app(dict(settings))) as first, running(create_app(dict(settings))) as second, \
                httpx.Client(base_url=first, timeout=30) as one, httpx.Client(base_url=second, timeout=30) as two:
            assert one.post(PATH, data=candidate(1)).status_code == 200
            assert two.post(PATH, data=candidate(2)).status_code == 200
            assert two.post(PATH, data=candidate(3)).status_code == 409
            assert one.post(PATH, data=candidate(4)).status_code == 409
            assert one.get(PATH, params={"ambassador": "julien-moreau"}).status_code == 409
        requests = [m for m in recorder.messages if m["To"].addresses[0].addr_spec == MAILBOX]
        assert len(requests) == 2
    assert store_counts(settings) == [("julien-moreau", "2026-11", 2)]


def test_candidates_racing_for_the_last_places_take_exactly_the_cap(tmp_path, store_location):
    """Twelve requests at once for 5 places, from threads each opening the store as a request does:
    exactly 5 counted; a release gives one back; a cap of 0 counts nobody."""
    import threading

    settings = booking_settings(tmp_path, 0, store_location)
    counts = BookingCounts(lambda: Store(settings["POOL_PATH"]))
    start, answers = threading.Barrier(12), []

    def book():
        start.wait()
        answers.append(counts.reserve("julien-moreau", "2026-11", 5))

    threads = [threading.Thread(target=book) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [False] * 7 + [True] * 5
    assert counts.count("julien-moreau", "2026-11") == 5 and counts.count("julien-moreau", "2026-12") == 0
    counts.release("julien-moreau", "2026-11")
    assert counts.reserve("julien-moreau", "2026-11", 5) and not counts.reserve("julien-moreau", "2026-11", 5)
    assert not counts.reserve("lea-martin", "2026-11", 0) and counts.reserve("lea-martin", "2026-11", None)
    assert store_counts(settings) == [("julien-moreau", "2026-11", 5), ("lea-martin", "2026-11", 1)]


def test_a_counts_file_of_an_earlier_vivier_is_added_to_the_store_exactly_once(tmp_path, monkeypatch):
    """After an upgrade the month's places taken before it still count: the host's file is added once, even
    when the process stops between the store's commit and the file's rename."""
    settings = booking_settings(tmp_path, 0)
    legacy = tmp_path / "bookings.sqlite3"
    with sqlite3.connect(legacy) as db:
        db.execute("CREATE TABLE bookings (ambassador TEXT NOT NULL, month TEXT NOT NULL, "
                   "count INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (ambassador, month))")
        db.executemany("INSERT INTO bookings VALUES (?, ?, ?)", [("julien-moreau", "2026-11", 1), ("lea-martin", "2026-10", 0)])
    db.close()
    original = legacy.read_bytes()
    opened = lambda: Store(settings["POOL_PATH"])  # noqa: E731
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("stopped before the rename")))
    with pytest.raises(OSError):
        BookingCounts(opened, legacy=legacy)
    monkeypatch.setattr(os, "replace", real_replace)
    assert legacy.read_bytes() == original and store_counts(settings) == [("julien-moreau", "2026-11", 1)]
    counts = BookingCounts(opened, legacy=legacy)  # the next start: already added, only renamed
    assert not legacy.exists() and (tmp_path / "bookings.sqlite3.imported").read_bytes() == original
    assert counts.count("julien-moreau", "2026-11") == 1
    assert counts.reserve("julien-moreau", "2026-11", 2) and not counts.reserve("julien-moreau", "2026-11", 2)
    BookingCounts(opened, legacy=legacy)  # nothing left to add
    assert store_counts(settings) == [("julien-moreau", "2026-11", 2)]

    (tmp_path / "not-counts.sqlite3").write_bytes(b"not a database")
    with pytest.raises(RuntimeError, match="not a booking counts file"):
        BookingCounts(opened, legacy=tmp_path / "not-counts.sqlite3")
