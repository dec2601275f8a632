"""`vivier daily` on a private copy of the sample against a real SMTP relay on 127.0.0.1."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from mailing import daily as run
from tests.conftest import ROOT
from tests.delivery.smtpserver import smtp_server
from tests.mailing.test_engine import World


def _relay_settings(world, port):
    with open(world.conf, "a") as conf:
        conf.write(f"MAILING_SMTP_HOST = '127.0.0.1'\nMAILING_SMTP_PORT = {port}\nMAILING_SMTP_SECURITY = 'none'\n"
                   "MAILING_RATE = 1000\nMAILING_RETRIES = 0\n")


def _ledger(world) -> dict[str, int]:
    with sqlite3.connect(world.pool) as conn:
        return dict(conn.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall())


def test_daily_sends_once_resumes_after_a_relay_error_and_reports_counts_only(tmp_path):
    world = World(tmp_path)
    with smtp_server() as (recorder, port):
        _relay_settings(world, port)
        recorder.mail_reply = lambda accepted: "530"  # the relay refuses the session: auth required
        first = world.vivier("daily")
        assert first.returncode == run.EX_SESSION, first.stdout + first.stderr
        assert recorder.messages == []
        assert "session-error" in first.stdout

        recorder.mail_reply = None  # fixed: the next run sends what is pending
        second = world.vivier("daily")
        assert second.returncode == run.EX_OK, second.stdout + second.stderr
        sent_once = recorder.recipients()  # a member may be in several plans (newsletter, invitation…)
        assert sent_once and max(recorder.message_ids().values()) == 1  # each (plan, member) message once
        assert _ledger(world).get("sent") == len(recorder.messages)  # 0 lost: every send the ledger knows was received
        assert "claimed" not in _ledger(world) and "unknown" not in _ledger(world)

        third = world.vivier("daily")  # the same day again: nothing new
        assert third.returncode == run.EX_OK, third.stdout + third.stderr
        assert recorder.recipients() == sent_once and max(recorder.message_ids().values()) == 1

    reports = tmp_path / "reports"
    for name in (f"{path.name}" for path in reports.iterdir()):
        assert stat.S_IMODE((reports / name).stat().st_mode) == 0o600
    report_file = next(reports.glob("daily-*.json"))
    report = json.loads(report_file.read_text())
    assert report["exit"] == 0 and report["counts"]["plans"] >= 1
    assert report["counts"]["plans sent"] == report["counts"]["plans"]
    assert "@" not in report_file.read_text() and "@" not in next(reports.glob("daily-*.txt")).read_text()
    assert list((tmp_path / "backups").glob("pool-*.sqlite3"))


def test_a_second_daily_while_one_holds_the_store_is_refused_and_does_nothing(tmp_path):
    world = World(tmp_path)
    with smtp_server() as (recorder, port):
        _relay_settings(world, port)
        with run.store_lock(world.pool):  # another run holds the store (a real OS lock, another process)
            refused = world.vivier("daily")
        assert refused.returncode == run.EX_LOCKED, refused.stdout + refused.stderr
        assert "another `vivier daily`" in refused.stderr
        assert recorder.messages == [] and not world.outbox.exists()
        assert "deliveries" not in _tables(world) or _ledger(world) == {}


def test_two_dailies_started_together_one_runs_one_is_refused_nothing_doubled(tmp_path):
    # Two real processes (a timer and an operator's hand, say), started at the same moment.
    world = World(tmp_path)
    with smtp_server() as (recorder, port):
        _relay_settings(world, port)
        command = [sys.executable, "-m", "vivier", "--settings", str(world.conf), "daily"]
        env = {**os.environ, **world.env}
        both = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        results = [(process.wait(timeout=600), *process.communicate()) for process in both]
    codes = sorted(code for code, _, _ in results)
    assert codes == [run.EX_OK, run.EX_LOCKED], [(code, out[-500:], err[-500:]) for code, out, err in results]
    refused = next(err for code, _, err in results if code == run.EX_LOCKED)
    assert "another `vivier daily`" in refused
    assert recorder.messages and max(recorder.message_ids().values()) == 1  # every message once
    assert _ledger(world).get("sent") == len(recorder.messages) and set(_ledger(world)) <= {"sent", "skipped"}


def _tables(world) -> set[str]:
    with sqlite3.connect(world.pool) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.mark.parametrize("outcomes, code", [
    ([], run.EX_OK), (["done", "withdrawn", "skipped"], run.EX_OK), (["done", "refused"], run.EX_PARTIAL), (["done", "session-error", "refused"], run.EX_SESSION),
    (["content-error"], run.EX_CONTENT), (["failed", "later"], run.EX_STEP),
])
def test_the_most_serious_outcome_gives_the_exit_code(outcomes, code):
    assert run.exit_code([{"step": "x", "outcome": outcome} for outcome in outcomes]) == code
