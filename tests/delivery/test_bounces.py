"""Bounces (RFC 3464) and complaints (ARF, RFC 5965) read back from a mailbox suppress the right members.

The reports in tests/delivery/reports/ were written for these tests (every
address is fictional); they are matched by VERP envelope, by the original
Message-ID in the ledger, or by address.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import mailbox
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailing.delivery import bounces
from mailing.delivery.ledger import Ledger
from mailing.delivery.reports import apply, parse
from talentpool.models import Member
from talentpool.store import Store
from tests.delivery.imapserver import imap_server
from tests.delivery.messages import address, synthetic_items
from tests.delivery.smtpserver import smtp_server
from vivier.cli import cli

ROOT = Path(__file__).resolve().parents[2]
REPORTS = Path(__file__).parent / "reports"
PLAN = "2026-12-data-cloud"
TODAY = dt.date(2026, 12, 2)
EMAILS = {1: "membre0001@example.org", 2: "membre0002@example.org", 3: "membre0003@example.com",
          4: "membre0004@example.org", 5: "membre0005@example.org", 6: "membre0006@example.org",
          7: "membre0007@example.org"}


def load(name: str):
    return email.message_from_bytes((REPORTS / name).read_bytes(), policy=email.policy.compat32)


@pytest.fixture
def pool(store_location):
    """Seven members who were each sent the plan, with the Message-IDs the reports quote."""
    path = store_location
    with Store(path) as store:
        ledger = Ledger(store, PLAN)
        for n, mail in EMAILS.items():
            store.add(Member(id=f"m-000{n}", email=mail, first_name=f"Membre {n}",
                             consents={"newsletter": dt.date(2026, 1, 5)}, created=dt.date(2026, 1, 5)))
            assert ledger.claim(f"m-000{n}", f"<m{n}.vivier@carrieres.cardamome.example>")
            ledger.sent(f"m-000{n}", kind="newsletter")
    return path


def mbox_of(tmp_path, names) -> Path:
    path = tmp_path / "bounces.mbox"
    box = mailbox.mbox(str(path))
    for name in names:
        box.add((REPORTS / name).read_bytes())
    box.flush()
    box.close()
    return path


ALL = sorted(p.name for p in REPORTS.glob("*.eml"))


def test_each_sample_report_is_read_for_what_it_says():
    hard = parse(load("dsn-hard-verp.eml"))
    assert [(r.type, r.address, r.status) for r in hard] == [("hard", "membre0001@example.org", "5.1.1")]
    assert hard[0].verp == ("m-0001", bounces.plan_tag(PLAN)) and hard[0].message_id == "<m1.vivier@carrieres.cardamome.example>"
    assert "User unknown" in hard[0].detail
    disabled = parse(load("dsn-hard-by-message-id.eml"))
    assert [(r.type, r.status, r.message_id) for r in disabled] == [("hard", "5.2.1", "<m2.vivier@carrieres.cardamome.example>")]
    assert [r.type for r in parse(load("dsn-soft-mailbox-full.eml"))] == ["soft"]
    assert parse(load("dsn-delayed.eml")) == []  # a warning, not a bounce
    complaint = parse(load("arf-complaint.eml"))
    assert [(r.type, r.address, r.status) for r in complaint] == [("complaint", "membre0005@example.org", "abuse")]
    assert [r.message_id for r in parse(load("arf-redacted.eml"))] == ["<m6.vivier@carrieres.cardamome.example>"]
    assert parse(load("reply.eml")) == []


def vivier(*args, pool_path, **env):
    runner = CliRunner(env={"VIVIER_POOL": str(pool_path), "VIVIER_TODAY": TODAY.isoformat(), **env})
    return runner.invoke(cli, ["-s", str(ROOT / "pelicanconf.py"), *args], catch_exceptions=False)


def test_cli_import_from_an_mbox_suppresses_the_right_members_once(tmp_path, pool):
    source = mbox_of(tmp_path, ALL)
    result = vivier("bounces", "import", str(source), pool_path=pool)
    assert result.exit_code == 0, result.output
    assert "7 message(s)" in result.stdout and "2 not a bounce or complaint" in result.stdout
    assert "addresses suppressed now: 2 bounced, 2 complained" in result.stdout
    with Store(pool) as store:
        reasons = {n: (store.suppression_entry(mail) or {}).get("reason") for n, mail in EMAILS.items()}
        assert reasons == {1: "bounced", 2: "bounced", 3: None, 4: None, 5: "complained", 6: "complained", 7: None}
        assert store.suppression_entry(EMAILS[1]) == {"reason": "bounced", "at": "2026-12-02",
                                                       "detail": store.suppression_entry(EMAILS[1])["detail"]}
        assert store.suppression_entry(EMAILS[1])["detail"].startswith("5.1.1")
        soft = store.rows_about("m-0003")["bounces"]
        assert [(row["plan_id"], row["type"], row["status"]) for row in soft] == [(PLAN, "soft", "5.2.2")]
    again = vivier("bounces", "import", str(source), pool_path=pool)
    assert "addresses suppressed now: none" in again.stdout  # the same reports change nothing


def test_pool_export_shows_the_suppression_with_its_reason_and_date(tmp_path, pool):
    vivier("bounces", "import", str(REPORTS / "dsn-hard-verp.eml"), pool_path=pool)
    result = vivier("pool", "export", EMAILS[1], pool_path=pool)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["suppression"]["reason"] == "bounced" and data["suppression"]["at"] == "2026-12-02"
    assert data["records"]["bounces"][0]["status"] == "5.1.1"


def test_a_suppressed_address_is_skipped_by_the_next_send_of_any_kind(tmp_path, pool):
    with Store(pool) as store:
        store.suppress(address(2), "complained", TODAY, "abuse")
        from tests.delivery.test_sender import send

        with smtp_server() as (recorder, port):
            summary, _ = send(store, port, synthetic_items("2027-01-alerts", 4), "2027-01-alerts", kind="job_alert")
    assert summary.skipped == {"complained": 1} and summary.sent == 3
    assert address(2) not in recorder.recipients()


def test_a_maildir_and_an_imap_mailbox_give_the_same_result(tmp_path, pool):
    maildir = mailbox.Maildir(str(tmp_path / "Maildir"))
    for name in ALL:
        maildir.add((REPORTS / name).read_bytes())
    with Store(pool) as store:
        summary = apply(store, str(tmp_path / "Maildir"), TODAY, soft_limit=3, dry_run=True)
    assert summary.messages == 7 and summary.reports == {"hard": 2, "soft": 1, "complaint": 2}
    assert summary.unmatched == 0 and not summary.suppressed  # a dry run
    messages = [(REPORTS / name).read_bytes().replace(b"\n", b"\r\n") for name in ALL]
    with imap_server(messages, "bounces@cardamome.example", "imap-test-password") as (port, seen):
        result = vivier("bounces", "import", f"imap://bounces%40cardamome.example@127.0.0.1:{port}/INBOX", pool_path=pool,
                        VIVIER_IMAP_PASSWORD="imap-test-password")
    assert result.exit_code == 0, result.output
    assert "addresses suppressed now: 2 bounced, 2 complained" in result.stdout
    assert "EXAMINE" in seen and not {"STORE", "EXPUNGE", "SELECT"} & set(seen)  # read-only


def test_an_unreadable_source_is_named(tmp_path):
    Store(tmp_path / "pool.sqlite3").close()  # the store exists: only the source is wrong
    result = vivier("bounces", "import", "no/such/mbox", pool_path=tmp_path / "pool.sqlite3")
    assert result.exit_code == 1 and "no/such/mbox: no such file or folder" in result.stderr


def test_verp_envelopes_name_member_and_plan(tmp_path):
    with Store(tmp_path / "pool.sqlite3") as store, smtp_server() as (recorder, port):
        from tests.delivery.test_sender import send

        send(store, port, synthetic_items(PLAN, 2), PLAN, MAILING_VERP=True, MAILING_ENVELOPE_FROM="bounces@cardamome.example")
        senders = [mail_from for mail_from, _ in recorder.envelopes]
        assert senders == [f"bounces+m-000{n}.{bounces.plan_tag(PLAN)}@cardamome.example" for n in range(2)]
        assert bounces.parse_verp(senders[1]) == ("m-0001", bounces.plan_tag(PLAN))
        assert bounces.plan_for_tag(store, bounces.plan_tag(PLAN)) == PLAN


def test_cli_import_counts_the_reports_about_no_member_and_only_its_dry_run_lists_them(tmp_path, pool):
    gone = "ancienne.membre@example.com"  # a soft bounce for an address of no member, no known Message-ID
    text = (REPORTS / "dsn-soft-mailbox-full.eml").read_text(encoding="utf-8")
    text = text.replace("bounces+m-0003.93b049ea@", "bounces@").replace("membre0003@example.com", gone)
    box = mailbox.mbox(str(tmp_path / "bounces.mbox"))
    box.add(email.message_from_string(text, policy=email.policy.compat32))
    box.flush()
    imported = vivier("bounces", "import", str(tmp_path / "bounces.mbox"), pool_path=pool)
    assert imported.exit_code == 0, imported.output
    assert "1 report(s) not read or about no member" in imported.output and gone not in imported.output
    listed = vivier("bounces", "import", str(tmp_path / "bounces.mbox"), "--dry-run", pool_path=pool)
    assert listed.exit_code == 0 and gone in listed.output
