"""A relay that misbehaves the way real ones do, counted from the relay's side: nobody lost, nobody doubled.

Session errors (the relay refuses the send, not a recipient) must stop the
send and leave everyone not delivered pending, so that the same run after the
fix reaches them; claims must keep a second sender off a member.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mailing.delivery.ledger import CLAIMED, SENT, UNKNOWN, Ledger
from mailing.delivery.smtp import MAIL, RCPT, Result, TransportError, classify
from talentpool.store import Store
from tests.delivery.messages import address, member_id, synthetic_items
from tests.delivery.smtpserver import refusing_greeter, smtp_server
from tests.delivery.test_sender import PLAN, assert_once_each, send

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(store_location):
    with Store(store_location) as opened:
        yield opened


def assert_stopped_with_nobody_failed(summary, store, sent, code):
    assert summary.aborted and str(code) in summary.aborted
    assert summary.sent == sent and summary.failed == 0 and summary.deferred == 0
    counts = Ledger(store, PLAN).counts()
    assert counts.get(SENT, 0) == sent and set(counts) <= {SENT, "pending"}  # the others: no row, or pending


def test_530_at_mail_from_stops_at_once_then_the_fixed_rerun_reaches_everyone(store):
    with smtp_server() as (recorder, port):
        recorder.mail_reply = lambda accepted: "530"  # credentials forgotten
        summary, _ = send(store, port, synthetic_items(PLAN, 30))
        assert_stopped_with_nobody_failed(summary, store, 0, 530)
        assert "VIVIER_SMTP_USER" in summary.aborted and not summary.temporary
        assert recorder.rcpt_log == []  # not one recipient was even tried
        recorder.mail_reply = None  # fixed
        again, _ = send(store, port, synthetic_items(PLAN, 30))
    assert again.sent == 30 and again.ok
    assert_once_each(recorder, 30)


@pytest.mark.parametrize("where, reply", [
    ("mail", "552 5.2.2 Daily sending quota exceeded for this account"),
    ("mail", "451 4.3.2 Throttling failure: Maximum sending rate exceeded"),
    ("rcpt", "550 5.4.5 Daily user sending limit exceeded"),
    ("rcpt", "550 Daily quota exceeded"),  # no enhanced code: the words say it is about the account
    ("rcpt", "421 4.7.0 Too many messages, closing connection"),
    ("data", "552 5.2.2 Quota exceeded for this account"),
    ("data", "554 5.7.1 Message rejected: domain not verified"),
])
def test_quota_or_policy_after_n_messages_stops_and_the_rest_stays_pending(store, where, reply):
    quota = 7
    with smtp_server() as (recorder, port):
        refuse = lambda accepted: reply if accepted >= quota else None  # noqa: E731
        if where == "mail":
            recorder.mail_reply = refuse
        elif where == "data":
            recorder.data_reply = refuse
        else:
            for n in range(quota, 20):
                recorder.rcpt_script[address(n)] = [reply]
        summary, _ = send(store, port, synthetic_items(PLAN, 20))
        assert_stopped_with_nobody_failed(summary, store, quota, reply.split()[0])
        assert summary.temporary == reply.startswith("4")
        assert store.suppression_entry(address(quota)) is None  # not taken for a bounce
        recorder.mail_reply = recorder.data_reply = None
        recorder.rcpt_script.clear()
        again, _ = send(store, port, synthetic_items(PLAN, 20))
    assert again.sent == 20 - quota and again.already == {SENT: quota}
    assert_once_each(recorder, 20)


def test_554_at_greeting_and_a_refused_connection_stop_the_send(store):
    with refusing_greeter() as port:
        summary, _ = send(store, port, synthetic_items(PLAN, 5))
    assert "554" in summary.aborted and "greeting" in summary.aborted and not summary.temporary
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    summary, _ = send(store, dead_port, synthetic_items(PLAN, 5))
    assert "cannot connect" in summary.aborted and summary.temporary and summary.sent == 0
    assert Ledger(store, PLAN).counts() == {}
    with smtp_server() as (recorder, port):
        summary, _ = send(store, port, synthetic_items(PLAN, 5))
    assert summary.sent == 5
    assert_once_each(recorder, 5)


def test_a_relay_refusing_every_recipient_is_stopped_before_it_fails_the_whole_plan(store):
    with smtp_server() as (recorder, port):
        for n in range(40):
            recorder.rcpt_script[address(n)] = ["550 5.1.1 Recipient address rejected"]
        summary, _ = send(store, port, synthetic_items(PLAN, 40))
    assert summary.aborted and "in a row" in summary.aborted and "--retry-failed" in summary.aborted
    assert summary.failed == 10 and Ledger(store, PLAN).counts() == {"failed": 10}


@pytest.mark.parametrize("stage, code, text, outcome", [
    (RCPT, 550, "5.1.1 <x@example.org>: Recipient address rejected: User unknown", "refused"),
    (RCPT, 550, "Mailbox unavailable", "refused"),
    (RCPT, 450, "4.2.0 Greylisted", "deferred"),
    (RCPT, 452, "4.2.2 Mailbox full", "deferred"),
    (RCPT, 552, "5.2.2 Mailbox full", "refused"),
    ("end of data", 550, "5.1.1 No such user", "refused"),
    ("end of data", 451, "4.7.1 Greylisted, try again", "deferred"),
    (MAIL, 550, "5.1.0 Sender address rejected", None),
    (MAIL, 451, "4.3.0 Try later", None),
    (RCPT, 554, "5.7.1 Relay access denied", None),
    (RCPT, 530, "5.7.0 Authentication required", None),
    ("end of data", 552, "5.2.2 Quota exceeded", None),
    ("end of data", 550, "Message refused", None),
    ("end of data", 554, "5.6.0 Content rejected", None),
])
def test_classification_by_stage_and_enhanced_code(stage, code, text, outcome):
    if outcome is None:
        with pytest.raises(TransportError):
            classify(stage, code, text)
    else:
        assert classify(stage, code, text).outcome == outcome


def test_only_address_problems_are_hard_bounces():
    assert Result("refused", 550, "5.1.1 User unknown").hard
    assert Result("refused", 550, "5.2.1 Account disabled").hard
    assert not Result("refused", 552, "5.2.2 Mailbox full").hard
    assert not Result("refused", 550, "Mailbox unavailable").hard


def test_a_live_claim_of_another_sender_is_left_alone_and_a_dead_one_becomes_unknown(store):
    other = Ledger(store, PLAN)  # another sender of this process: alive
    assert other.claim(member_id(1), "<m1@x>")
    with store.transaction() as conn:  # a sender on this host whose process is gone, mid-DATA
        conn.execute("INSERT INTO deliveries(plan_id, member_id, message_id, status, attempts, created, updated, owner, lease)"
                     " VALUES (:plan, :member, '<m3@x>', :status, 1, '', '', :owner, '9999-01-01T00:00:00+00:00')",
                     {"plan": PLAN, "member": member_id(3), "status": CLAIMED,
                      "owner": f"{socket.gethostname()}:{2 ** 22 + 12345}:dead"})
    with smtp_server() as (recorder, port):
        summary, _ = send(store, port, synthetic_items(PLAN, 5))
    assert (summary.sent, summary.busy, summary.unknown) == (3, 1, 1)
    assert address(1) not in recorder.recipients() and address(3) not in recorder.recipients()
    ledger = Ledger(store, PLAN)
    assert ledger.status(member_id(1)) == CLAIMED and ledger.status(member_id(3)) == UNKNOWN
    assert not summary.ok


def _drive(store_path, port, count, *extra):
    return subprocess.Popen([sys.executable, str(ROOT / "tests/delivery/drive.py"), str(store_path), str(port), str(count),
                             PLAN, *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("kill_at, where", [(0, "mail"), (4, "mail"), (3, "data"), (9, "data")])
def test_killed_process_then_rerun_reaches_everyone_once(tmp_path, kill_at, where):
    """SIGKILL the sending process at MAIL FROM (nothing claimed) or inside DATA (claimed, kept, no 250 heard)."""
    store_path = tmp_path / "pool.sqlite3"
    count = 10
    with smtp_server() as (recorder, port):
        proc = None

        def kill():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)

        if where == "mail":
            recorder.on_mail = lambda received: kill() if received == kill_at and recorder.on_mail else None
        else:
            recorder.script[address(kill_at)] = [kill]
        proc = _drive(store_path, port, count)
        proc.wait(60)
        assert proc.returncode == -signal.SIGKILL
        recorder.on_mail = None
        rerun = _drive(store_path, port, count)
        out, err = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, err
    received = recorder.recipients()
    assert all(n == 1 for n in received.values())  # nobody twice
    with Store(store_path) as store:
        counts = Ledger(store, PLAN).counts()
    if where == "mail":
        assert set(received) == {address(n) for n in range(count)} and counts == {SENT: count}
        assert "unknown=0" in out
    else:
        # the killed transaction reached the relay: reported unknown by the rerun, not sent again
        assert set(received) == {address(n) for n in range(count)}
        assert counts == {SENT: count - 1, UNKNOWN: 1} and "unknown=1" in out
