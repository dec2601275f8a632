"""Several connections at once (MAILING_SMTP_CONNECTIONS): still exactly once per member, counted at the relay."""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest

from mailing.delivery.ledger import SENT, UNKNOWN, Ledger
from mailing.delivery.ratelimit import DomainRates, RateLimiter
from mailing.delivery.sender import Channel, Sender
from mailing.delivery.smtp import SmtpTransport
from talentpool.store import Store
from tests.delivery.messages import address, synthetic_items
from tests.delivery.smtpserver import smtp_server
from tests.delivery.test_faults import _drive
from tests.delivery.test_sender import PLAN, assert_once_each, config

ROOT = Path(__file__).resolve().parents[2]


def send_parallel(store_path, port, items, connections=4, **extra):
    cfg = config(port, MAILING_SMTP_CONNECTIONS=connections, **extra)
    opened = []

    @contextmanager
    def open_channel():
        with Store(store_path) as store, SmtpTransport(cfg) as transport:
            opened.append(transport)
            yield Channel(transport, Ledger(store, PLAN, lease=cfg.lease))

    with Store(store_path) as store, SmtpTransport(cfg) as transport:
        sender = Sender(transport, Ledger(store, PLAN, lease=cfg.lease), kind="newsletter", limiter=RateLimiter(cfg.rate),
                        retries=cfg.retries, backoff=cfg.backoff, connections=cfg.connections, open_channel=open_channel)
        summary = sender.run(items)
    return summary, opened


def test_four_connections_send_each_member_once(store_location):
    with smtp_server() as (recorder, port):
        recorder.queue_delay = 0.01
        recorder.script[address(7)] = ["451"]  # one retry goes through the queue too
        summary, opened = send_parallel(store_location, port, synthetic_items(PLAN, 60))
    assert summary.sent == 60 and summary.ok and summary.retried == 1
    assert_once_each(recorder, 60)
    assert len(opened) == 4 and all(t.connections >= 1 for t in opened)  # every connection carried messages
    with Store(store_location) as store:
        assert Ledger(store, PLAN).counts() == {SENT: 60}


def test_a_session_error_stops_every_connection_and_the_rerun_finishes(store_location):
    with smtp_server() as (recorder, port):
        recorder.mail_reply = lambda accepted: "552" if accepted >= 20 else None
        summary, _ = send_parallel(store_location, port, synthetic_items(PLAN, 60))
        assert summary.aborted and "552" in summary.aborted and summary.failed == 0
        assert 20 <= summary.sent <= 20 + 3  # the other connections finish the transaction they were in
        recorder.mail_reply = None
        again, _ = send_parallel(store_location, port, synthetic_items(PLAN, 60))
    assert again.sent == 60 - summary.sent and again.already == {SENT: summary.sent}
    assert_once_each(recorder, 60)


def test_two_parallel_senders_at_once_share_the_members_without_doubles(store_location):
    store_path = store_location
    with smtp_server() as (recorder, port):
        recorder.queue_delay = 0.02
        runs = [_drive(store_path, port, 80, "4"), _drive(store_path, port, 80, "4")]
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs
        last = _drive(store_path, port, 80, "4")
        last.communicate(timeout=120)
    assert_once_each(recorder, 80)


def test_killed_parallel_send_leaves_at_most_one_unknown_per_connection(store_location):
    store_path = store_location
    with smtp_server() as (recorder, port):
        recorder.queue_delay = 0.05
        proc = None

        def kill(received):
            if received >= 25 and proc.poll() is None:  # concurrent sessions may skip a count
                os.kill(proc.pid, signal.SIGKILL)

        recorder.on_mail = kill
        proc = _drive(store_path, port, 60, "4")
        proc.wait(120)
        assert proc.returncode == -signal.SIGKILL
        recorder.on_mail = None
        rerun = _drive(store_path, port, 60, "4")
        out, err = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, err
    received = recorder.recipients()
    assert all(count == 1 for count in received.values())
    with Store(store_path) as store:
        ledger = Ledger(store, PLAN)
        unknown = {entry.member_id for entry in ledger.entries(UNKNOWN)}
        assert ledger.counts().get(SENT, 0) + len(unknown) == 60
    assert len(unknown) <= 4 and f"unknown={len(unknown)}" in out
    assert len(received) >= 60 - len(unknown)  # everyone else was received, once


def test_per_domain_rate_paces_each_domain_on_its_own():
    clock = {"t": 0.0}
    sleeps = []

    def sleep(seconds):
        sleeps.append(round(seconds, 6))

    rates = DomainRates(2, clock=lambda: clock["t"], sleep=sleep)
    for domain in ("example.org", "example.org", "example.com", "example.org"):
        rates.wait(domain)
    assert sleeps == [0.5, 1.0]  # the second and third to example.org wait; example.com does not


@pytest.mark.parametrize("connections", [1, 4])
def test_settings_accept_connections_and_domain_rate(connections):
    from mailing.delivery.config import load_config

    cfg = load_config({"MAILING_SMTP_CONNECTIONS": connections, "MAILING_DOMAIN_RATE": 5}, environ={})
    assert cfg.connections == connections and cfg.domain_rate == 5
