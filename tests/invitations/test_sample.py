"""The sample site and pool: invitation and follow-up plans written by the real build, sent by `vivier send`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailing.delivery.ledger import Ledger
from talentpool.store import Store
from tests.conftest import ROOT, TODAY, run_pelican
from tests.delivery.smtpserver import smtp_server
from tests.invitations.messages import attendees, invitation, recipient, vevent
from vivier.cli import cli

CONF = str(ROOT / "pelicanconf.py")
WEBINAR = "invitation-webinaire-recrutement-2026-12-invite-0"
FOLLOW_UPS = f"sequences-{TODAY}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("sample-invitations")
    env = {"VIVIER_POOL": str(base / "pool.sqlite3"), "VIVIER_OUTBOX": str(base / "outbox"), "VIVIER_TODAY": TODAY}
    loaded = CliRunner(env=env).invoke(cli, ["-s", CONF, "pool", "load-sample"], catch_exceptions=False)
    assert loaded.exit_code == 0, loaded.output
    result = run_pelican(ROOT / "content", base / "output", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return base, env


SEGMENTS = {p.stem for p in (ROOT / "audiences" / "segments").glob("*.yml")}
SEQUENCES = {p.stem for p in (ROOT / "audiences" / "sequences").glob("*.yml")}


def utm_contents(message) -> set[str]:
    """Every utm_content value of the links of a message's text and HTML parts."""
    from urllib.parse import parse_qs, urlsplit

    found = set()
    for kind in ("plain", "html"):
        body = message.get_body((kind,)).get_content().replace("&amp;", "&")
        for url in re.findall(r"https://[^\s\"'<>)]+", body):
            found.update(parse_qs(urlsplit(url).query).get("utm_content", []))
    return found


def manifest(base: Path, plan: str) -> list[dict]:
    return [json.loads(line) for line in (base / "outbox" / plan / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def test_sample_plans_are_written_to_the_private_outbox_only(built):
    base, _ = built
    plans = sorted(p.name for p in (base / "outbox").iterdir() if p.name.startswith(("invitation-", "sequences-")))
    # the code night opens on 2026-12-27; nobody had been invited to the cancelled meetup, so no notice goes
    assert plans == ["invitation-forum-carrieres-montreal-2027-invite-0", WEBINAR, FOLLOW_UPS]
    for plan in plans:
        text = (base / "outbox" / plan / "manifest.jsonl").read_text(encoding="utf-8")
        assert "@" not in text  # member ids only: no address, no name
        meta = json.loads((base / "outbox" / plan / "plan.json").read_text(encoding="utf-8"))
        assert meta["plan_id"] == plan and meta["kind"] in ("invitation", "follow_up")
    assert not list((base / "output").rglob("manifest.jsonl"))
    steps = {(e["sequence"], e["step"]) for e in manifest(base, FOLLOW_UPS)}
    assert ("finalistes", "nouvelles") in steps
    follow_ups = manifest(base, FOLLOW_UPS)
    assert len({e["member"] for e in follow_ups}) == len(follow_ups)  # one follow-up per member per day


def test_vivier_send_delivers_each_invitation_with_the_recipient_as_sole_attendee(built, tmp_path):
    base, env = built
    entries = manifest(base, WEBINAR)
    public = (base / "output" / "evenements" / "webinaire-recrutement-decembre-2026" / "webinaire-recrutement-decembre-2026.ics").read_bytes()
    with smtp_server() as (recorder, port):
        runner = CliRunner(env={**env, "VIVIER_SMTP_HOST": "127.0.0.1", "VIVIER_SMTP_SECURITY": "none", "VIVIER_SMTP_PORT": str(port)})
        result = runner.invoke(cli, ["-s", CONF, "send", WEBINAR, "--rate", "2000"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Store(env["VIVIER_POOL"]) as store:
        expected = {store.get(e["member"]).email for e in entries}
    assert recorder.recipients() == {address: 1 for address in expected}
    for message in recorder.messages:
        method, calendar = invitation(message)
        event = vevent(calendar)
        assert method == str(calendar["METHOD"]) == "REQUEST"
        assert attendees(event) == [recipient(message)]
        assert str(event["UID"]) == "webinaire-recrutement-2026-12@carrieres.cardamome.example"
        assert f"UID:{event['UID']}".encode() in public
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # A forwarded link must not tell which segment the member is in: the action names the content.
        assert utm_contents(message) == {"invite"}
    assert {e["segment"] for e in entries} & SEGMENTS  # the plan does know the segments
    with Store(env["VIVIER_POOL"]) as store:
        member = store.find_by_email(recipient(recorder.messages[0]))
        assert ("invitation", WEBINAR) in [(k, p) for k, p, _ in store.messages_since(member.id, "2026-11-01")]


def test_vivier_send_delivers_the_days_follow_ups(built):
    base, env = built
    entries = manifest(base, FOLLOW_UPS)
    with smtp_server() as (recorder, port):
        runner = CliRunner(env={**env, "VIVIER_SMTP_HOST": "127.0.0.1", "VIVIER_SMTP_SECURITY": "none", "VIVIER_SMTP_PORT": str(port)})
        result = runner.invoke(cli, ["-s", CONF, "send", FOLLOW_UPS, "--rate", "2000"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with Store(env["VIVIER_POOL"]) as store:
        counts = Ledger(store, FOLLOW_UPS).counts()
        planned = {store.get(e["member"]).email for e in entries}
    # every planned member is handled once: sent, or skipped at send time (the policy decides again)
    assert sum(counts.values()) == len(entries) and counts["sent"] == len(recorder.messages) > 0
    assert set(recorder.recipients()) <= planned and max(recorder.recipients().values()) == 1
    subjects = {str(m["Subject"]) for m in recorder.messages}
    assert subjects & {"Des nouvelles de Cardamome Conseil, et de vous ?", "News from Cardamome Conseil, and from you?"}
    message = recorder.messages[0]
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert "desabonnement?t=" in message.get_payload()[0].get_content()
    for message in recorder.messages:
        contents = utm_contents(message)
        assert contents and all(re.fullmatch(r"step-\d+", c) for c in contents), contents
        assert not any(name in c for c in contents for name in SEGMENTS | SEQUENCES)


def test_cli_shows_who_gets_what_and_why_not(built):
    _, env = built
    runner = CliRunner(env={**env, "COLUMNS": "200"})
    again = runner.invoke(cli, ["-s", CONF, "invitations", "plan", "webinaire-recrutement-2026-12"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert "0 new recipient(s)" in again.output  # the build already planned them
    assert "no consent to event invitations" in again.output
    later = runner.invoke(cli, ["-s", CONF, "invitations", "plan", "webinaire-recrutement-decembre-2026", "--today", "2026-12-09"],
                          catch_exceptions=False)
    assert later.exit_code == 0, later.output
    assert "reminder (no calendar part, SEQUENCE 0)" in later.output
    closed = runner.invoke(cli, ["-s", CONF, "invitations", "plan", "nuit-du-code-2027"], catch_exceptions=False)
    assert "invitations open on 2026-12-27" in closed.output
    unknown = runner.invoke(cli, ["-s", CONF, "invitations", "plan", "nope"])
    assert unknown.exit_code != 0 and "known:" in unknown.output
    due = runner.invoke(cli, ["-s", CONF, "sequences", "due", "--date", "2026-12-30"], catch_exceptions=False)
    assert due.exit_code == 0, due.output
    assert "Follow-ups on 2026-12-30" in due.output and "Not planned today" in due.output
