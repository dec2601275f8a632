"""The sender against a real aiosmtpd server on 127.0.0.1: once per member, whatever happens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mailing.delivery.config import load_config
from mailing.delivery.ledger import DEFERRED, FAILED, SENT, Ledger
from mailing.delivery.ratelimit import RateLimiter
from mailing.delivery.sender import Outgoing, Sender, Skip
from mailing.delivery.smtp import SmtpTransport
from talentpool.store import Store
from tests.delivery.messages import address, member_id, message, synthetic_items
from tests.delivery.smtpserver import smtp_server

ROOT = Path(__file__).resolve().parents[2]
PLAN = "2026-11-talents"


@pytest.fixture
def server():
    with smtp_server() as running:
        yield running


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "pool.sqlite3") as opened:
        yield opened


def config(port, **extra):
    settings = {"MAILING_SMTP_HOST": "127.0.0.1", "MAILING_SMTP_PORT": port, "MAILING_SMTP_SECURITY": "none",
                "MAILING_RATE": 1000, "MAILING_RETRIES": 2, "MAILING_BACKOFF": 0.01, "MAILING_SMTP_TIMEOUT": 5}
    settings.update(extra)
    return load_config(settings, environ={})


def send(store, port, items, plan=PLAN, **extra):
    cfg = config(port, **extra)
    with SmtpTransport(cfg) as transport:
        sender = Sender(transport, Ledger(store, plan), kind="newsletter", limiter=RateLimiter(cfg.rate),
                        retries=cfg.retries, backoff=cfg.backoff, backoff_max=cfg.backoff_max)
        summary = sender.run(items)
    return summary, transport


def assert_once_each(recorder, count):
    assert recorder.recipients() == {address(n): 1 for n in range(count)}
    assert all(n == 1 for n in recorder.message_ids().values())


def test_one_message_per_member_over_one_reused_connection(server, store):
    recorder, port = server
    summary, transport = send(store, port, synthetic_items(PLAN, 12))
    assert summary.sent == 12 and summary.ok
    assert_once_each(recorder, 12)
    assert transport.connections == 1
    assert Ledger(store, PLAN).counts() == {SENT: 12}
    # each message counts in the member's frequency budget, once
    assert [kind for kind, plan, _ in store.messages_since(member_id(3), "2000-01-01")] == ["newsletter"]
    # the envelope sender is the From address, one recipient per transaction
    assert recorder.envelopes[0] == ("carrieres@cardamome.example", [address(0)])


def test_a_rerun_sends_nothing_twice(server, store):
    recorder, port = server
    send(store, port, synthetic_items(PLAN, 5))
    summary, _ = send(store, port, synthetic_items(PLAN, 5))
    assert summary.sent == 0 and summary.already == {SENT: 5}
    assert_once_each(recorder, 5)


def test_connection_dropped_mid_message_is_resent_once(server, store):
    recorder, port = server
    recorder.script[address(4)] = ["drop"]
    summary, transport = send(store, port, synthetic_items(PLAN, 8))
    assert summary.sent == 8 and summary.ok
    assert_once_each(recorder, 8)
    assert recorder.data_attempts[address(4)] == 2
    assert transport.connections == 2
    assert Ledger(store, PLAN).get(member_id(4)).status == SENT


def test_server_closing_idle_connections_is_transparent(server, store):
    recorder, port = server
    recorder.drop_after = 3  # closes the channel at the 4th MAIL FROM of a session
    summary, transport = send(store, port, synthetic_items(PLAN, 10))
    assert summary.sent == 10
    assert_once_each(recorder, 10)
    assert transport.connections >= 4


def test_451_then_250_is_retried_and_delivered_once(server, store):
    recorder, port = server
    recorder.script[address(2)] = ["451"]
    summary, _ = send(store, port, synthetic_items(PLAN, 4))
    assert summary.sent == 4 and summary.deferred == 0
    assert recorder.data_attempts[address(2)] == 2
    assert_once_each(recorder, 4)
    assert Ledger(store, PLAN).get(member_id(2)).attempts == 2


def test_persistent_451_is_deferred_then_sent_by_the_rerun(server, store):
    recorder, port = server
    recorder.script[address(1)] = ["451", "451", "451"]  # three attempts: first + 2 retries
    summary, _ = send(store, port, synthetic_items(PLAN, 3))
    assert summary.sent == 2 and summary.deferred == 1 and not summary.ok
    entry = Ledger(store, PLAN).get(member_id(1))
    assert entry.status == DEFERRED and entry.last_error.startswith("451")
    summary, _ = send(store, port, synthetic_items(PLAN, 3))
    assert summary.sent == 1 and summary.already == {SENT: 2}
    assert_once_each(recorder, 3)


def test_550_is_failed_and_never_retried(server, store):
    recorder, port = server
    recorder.script[address(0)] = ["550"]
    summary, _ = send(store, port, synthetic_items(PLAN, 3))
    assert summary.failed == 1 and summary.sent == 2
    assert summary.problems == [(member_id(0), FAILED, "550 5.1.1 No such user here")]
    assert recorder.data_attempts[address(0)] == 1
    again, _ = send(store, port, synthetic_items(PLAN, 3))
    assert again.already == {SENT: 2, FAILED: 1} and again.sent == 0
    assert recorder.data_attempts[address(0)] == 1
    # a failed message is not counted in the budget
    assert store.messages_since(member_id(0), "2000-01-01") == []


def test_crash_after_acceptance_resends_only_that_message_with_the_same_message_id(server, store, monkeypatch):
    """The one unavoidable window: 250 received, crash before the ledger commit."""
    recorder, port = server
    real = Ledger.sent
    calls = {"n": 0}

    def crashing(self, member, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed between the 250 and the commit")
        return real(self, member, **kw)

    monkeypatch.setattr(Ledger, "sent", crashing)
    with pytest.raises(KeyboardInterrupt):
        send(store, port, synthetic_items(PLAN, 6))
    monkeypatch.setattr(Ledger, "sent", real)
    assert Ledger(store, PLAN).get(member_id(2)).status == "pending"
    summary, _ = send(store, port, synthetic_items(PLAN, 6))
    assert summary.sent == 4 and summary.already == {SENT: 2}
    assert set(recorder.recipients()) == {address(n) for n in range(6)}
    assert recorder.recipients()[address(2)] == 2  # resent, in the window only…
    ids = recorder.message_ids()
    assert len(ids) == 6 and ids[f"<{PLAN}.{member_id(2)}@carrieres.cardamome.example>"] == 2  # …with the same Message-ID


def _drive(store_path, port, count, plan=PLAN):
    return subprocess.Popen([sys.executable, str(ROOT / "tests/delivery/drive.py"), str(store_path), str(port), str(count), plan],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("kill_at, where", [(0, "mail"), (4, "mail"), (3, "data"), (9, "data")])
def test_killed_process_then_rerun_reaches_everyone_once(tmp_path, kill_at, where):
    """SIGKILL the sending process at MAIL FROM (nothing accepted) or inside DATA (accepted, no 250 heard)."""
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
    assert set(received) == {address(n) for n in range(count)}  # nobody missed
    ids = recorder.message_ids()
    assert len(ids) == count
    if where == "mail":
        assert all(n == 1 for n in received.values())  # nobody twice
    else:
        # the killed transaction had reached the server: the one resend carries the same Message-ID
        assert [a for a, n in received.items() if n > 1] == [address(kill_at)]
        assert max(ids.values()) == 2
    with Store(store_path) as store:
        assert Ledger(store, PLAN).counts() == {SENT: count}


def test_unreachable_server_stops_the_send_and_a_rerun_finishes(store, tmp_path):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    summary, _ = send(store, dead_port, synthetic_items(PLAN, 10), MAILING_RETRIES=0)
    assert summary.aborted and "could not be reached" in summary.aborted
    assert summary.sent == 0 and summary.deferred == 3  # stopped after three in a row
    with smtp_server() as (recorder, port):
        summary, _ = send(store, port, synthetic_items(PLAN, 10))
    assert summary.sent == 10
    assert_once_each(recorder, 10)


def test_reconnects_after_max_messages_per_connection(server, store):
    recorder, port = server
    summary, transport = send(store, port, synthetic_items(PLAN, 7), MAILING_SMTP_MAX_PER_CONNECTION=3)
    assert summary.sent == 7 and transport.connections == 3
    assert_once_each(recorder, 7)


def test_skips_are_recorded_with_their_reason_and_rechecked_later(server, store):
    recorder, port = server
    items = [message(PLAN, 0), Skip(member_id(1), "unsubscribed"), message(PLAN, 2)]
    summary, _ = send(store, port, items)
    assert summary.sent == 2 and summary.skipped == {"unsubscribed": 1}
    assert Ledger(store, PLAN).get(member_id(1)).last_error == "unsubscribed"
    summary, _ = send(store, port, [message(PLAN, 0), message(PLAN, 1), message(PLAN, 2)])
    assert summary.sent == 1  # skipped is not final: a later run re-decides


def test_an_address_with_a_line_break_is_never_sent(server, store):
    recorder, port = server
    good = message(PLAN, 0)
    evil = Outgoing(member_id(1), "<x@y>", good.data, "victim@example.org\r\nRCPT TO:<other@example.org>")
    summary, _ = send(store, port, [evil, message(PLAN, 2)])
    assert summary.failed == 1 and summary.sent == 1
    assert recorder.recipients() == {address(2): 1}
