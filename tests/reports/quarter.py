"""A simulated quarter on the sample: the real build, real sends to a local SMTP server, unsubscribes
through the real web application, a mailbox of replies, bounce reports and auto-replies, and an ATS
export with stage changes, sources and campaigns. Built once per test session (see conftest.py)."""

from __future__ import annotations

import datetime as dt
import email.message
import email.utils
import json
import mailbox
import os
import re
from pathlib import Path

import httpx
from click.testing import CliRunner

from mailing.reports.clicks import link_id
from mailing.tokens import secret_from_env
from mailing.webapp import create_app
from mailing.webapp.serve import running
from talentpool.sample import SAMPLE_MARK
from talentpool.store import Store
from tests.conftest import ROOT, TODAY, run_pelican
from tests.delivery.smtpserver import smtp_server
from vivier.cli import cli
from vivier.config import load_settings

NEWSLETTER = "2026-12-data-cloud"
SECOND = "2026-12-juniors-alternance"
INVITATION = "invitation-webinaire-recrutement-2026-12-invite-0"
REPLY_TO = "carrieres+r-{plan}@cardamome.example"
LATER = "2026-12-10"  # the day the report is made: after replies, unsubscribes and the ATS export
UNSUBSCRIBED_ON = dt.date(2026, 11, 25)
JOB_LINK = "https://carrieres.cardamome.example/emplois/?utm_campaign=2026-12-data-cloud"
APPLIED_ON = "2026-12-01"


ATS_MAPPING = """name: ats-test
format: csv
delimiter: ","
date_formats: ["%m/%d/%Y"]
columns:
  email: Email Address
  stage: Current Stage
  source: Source
  stage_changed: Stage Entered Date
  last_contact: Stage Entered Date  # applying is the person's own action (imports never invent a date)
  campaign: Campaign
values:
  stage: {Applied: applied, Face to Face: interviewing}
  source: {"LinkedIn (Prospecting)": linkedin, Company Website: career_site, Referral: referral}
"""


def conf_file(base: Path) -> Path:
    conf = base / "conf.py"
    conf.write_text("\n".join([
        "import runpy",  # pelicanconf.py read afresh each time (it reads the environment), not a cached import
        f"globals().update({{k: v for k, v in runpy.run_path({str(ROOT / 'pelicanconf.py')!r}).items() if k.isupper()}})",
        f"PATH = {str(ROOT / 'content')!r}", f"THEME = {str(ROOT / 'theme')!r}", f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]",
        f"OUTPUT_PATH = {str(base / 'output')!r}", f"MAILING_REPLY_TO = {REPLY_TO!r}", "MAILING_BACKOFF = 0.01", "MAILING_RETRIES = 1",
        "CACHE_CONTENT = False", "LOAD_CONTENT_CACHE = False",
    ]) + "\n")
    return conf


def invoke(quarter: dict, *args, today: str = TODAY, port: int | None = None):
    env = {**quarter["env"], "VIVIER_TODAY": today}
    if port is not None:
        env["VIVIER_SMTP_PORT"] = str(port)
    return CliRunner(env=env).invoke(cli, ["-s", str(quarter["conf"]), *args], catch_exceptions=False)


def manifest(quarter: dict, plan: str) -> list[dict]:
    lines = (Path(quarter["env"]["VIVIER_OUTBOX"]) / plan / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _reply(sender: str, plan: str, number: int, **headers) -> email.message.EmailMessage:
    message = email.message.EmailMessage()
    message["From"] = sender
    message["To"] = REPLY_TO.format(plan=plan)
    message["Subject"] = "Re: nos offres"
    message["Date"] = email.utils.format_datetime(dt.datetime(2026, 11, 24, 9, number % 60, tzinfo=dt.timezone.utc))
    message["Message-ID"] = f"<reply-{number}@courriel.example>"
    for key, value in headers.items():
        del message[key.replace("_", "-")]
        message[key.replace("_", "-")] = value
    message.set_content("Bonjour, le poste m'intéresse. Pouvons-nous en parler ?")
    return message


def _report(kind: str, plan: str, number: int) -> str:
    """A delivery status notification (RFC 3464) or a complaint (ARF, RFC 5965) sent to the reply-to."""
    daemon = "MAILER-DAEMON@mx.courriel.example" if kind == "delivery-status" else "fbl@feedback.courriel.example"
    if kind == "delivery-status":
        machine = ("Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.courriel.example\n\n"
                   "Final-Recipient: rfc822; gone@courriel.example\nAction: failed\nStatus: 5.1.1\n")
    else:
        machine = "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: fbl/1.0\nVersion: 1\n"
    return (f"From: {daemon}\nTo: {REPLY_TO.format(plan=plan)}\nSubject: report {number}\n"
            f"Message-ID: <report-{number}@mx.courriel.example>\nMIME-Version: 1.0\n"
            f'Content-Type: multipart/report; report-type={kind}; boundary="b{number}"\n\n'
            f"--b{number}\nContent-Type: text/plain\n\nThis is an automatically generated report.\n"
            f"--b{number}\n{machine}--b{number}--\n")


def simulate(base: Path) -> dict:
    """Run the quarter; returns the environment and what the test did (for the expected figures)."""
    conf = conf_file(base)
    env = {"VIVIER_POOL": str(base / "pool.sqlite3"), "VIVIER_OUTBOX": str(base / "outbox"),
           "VIVIER_REPORTS": str(base / "reports"), "VIVIER_SMTP_HOST": "127.0.0.1", "VIVIER_SMTP_SECURITY": "none"}
    quarter = {"conf": conf, "env": env, "base": base}
    loaded = invoke(quarter, "pool", "load-sample")
    assert loaded.exit_code == 0, loaded.output
    with Store(env["VIVIER_POOL"]) as store:  # the quarter plays a real store: ATS exports are imported into it
        with store.transaction() as conn:
            conn.execute("DELETE FROM meta WHERE key = :key", {"key": SAMPLE_MARK})
    built = run_pelican(ROOT / "content", base / "output", conf=conf, env=env)
    assert built.returncode == 0, built.stdout + built.stderr

    with Store(env["VIVIER_POOL"]) as store:
        address = {e["member"]: store.get(e["member"]).email for plan in (NEWSLETTER, SECOND, INVITATION)
                   for e in manifest(quarter, plan)}
    news = manifest(quarter, NEWSLETTER)
    refused, deferred = address[news[0]["member"]], address[news[3]["member"]]
    received: dict[str, list] = {}
    with smtp_server() as (recorder, port):
        recorder.script[refused] = ["550"]
        recorder.script[deferred] = ["451"] * 10
        for plan in (NEWSLETTER, SECOND, INVITATION):
            before = len(recorder.messages)
            result = invoke(quarter, "send", plan, "--rate", "2000", port=port)
            assert result.exit_code in (0, 75), result.output
            received[plan] = recorder.messages[before:]
    quarter.update(address=address, received=received, refused=refused, deferred=deferred)

    # Unsubscribes through the real web application, with the links of the messages received.
    unsubscribed = []
    settings = load_settings(conf)
    settings["POOL_PATH"] = env["VIVIER_POOL"]
    settings["MAILING_CLICK_COUNTS"] = True  # aggregate clicks through the same application
    clicks = {"a": 3, "b": 12}
    old_today = os.environ.get("VIVIER_TODAY")
    os.environ["VIVIER_TODAY"] = UNSUBSCRIBED_ON.isoformat()
    try:
        with running(create_app(settings)) as web:
            for message in received[NEWSLETTER][1:5] + received[SECOND][:1]:
                link = re.search(r"<(https://[^>]+)>", str(message["List-Unsubscribe"])).group(1)
                url = httpx.URL(link)
                response = httpx.post(f"{web}{url.path}", params=dict(url.params), data={"List-Unsubscribe": "One-Click"})
                assert response.status_code == 200, response.text
                unsubscribed.append(str(message["To"].addresses[0].addr_spec))
            for variant, times in clicks.items():
                token = link_id(secret_from_env(), NEWSLETTER, variant, JOB_LINK)
                for _ in range(times):
                    assert httpx.get(f"{web}/r", params={"l": token}, follow_redirects=False).status_code == 303
    finally:
        os.environ["VIVIER_TODAY"] = old_today or TODAY
    quarter.update(unsubscribed=unsubscribed, clicks=clicks)

    # The reply-to mailbox: replies (one delivered twice), a bounce report, a complaint, an auto-reply, an untagged reply.
    repliers = [str(m["To"].addresses[0].addr_spec) for m in received[NEWSLETTER][5:9]]
    box = mailbox.mbox(base / "replies.mbox")
    for number, sender in enumerate(repliers):
        box.add(_reply(sender, NEWSLETTER, number))
    box.add(_reply(repliers[0], NEWSLETTER, 0))  # the same message again
    second_replier = str(received[SECOND][2]["To"].addresses[0].addr_spec)
    box.add(_reply(second_replier, SECOND, 10))
    box.add(_report("delivery-status", NEWSLETTER, 20))
    box.add(_report("feedback-report", NEWSLETTER, 21))
    box.add(_reply(repliers[1], NEWSLETTER, 22, Auto_Submitted="auto-replied", Subject="Absent du bureau"))
    untagged = _reply(repliers[2], NEWSLETTER, 23)
    untagged.replace_header("To", "carrieres@cardamome.example")
    box.add(untagged)
    box.close()
    imported = invoke(quarter, "replies", "import", str(base / "replies.mbox"), today=LATER)
    assert imported.exit_code == 0, imported.output
    quarter.update(repliers=repliers, second_replier=second_replier, replies_output=imported.output)

    # A bounce suppressed after the send (as `vivier bounces import` records it): counted by reason.
    bounced = str(received[NEWSLETTER][9]["To"].addresses[0].addr_spec)
    with Store(env["VIVIER_POOL"]) as store:
        store.suppress(bounced, "bounced", dt.date(2026, 11, 23))
    quarter["bounced"] = bounced

    # The ATS export of early December: stage changes with their source and, for some, the campaign.
    sent_news = [str(m["To"].addresses[0].addr_spec) for m in received[NEWSLETTER]]
    with Store(env["VIVIER_POOL"]) as store:  # the sample is drawn afresh: pick people not already at these stages
        sent_news = [e for e in sent_news if store.find_by_email(e).stage not in ("applied", "interviewing")]
    applied_with_campaign = sent_news[10:13]
    applied_without = sent_news[13:15]
    outsider = next(e for m, e in address.items() if e not in sent_news and m not in {x["member"] for x in news})
    rows = [(e, "Applied", "LinkedIn (Prospecting)", NEWSLETTER) for e in applied_with_campaign]
    rows += [(e, "Face to Face", "Company Website", "") for e in applied_without]
    rows += [(outsider, "Applied", "Referral", "")]
    lines = ["Email Address,Current Stage,Source,Stage Entered Date,Campaign"]
    lines += [f"{e},{stage},{source},12/01/2026,{campaign}" for e, stage, source, campaign in rows]
    (base / "ats.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = base / "ats.yml"
    mapping.write_text(ATS_MAPPING, encoding="utf-8")
    done = invoke(quarter, "pool", "import", str(base / "ats.csv"), "--mapping", str(mapping), today=LATER)
    assert done.exit_code == 0, done.output
    quarter.update(applied_with_campaign=applied_with_campaign, applied_without=applied_without, outsider=outsider)
    return quarter
