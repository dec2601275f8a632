"""The sender against a real aiosmtpd server on 127.0.0.1: once per member, whatever happens."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mailing.delivery.config import load_config
from mailing.delivery.ledger import DEFERRED, FAILED, SENT, UNKNOWN, Ledger
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
def store(store_location):
    with Store(store_location) as opened:
        yield opened


def config(port, **extra):
    settings = {"MAILING_SMTP_HOST": "127.0.0.1", "MAILING_SMTP_PORT": port, "MAILING_SMTP_SECURITY": "none",
                "MAILING_RATE": 1000, "MAILING_RETRIES": 2, "MAILING_BACKOFF": 0.01, "MAILING_SMTP_TIMEOUT": 5}
    settings.update(extra)
    return load_config(settings, environ={})


def send(store, port, items, plan=PLAN, *, kind="newsletter", retry_failed=False, resend_unknown=False, **extra):
    """One real send through the sender, the way `vivier send` wires it (one connection unless asked)."""
    cfg = config(port, **extra)
    ledger = Ledger(store, plan, retry_failed=retry_failed, resend_unknown=resend_unknown, lease=cfg.lease)
    with SmtpTransport(cfg) as transport:
        sender = Sender(transport, ledger, kind=kind, limiter=RateLimiter(cfg.rate), retries=cfg.retries,
                        backoff=cfg.backoff, backoff_max=cfg.backoff_max, soft_bounce_limit=cfg.soft_bounce_limit,
                        envelope_from=cfg.envelope_from, verp=cfg.verp)
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


def test_connection_closed_after_the_message_is_unknown_and_not_retried(server, store):
    """The relay got the final dot and the connection died before its answer: it may have queued it."""
    recorder, port = server
    recorder.script[address(4)] = ["keep-drop"]  # kept, never answered
    recorder.script[address(6)] = ["drop"]  # lost, never answered: the client cannot tell the two apart
    summary, transport = send(store, port, synthetic_items(PLAN, 8))
    assert (summary.sent, summary.unknown, summary.aborted) == (6, 2, "")
    assert recorder.data_attempts[address(4)] == 1 and recorder.data_attempts[address(6)] == 1  # not retried at once
    assert transport.connections == 3  # the send went on over a fresh connection each time
    ledger = Ledger(store, PLAN)
    assert ledger.status(member_id(4)) == ledger.status(member_id(6)) == UNKNOWN
    again, _ = send(store, port, synthetic_items(PLAN, 8))
    assert again.sent == 0 and again.already == {SENT: 6, UNKNOWN: 2}
    assert recorder.recipients()[address(4)] == 1 and address(6) not in recorder.recipients()
    # the operator decides: resend the unknown ones, with the same Message-ID
    resent, _ = send(store, port, synthetic_items(PLAN, 8), resend_unknown=True)
    assert resent.sent == 2
    assert recorder.message_ids()[f"<{PLAN}.{member_id(4)}@carrieres.cardamome.example>"] == 2
    assert recorder.recipients()[address(6)] == 1
    assert Ledger(store, PLAN).counts() == {SENT: 8}


def test_server_closing_idle_connections_is_transparent(server, store):
    recorder, port = server
    recorder.drop_after = 3  # closes the channel at the 4th MAIL FROM of a session
    summary, transport = send(store, port, synthetic_items(PLAN, 10))
    assert summary.sent == 10
    assert_once_each(recorder, 10)
    assert transport.connections >= 4


def test_451_then_250_is_retried_later_and_delivered_once(server, store):
    recorder, port = server
    recorder.script[address(2)] = ["451"]
    summary, _ = send(store, port, synthetic_items(PLAN, 4))
    assert summary.sent == 4 and summary.deferred == 0 and summary.retried == 1
    assert recorder.data_attempts[address(2)] == 2
    assert_once_each(recorder, 4)
    assert Ledger(store, PLAN).get(member_id(2)).attempts == 2
    # the deferred one did not hold the others up: it went out after them
    assert [rcpts[0] for _, rcpts in recorder.envelopes][-1] == address(2)


def test_greylisted_recipients_wait_in_a_queue_while_the_rest_flows(server, store):
    """6 % of the recipients greylisted at RCPT TO: everyone else goes out in the first pass."""
    recorder, port = server
    grey = {address(n) for n in range(0, 50, 17)}  # 3 of 50
    for rcpt in grey:
        recorder.rcpt_script[rcpt] = ["450 4.2.0 Recipient address rejected: Greylisted, try again later"]
    summary, _ = send(store, port, synthetic_items(PLAN, 50), MAILING_BACKOFF=0.2)
    assert summary.sent == 50 and summary.deferred == 0 and summary.retried == 3
    assert_once_each(recorder, 50)
    log = recorder.rcpt_log
    first_tries = [rcpt for n, rcpt in enumerate(log) if rcpt not in log[:n]]
    assert first_tries == [address(n) for n in range(50)]  # the plan flowed in order, nobody waited on a deferral
    for rcpt in grey:
        first, retry = [n for n, seen in enumerate(log) if seen == rcpt]
        assert retry > first + 1  # retried later, others sent in between


def test_persistent_deferral_says_when_to_run_again_then_the_rerun_sends(server, store):
    recorder, port = server
    recorder.script[address(1)] = ["451", "451", "451"]  # three tries: first + 2 retries
    before = time.time()
    summary, _ = send(store, port, synthetic_items(PLAN, 3))
    assert summary.sent == 2 and summary.deferred == 1 and not summary.ok
    assert summary.retry_at is not None and summary.retry_at > before
    entry = Ledger(store, PLAN).get(member_id(1))
    assert entry.status == DEFERRED and entry.last_error.startswith("451") and entry.retry_after
    summary, _ = send(store, port, synthetic_items(PLAN, 3))
    assert summary.sent == 1 and summary.already == {SENT: 2}
    assert_once_each(recorder, 3)


def test_550_is_failed_suppressed_for_every_kind_and_never_retried(server, store):
    recorder, port = server
    recorder.script[address(0)] = ["550"]
    summary, _ = send(store, port, synthetic_items(PLAN, 3))
    assert summary.failed == 1 and summary.sent == 2 and summary.suppressed == {"bounced": 1}
    assert summary.problems == [(member_id(0), FAILED, "550 5.1.1 No such user here")]
    assert recorder.data_attempts[address(0)] == 1
    again, _ = send(store, port, synthetic_items(PLAN, 3))
    assert again.already == {SENT: 2, FAILED: 1} and again.sent == 0
    assert recorder.data_attempts[address(0)] == 1
    # a failed message is not counted in the budget
    assert store.messages_since(member_id(0), "2000-01-01") == []
    entry = store.suppression_entry(address(0))
    assert entry["reason"] == "bounced" and "5.1.1" in entry["detail"] and entry["at"]
    # the next campaign, whatever its kind, leaves the address out
    later, _ = send(store, port, synthetic_items("2027-01-invitations", 3), "2027-01-invitations", kind="invitation")
    assert later.skipped == {"bounced": 1} and later.sent == 3 - 1
    assert recorder.data_attempts[address(0)] == 1


def test_a_full_mailbox_suppresses_only_after_soft_bounces_in_a_row(server, store):
    recorder, port = server
    recorder.rcpt_script[address(0)] = ["552 5.2.2 Mailbox full"] * 3
    for n, plan in enumerate(["p-1", "p-2", "p-3"], start=1):
        summary, _ = send(store, port, synthetic_items(plan, 2), plan, MAILING_SOFT_BOUNCE_LIMIT=3)
        assert summary.failed == 1
        assert (store.suppression_entry(address(0)) is None) == (n < 3)
    assert store.suppression_entry(address(0))["reason"] == "bounced"


def test_retry_failed_after_a_mistake_lifts_what_those_refusals_caused(server, store):
    recorder, port = server
    recorder.script[address(1)] = ["550"]
    send(store, port, synthetic_items(PLAN, 3))
    assert store.suppression_entry(address(1))["reason"] == "bounced"
    from mailing.delivery.bounces import forgive

    assert forgive(store, PLAN) == 1  # what `vivier send --retry-failed` does first
    summary, _ = send(store, port, synthetic_items(PLAN, 3), retry_failed=True)
    assert summary.sent == 1 and summary.already == {SENT: 2}
    assert_once_each(recorder, 3)
    assert store.suppression_entry(address(1)) is None


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
