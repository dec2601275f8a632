"""`vivier daily` on a private copy of the sample against a real SMTP relay on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys

import pytest

from mailing import daily as run
from tests.conftest import ROOT
from talentpool.store import Store
from tests.delivery.smtpserver import smtp_server
from tests.mailing.test_engine import World


def _relay_settings(world, port):
    with open(world.conf, "a") as conf:
        conf.write(f"MAILING_SMTP_HOST = '127.0.0.1'\nMAILING_SMTP_PORT = {port}\nMAILING_SMTP_SECURITY = 'none'\n"
                   "MAILING_RATE = 1000\nMAILING_RETRIES = 0\n")


def _ledger(world) -> dict[str, int]:
    with Store(world.pool, create=False) as store:
        return dict(store.connection.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status").fetchall())


def test_daily_sends_once_resumes_after_a_relay_error_and_reports_counts_only(tmp_path, store_location):
    world = World(tmp_path, store_location)
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
    runs = sorted(reports.glob("daily-*.json"))  # one report per run: none overwritten
    assert len(runs) == 3 and len(list(reports.glob("daily-*.txt"))) == 3
    assert [json.loads(path.read_text())["exit"] for path in runs] == [run.EX_SESSION, run.EX_OK, run.EX_OK]
    report = json.loads(runs[-1].read_text())
    assert report["exit"] == 0 and report["counts"]["plans"] >= 1
    assert report["counts"]["plans sent"] == report["counts"]["plans"]
    assert not any("@" in path.read_text() for path in reports.glob("daily-*"))
    backups = list((tmp_path / "backups").glob("*.sqlite3"))  # named after the file, or the PostgreSQL database
    assert [path.name for path in backups] == [f"{world.pool.name.removesuffix('.sqlite3')}-2026-11-22.sqlite3"]
    with Store(backups[0], create=False) as backup, Store(world.pool, create=False) as store:
        assert backup.count() == store.count() > 0  # a usable store, whatever the store's database


def test_a_second_daily_while_one_holds_the_store_is_refused_and_does_nothing(tmp_path, store_location):
    world = World(tmp_path, store_location)
    with smtp_server() as (recorder, port):
        _relay_settings(world, port)
        with run.store_lock(world.pool):  # another run holds the store (an OS or PostgreSQL lock, another process)
            refused = world.vivier("daily")
        assert refused.returncode == run.EX_LOCKED, refused.stdout + refused.stderr
        assert "another `vivier daily`" in refused.stderr
        assert recorder.messages == [] and not world.outbox.exists()
        assert "deliveries" not in _tables(world) or _ledger(world) == {}


def test_two_dailies_started_together_one_runs_one_is_refused_nothing_doubled(tmp_path, store_location):
    # Two real processes (a timer and an operator's hand, say), started at the same moment.
    world = World(tmp_path, store_location)
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
    with Store(world.pool, create=False) as store:
        return set(store.connection.table_names())


@pytest.mark.parametrize("outcomes, code", [
    ([], run.EX_OK), (["done", "withdrawn", "skipped"], run.EX_OK), (["done", "refused"], run.EX_PARTIAL), (["done", "session-error", "refused"], run.EX_SESSION), (["relay-later", "not tried"], run.EX_PARTIAL), (["settings-error", "session-error"], run.EX_CONFIG),
    (["content-error"], run.EX_CONTENT), (["failed", "later"], run.EX_STEP),
])
def test_the_most_serious_outcome_gives_the_exit_code(outcomes, code):
    assert run.exit_code([{"step": "x", "outcome": outcome} for outcome in outcomes]) == code


def _people(world) -> set[str]:
    """Every address and full name of the store (lower case): none may reach the daily's output."""
    with Store(world.pool) as store:
        return {text.lower() for member in store.iter_members() for text in (member.email, member.name) if text}


class _FirstRecipients(dict):
    """A script for the relay: the first recipient of the run is kept but never answered (unknown),
    the second is refused with a reply quoting its address (as real relays do); the rest accepted."""

    def __init__(self):
        super().__init__()
        self.seen: list[str] = []

    def get(self, recipient, default=None):
        if recipient not in self.seen:
            self.seen.append(recipient)
            if len(self.seen) == 1:
                return ["keep-drop"]
            if len(self.seen) == 2:
                return [f"550 5.1.1 <{recipient}>: Recipient address rejected: User unknown"]
        return []


def _output(result) -> str:
    return (result.stdout + result.stderr).lower()


def test_the_daily_output_and_report_carry_counts_only_even_for_the_purge_and_refusals(tmp_path):
    world = World(tmp_path)
    people = _people(world)
    with smtp_server() as (recorder, port):
        _relay_settings(world, port)
        recorder.script = _FirstRecipients()
        result = world.vivier("daily")
    assert result.returncode == run.EX_PARTIAL, result.stdout + result.stderr  # one delivery unknown
    with Store(world.pool) as store:
        left = store.count()
    assert left < len({p for p in people if "@" in p})  # the purge deleted members: its table was the leak
    assert "pool purge               done" in result.stdout and recorder.messages  # mail went out, some refused
    leaked = sorted(person for person in people if person in _output(result))
    assert leaked == [], leaked
    for path in (tmp_path / "reports").iterdir():
        assert not [person for person in people if person in path.read_text(encoding="utf-8").lower()]


def test_without_vivier_secret_the_daily_sends_nothing_names_the_variable_and_still_purges(tmp_path):
    world = World(tmp_path)
    with smtp_server() as (recorder, port):
        _relay_settings(world, port)
        env = {key: value for key, value in {**os.environ, **world.env}.items() if key != "VIVIER_SECRET"}
        result = subprocess.run([sys.executable, "-m", "vivier", "--settings", str(world.conf), "daily"], cwd=ROOT,
                                capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == run.EX_CONFIG, result.stdout + result.stderr
    assert recorder.messages == [] and "sent" not in _ledger(world)
    assert result.stderr.count("VIVIER_SECRET is not set: nothing sent") == 1  # said once, not once per plan
    assert "settings-error" in result.stdout and "not tried" in result.stdout
    assert "pool purge               done" in result.stdout and "pool backup              done" in result.stdout


def _closed_port() -> int:
    with socket.socket() as sock:  # bound then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_relay_stops_the_sending_at_the_first_plan_exit_75_and_the_purge_still_runs(tmp_path):
    world = World(tmp_path)
    _relay_settings(world, _closed_port())
    result = world.vivier("daily")
    assert result.returncode == run.EX_PARTIAL, result.stdout + result.stderr
    report = json.loads(next((tmp_path / "reports").glob("daily-*.json")).read_text())
    sends = [step for step in report["steps"] if step["step"].startswith("send ")]
    assert len(sends) >= 2 and sends[0]["outcome"] == "relay-later"
    assert {step["outcome"] for step in sends[1:]} <= {"not tried", "withdrawn", "refused"}
    assert result.stderr.count("Sending ") == 1  # one connection attempt, not one per plan
    assert "sent" not in _ledger(world)
    assert {step["step"]: step["outcome"] for step in report["steps"]}["pool purge"] == "done"


def test_an_unknown_delivery_stays_in_every_daily_report_and_no_run_overwrites_another(tmp_path):
    world = World(tmp_path)
    with smtp_server() as (recorder, port):
        _relay_settings(world, port)
        recorder.script = _FirstRecipients()
        first = world.vivier("daily")
        second = world.vivier("daily")  # "run again later", as the docs say
    assert first.returncode == run.EX_PARTIAL, first.stdout + first.stderr
    assert second.returncode == run.EX_OK, second.stdout + second.stderr
    runs = [json.loads(path.read_text()) for path in sorted((tmp_path / "reports").glob("daily-*.json"))]
    assert len(runs) == 2 and [report["exit"] for report in runs] == [run.EX_PARTIAL, run.EX_OK]
    for report, result in zip(runs, (first, second)):
        assert report["counts"]["deliveries unknown"] == 1
        unknown = [step for step in report["steps"] if step.get("counts", {}).get("unknown")]
        assert len(unknown) == 1 and "--resend-unknown" in unknown[0]["detail"]
        assert "(unknown 1)" in result.stdout and "--resend-unknown" in result.stdout
    assert _ledger(world).get("unknown") == 1
