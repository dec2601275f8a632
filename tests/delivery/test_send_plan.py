"""`vivier send` on a real plan: the sample site built by pelican, the sample pool, a real SMTP server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from mailing.delivery.ledger import Ledger
from mailing.webapp import create_app
from mailing.webapp.serve import running
from talentpool.copying import copy_store
from talentpool.store import Store
from tests.conftest import ROOT, TEST_SECRET, TODAY, run_pelican
from tests.delivery.smtpserver import smtp_server
from vivier.cli import cli
from vivier.config import load_settings

PLAN = "2026-12-data-cloud"
CONF = str(ROOT / "pelicanconf.py")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample pool loaded into a private store, then the real site build writing the outbox."""
    base = tmp_path_factory.mktemp("plan")
    env = {"VIVIER_POOL": str(base / "pool.sqlite3"), "VIVIER_OUTBOX": str(base / "outbox"), "VIVIER_TODAY": TODAY}
    loaded = CliRunner(env=env).invoke(cli, ["-s", CONF, "pool", "load-sample"], catch_exceptions=False)
    assert loaded.exit_code == 0, loaded.output
    result = run_pelican(ROOT / "content", base / "output", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (base / "outbox" / PLAN / "manifest.jsonl").is_file()
    return base


@pytest.fixture
def env(built, tmp_path, store_location):
    """A private copy of the store (into the SQLite file or the PostgreSQL database) and of the outbox,
    that this test may change."""
    if isinstance(store_location, Path):
        for path in built.glob("pool.sqlite3*"):
            shutil.copy(path, tmp_path / path.name)
    else:
        with Store(built / "pool.sqlite3", create=False) as source, Store(store_location) as target:
            copy_store(source, target)
    shutil.copytree(built / "outbox", tmp_path / "outbox")
    return {"VIVIER_POOL": getattr(store_location, "full", str(store_location)), "VIVIER_OUTBOX": str(tmp_path / "outbox"), "VIVIER_TODAY": TODAY,
            "VIVIER_SMTP_HOST": "127.0.0.1", "VIVIER_SMTP_SECURITY": "none", "VIVIER_SECRET": TEST_SECRET}


def manifest(env) -> list[dict]:
    lines = (Path(env["VIVIER_OUTBOX"]) / PLAN / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def send(env, port, *args):
    runner = CliRunner(env={**env, "VIVIER_SMTP_PORT": str(port)})
    return runner.invoke(cli, ["-s", CONF, "send", PLAN, "--rate", "2000", *args], catch_exceptions=False)


def emails(env, ids) -> set[str]:
    with Store(env["VIVIER_POOL"]) as store:
        return {store.get(i).email for i in ids}


@pytest.mark.sqlite_only  # the command's wording: the store's kind changes nothing there
def test_dry_run_sends_and_records_nothing(env):
    with smtp_server() as (recorder, port):
        result = send(env, port, "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"would send: {len(manifest(env))}" in result.output
    assert recorder.messages == []
    with Store(env["VIVIER_POOL"]) as store:
        assert Ledger(store, PLAN).counts() == {}


def test_send_once_per_member_with_bulk_headers_and_honour_a_late_unsubscribe(env):
    entries = manifest(env)
    late = entries[1]["member"]
    with Store(env["VIVIER_POOL"]) as store:
        store.unsubscribe(late, "2026-11-22")  # after the plan was built, before the send
    with smtp_server() as (recorder, port):
        result = send(env, port)
        assert result.exit_code == 0, result.output
        again = send(env, port)
    assert again.exit_code == 0 and "already sent by an earlier run" in again.output
    expected = emails(env, [e["member"] for e in entries if e["member"] != late])
    assert recorder.recipients() == {address: 1 for address in expected}  # once each, nobody else
    assert "skipped: unsubscribed" in result.output
    message = recorder.messages[0]
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [u.strip(" <>") for u in str(message["List-Unsubscribe"]).split(",")]
    assert https.startswith("https://carrieres.cardamome.example/desabonnement?t=") and mailto.startswith("mailto:")
    assert message["List-Id"] and message["Date"] and message["MIME-Version"] == "1.0"
    with Store(env["VIVIER_POOL"]) as store:
        ledger = Ledger(store, PLAN)
        assert ledger.counts() == {"sent": len(expected), "skipped": 1}
        sent_ids = {entry.message_id for entry in ledger.entries() if entry.status == "sent"}
        member = store.find_by_email(message["To"].addresses[0].addr_spec)
        assert ("newsletter", PLAN) in [(k, p) for k, p, _ in store.messages_since(member.id, "2026-11-01")]
    assert sent_ids == set(recorder.message_ids())


@pytest.mark.parametrize("connections", ["1", "4"])
def test_an_unsubscribe_made_while_the_message_is_with_the_relay_stops_it_before_data(env, connections):
    # The member is decided and their message composed, then they unsubscribe (the web application,
    # another process) while the relay answers RCPT TO: the claim decides again in its own transaction,
    # so nothing is handed over after the unsubscribe was committed.
    entries = manifest(env)
    late = entries[2]["member"]
    address = next(iter(emails(env, [late])))
    unsubscribed = []

    def unsubscribe_now(rcpt):
        if rcpt == address and not unsubscribed:
            with Store(env["VIVIER_POOL"]) as store:
                store.unsubscribe(late, "2026-11-22")
            unsubscribed.append(rcpt)

    with smtp_server() as (recorder, port):
        recorder.on_rcpt = unsubscribe_now
        result = send(env, port, "--connections", connections)
    assert result.exit_code == 0, result.output
    assert unsubscribed == [address] and recorder.rcpt_attempts[address] == 1  # it did reach RCPT TO
    assert address not in recorder.recipients() and "skipped: unsubscribed" in result.output
    assert sorted(recorder.recipients().values()) == [1] * (len(entries) - 1)  # everyone else, once
    with Store(env["VIVIER_POOL"]) as store:
        assert Ledger(store, PLAN).get(late).status == "skipped"
        assert not [k for k, p, _ in store.messages_since(late, "2026-11-01") if p == PLAN]  # no budget spent


def test_the_list_unsubscribe_url_of_a_sent_message_unsubscribes_through_the_app(env):
    with smtp_server() as (recorder, port):
        assert send(env, port).exit_code == 0
    message = recorder.messages[0]
    https = str(message["List-Unsubscribe"]).split(",")[0].strip(" <>")
    token = parse_qs(urlsplit(https).query)["t"][0]
    settings = load_settings(CONF)
    settings["POOL_PATH"] = env["VIVIER_POOL"]
    import httpx

    with running(create_app(settings)) as base:
        response = httpx.post(f"{base}{urlsplit(https).path}", params={"t": token}, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with Store(env["VIVIER_POOL"]) as store:
        assert store.find_by_email(message["To"].addresses[0].addr_spec).unsubscribed is not None


def test_killed_send_then_rerun_reaches_everyone_once(env):
    """SIGKILL `vivier send` inside the DATA of its 5th message, then run it again."""
    entries = manifest(env)
    with smtp_server() as (recorder, port):
        proc_env = {**os.environ, **env, "VIVIER_SMTP_PORT": str(port)}
        command = [sys.executable, "-m", "vivier", "-s", CONF, "send", PLAN, "--rate", "2000"]
        running_send = {}

        def kill_at_fifth(received):
            if received == 4:
                os.kill(running_send["proc"].pid, signal.SIGKILL)
                running_send["proc"].wait(10)

        recorder.on_mail = kill_at_fifth
        proc = running_send["proc"] = subprocess.Popen(command, cwd=ROOT, env=proc_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert proc.wait(120) == -signal.SIGKILL
        recorder.on_mail = None
        rerun = subprocess.run(command, cwd=ROOT, env=proc_env, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
    expected = emails(env, [e["member"] for e in entries])
    assert recorder.recipients() == {address: 1 for address in expected}
    assert len(recorder.message_ids()) == len(expected)


@pytest.mark.sqlite_only  # the command's wording: the store's kind changes nothing there
def test_a_550_is_recorded_failed_and_reported(env):
    entries = manifest(env)
    refused = sorted(emails(env, [entries[0]["member"]]))[0]
    with smtp_server() as (recorder, port):
        recorder.script[refused] = ["550"]
        result = send(env, port)
    assert result.exit_code == 0
    assert "failed (refused for this recipient" in result.output and "550 5.1.1" in result.output
    assert "addresses suppressed now (bounced)" in result.output
    with Store(env["VIVIER_POOL"]) as store:
        assert Ledger(store, PLAN).status(entries[0]["member"]) == "failed"


@pytest.mark.sqlite_only  # the command's wording: the store's kind changes nothing there
def test_unknown_plan_names_the_available_ones(env):
    result = CliRunner(env=env).invoke(cli, ["-s", CONF, "send", "no-such-plan"])
    assert result.exit_code == 1
    assert "no plan folder 'no-such-plan'" in result.output and PLAN in result.output


# --- faults, counted at the relay, with the real command in its own process -----------------------------


def _command(*extra):
    return [sys.executable, "-m", "vivier", "-s", CONF, "send", PLAN, "--rate", "2000", *extra]


def _start(env, port, outbox=None, *extra):
    proc_env = {**os.environ, **env, "VIVIER_SMTP_PORT": str(port)}
    if outbox is not None:
        proc_env["VIVIER_OUTBOX"] = str(outbox)
    return subprocess.Popen(_command(*extra), cwd=ROOT, env=proc_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _ledger(env) -> dict[str, str]:
    with Store(env["VIVIER_POOL"]) as store:
        return {entry.member_id: entry.status for entry in Ledger(store, PLAN).entries()}


def test_random_kills_during_a_slow_queueing_relay_lose_and_double_nobody(env):
    """kill -9 at random moments while the relay takes 0.3 s to queue each message; re-run after each kill."""
    import random
    import threading

    chance = random.Random(1722)
    expected = emails(env, [e["member"] for e in manifest(env)])
    kills, outputs = 0, []
    with smtp_server() as (recorder, port):
        recorder.queue_delay = 0.3
        for _ in range(4):
            proc = _start(env, port)
            timer = {}

            def arm(received, proc=proc):
                if "t" not in timer:  # the send has started talking to the relay: kill it a little later
                    timer["t"] = threading.Timer(chance.uniform(0.05, 1.2), lambda: proc.poll() is None and os.kill(proc.pid, signal.SIGKILL))
                    timer["t"].start()

            recorder.on_mail = arm
            out, err = proc.communicate(timeout=120)
            if "t" in timer:
                timer["t"].join()
            recorder.on_mail = None
            kills += proc.returncode == -signal.SIGKILL
            outputs.append(out + err)
        recorder.queue_delay = 0
        final = subprocess.run(_command(), cwd=ROOT, env={**os.environ, **env, "VIVIER_SMTP_PORT": str(port)},
                               capture_output=True, text=True, timeout=120)
    assert kills >= 3
    received = recorder.recipients()
    assert all(count == 1 for count in received.values()), received  # nobody doubled
    statuses = _ledger(env)
    with Store(env["VIVIER_POOL"]) as store:
        unknown = {store.get(m).email for m, status in statuses.items() if status == "unknown"}
    assert set(received) | unknown == expected  # nobody lost: delivered, or named unknown
    assert len(unknown) <= kills
    assert set(received) <= expected
    assert final.returncode in (0, 3), final.stderr
    if unknown:  # the re-runs told the operator
        assert any("unknown" in text and "--resend-unknown" in text for text in outputs + [final.stderr])


def test_two_sends_of_one_plan_from_two_outbox_folders_sharing_a_store(env, tmp_path):
    other = tmp_path / "other-outbox"
    shutil.copytree(env["VIVIER_OUTBOX"], other)  # a second checkout building the same plan
    expected = emails(env, [e["member"] for e in manifest(env)])
    with smtp_server() as (recorder, port):
        recorder.queue_delay = 0.02
        first, second = _start(env, port), _start(env, port, other, "--connections", "4")
        results = [first.communicate(timeout=120), second.communicate(timeout=120)]
        assert {first.returncode, second.returncode} <= {0, 75}, results
        recorder.queue_delay = 0
        last = _start(env, port)
        last.communicate(timeout=120)
        assert last.returncode == 0
    assert recorder.recipients() == {address: 1 for address in expected}
    assert set(_ledger(env).values()) == {"sent"}


def test_plan_folder_deleted_and_rebuilt_during_a_send(env, tmp_path):
    """`make clean && make site` while a send runs, then another send: the lock file went with the folder."""
    import threading

    folder = Path(env["VIVIER_OUTBOX"]) / PLAN
    pristine = tmp_path / "pristine"
    shutil.copytree(folder, pristine)
    expected = emails(env, [e["member"] for e in manifest(env)])
    with smtp_server() as (recorder, port):
        recorder.queue_delay = 0.3  # slow enough for the second send to catch up with the first
        rebuilt = threading.Event()

        def rebuild(received):
            if received == 5 and not rebuilt.is_set():
                rebuilt.set()
                shutil.rmtree(folder)
                shutil.copytree(pristine, folder)

        recorder.on_mail = rebuild
        first = _start(env, port)
        assert rebuilt.wait(60)
        second = _start(env, port)
        outputs = [first.communicate(timeout=120), second.communicate(timeout=120)]
        recorder.on_mail = None
        assert {first.returncode, second.returncode} <= {0, 1, 75}, outputs
        recorder.queue_delay = 0
        last = _start(env, port)
        last.communicate(timeout=120)
        assert last.returncode == 0
    assert recorder.recipients() == {address: 1 for address in expected}


@pytest.mark.sqlite_only  # the command's wording: the store's kind changes nothing there
def test_exit_codes_tell_the_operator_what_to_do(env, monkeypatch):
    from mailing import settings as mail_settings

    monkeypatch.setitem(mail_settings.DEFAULTS, "MAILING_BACKOFF", 0.01)  # retries that do not make the test wait
    entries = manifest(env)
    with smtp_server() as (recorder, port):
        recorder.mail_reply = lambda accepted: "530"
        stopped = send(env, port)
        assert stopped.exit_code == 1
        assert "530 5.7.0" in stopped.output and "still pending" in stopped.output
        recorder.mail_reply = None
        grey = sorted(emails(env, [entries[2]["member"]]))[0]
        recorder.rcpt_script[grey] = ["450 4.2.0 Greylisted"] * 10
        deferred = send(env, port)
        assert deferred.exit_code == 75 and "deferred by the relay" in deferred.output and "again after" in deferred.output
        recorder.rcpt_script.clear()
        lost = sorted(emails(env, [entries[0]["member"]]))[0]
        with Store(env["VIVIER_POOL"]) as store:  # put the first member back in play, then lose its answer
            store.connection.execute("DELETE FROM deliveries WHERE member_id = :m", {"m": entries[0]["member"]})
            # and its budget record: else the message already sent and the outbox's waiting invitations fill
            # its budget, and the sender rightly skips it
            store.connection.execute("DELETE FROM messages WHERE member_id = :m AND plan_id = :p", {"m": entries[0]["member"], "p": PLAN})
        recorder.script[lost] = ["keep-drop"]
        unknown = send(env, port)
        assert unknown.exit_code == 3 and "--resend-unknown" in unknown.output
        done = send(env, port)
        assert done.exit_code == 0
    assert recorder.recipients()[grey] == 1 and recorder.recipients()[lost] == 2  # once per run that sent it


@pytest.mark.sqlite_only  # the command's wording: the store's kind changes nothing there
def test_dkim_signature_of_a_sent_newsletter_verifies_against_the_public_key(env, tmp_path, monkeypatch):
    import base64

    import dkim

    from mailing import settings as mail_settings

    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True,
                            capture_output=True).stdout
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    monkeypatch.setitem(mail_settings.DEFAULTS, "MAILING_DKIM_SELECTOR", "vivier2026")  # the one declaration
    queried = []

    def dns(name, timeout=5):
        queried.append(name)
        return record if name == b"vivier2026._domainkey.cardamome.example." else None

    with smtp_server() as (recorder, port):
        result = send({**env, "VIVIER_DKIM_KEY": str(key)}, port)
    assert result.exit_code == 0, result.output
    assert recorder.raw and all(dkim.verify(raw, dnsfunc=dns) for raw in recorder.raw)
    assert queried and set(queried) == {b"vivier2026._domainkey.cardamome.example."}
    signature = str(recorder.messages[0]["DKIM-Signature"]).replace("\r\n", "").replace(" ", "").lower()
    signed = signature.split("h=")[1].split(";")[0].split(":")
    assert {"from", "subject", "message-id", "list-unsubscribe", "list-unsubscribe-post"} <= set(signed)
    # an altered message no longer verifies
    tampered = recorder.raw[0].replace(b"desabonnement", b"desabonnemenX", 1)
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_a_bounced_address_is_skipped_by_the_dry_run_and_the_send(env):
    entries = manifest(env)
    bounced = sorted(emails(env, [entries[3]["member"]]))[0]
    with Store(env["VIVIER_POOL"]) as store:
        store.suppress(bounced, "bounced", "2026-11-20", "5.1.1 User unknown")
    with smtp_server() as (recorder, port):
        dry = send(env, port, "--dry-run")
        assert "skip: bounced" in dry.output and "would send: " + str(len(entries) - 1) in dry.output
        result = send(env, port)
    assert result.exit_code == 0 and "skipped: bounced" in result.output
    assert bounced not in recorder.recipients() and len(recorder.recipients()) == len(entries) - 1


def test_sigterm_settles_the_delivery_in_progress_as_unknown(env):
    """`kill PID` (TERM) while the relay is queueing a message: that one is `unknown` at once, exit 130."""
    with smtp_server() as (recorder, port):
        recorder.queue_delay = 0.5
        proc = _start(env, port)

        def term(accepted):
            """Runs when the 4th message has arrived: TERM the sender while the relay queues it, refuse nothing."""
            if accepted == 3 and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            return None

        recorder.data_reply = term
        out, err = proc.communicate(timeout=120)
        recorder.data_reply = None
        assert proc.returncode == 130, err
        assert "now `unknown`" in err
        statuses = _ledger(env)
        assert list(statuses.values()).count("unknown") == 1 and list(statuses.values()).count("sent") == 3
        recorder.queue_delay = 0
        rerun = _start(env, port)
        rerun.communicate(timeout=120)
    assert all(count == 1 for count in recorder.recipients().values())
    assert len(recorder.recipients()) == len(manifest(env))


@pytest.mark.sqlite_only  # the command's wording: the store's kind changes nothing there
def test_a_real_send_without_vivier_secret_is_refused_and_sends_nothing_a_dry_run_still_runs(env):
    # Links signed with the public development secret are refused (403) by the production web app.
    no_secret = {**env, "VIVIER_SECRET": None}
    with smtp_server() as (recorder, port):
        refused = send(no_secret, port)
        dry = send(no_secret, port, "--dry-run")
    assert refused.exit_code == 2, refused.output
    assert "VIVIER_SECRET is not set" in refused.output and "/etc/vivier/vivier.env" in refused.output
    assert recorder.messages == [] and _ledger(env) == {}
    assert dry.exit_code == 0 and "would send: " in dry.output
    assert not [address for address in emails(env, [e["member"] for e in manifest(env)]) if address in dry.output]


@pytest.mark.sqlite_only  # the command's wording: the store's kind changes nothing there
def test_the_summary_counts_refusals_without_naming_the_member_or_quoting_the_reply(env):
    entries = manifest(env)
    address = sorted(emails(env, [entries[0]["member"]]))[0]
    with smtp_server() as (recorder, port):
        recorder.script[address] = [f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"]
        result = send(env, port)
    assert result.exit_code == 0, result.output
    assert "failed, relay reply 550 5.1.1: 1" in result.output
    assert address not in result.output and entries[0]["member"] not in result.output


def test_unknowns_left_by_an_earlier_run_are_named_with_what_to_do_exit_0_as_documented(env):
    entries = manifest(env)
    address = sorted(emails(env, [entries[0]["member"]]))[0]
    with smtp_server() as (recorder, port):
        recorder.script[address] = ["keep-drop"]  # the relay kept it, the sender never heard: unknown
        first = send(env, port)
        again = send(env, port)
    assert first.exit_code == 3, first.output  # this run left it unknown
    assert again.exit_code == 0, again.output  # told once; leaving it is a choice (docs/delivery.md)
    assert "already unknown by an earlier run" in again.output
    assert f"1 delivery(ies) left `unknown` by an earlier run" in again.output and "--resend-unknown" in again.output
    assert list(_ledger(env).values()).count("unknown") == 1


@pytest.mark.sqlite_only  # the command's wording: the store's kind changes nothing there
def test_a_send_stopped_by_refusals_in_a_row_does_not_quote_the_address_of_the_last_reply(env):
    addresses = emails(env, [entry["member"] for entry in manifest(env)])
    with smtp_server() as (recorder, port):
        for address in addresses:
            recorder.rcpt_script[address] = [f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"]
        result = send(env, port)
    assert result.exit_code == 1 and "in a row" in result.output, result.output
    assert "<address>" in result.output and not [address for address in addresses if address in result.output]
