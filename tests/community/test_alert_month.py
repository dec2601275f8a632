"""A simulated month of builds: jobs open and close, "today" moves day by day, digests are planned and sent.

Each day runs the real planner (`mailing.kinds.job_alert.digests`), writes the real plan folder,
and delivers it with the real sender (`mailing.delivery`: policy re-checked,
ledger, budget recorded) to an SMTP server on 127.0.0.1. The delivered
messages then prove: each member receives each matching job at most once, at
their rhythm, within the frequency budget — and, when nothing stands in the
way, every matching job does reach them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from mailing.kinds.job_alert import digests as alerts
from mailing import gates
from mailing import settings as mailing_settings
from mailing.community import settings as community_settings
from mailing.kinds.job_alert.views import alert_theme
from mailing.kinds.job_alert.views import compile_alerts
from mailing.community.criteria import next_digest
from mailing.delivery import choices
from mailing.delivery.config import load_config
from mailing.delivery.ledger import Ledger
from mailing.delivery.plan import PlanMessages, open_plan
from mailing.plan.writer import write_plan
from mailing.delivery.ratelimit import RateLimiter
from mailing.delivery.sender import Sender
from mailing.delivery.smtp import SmtpTransport
from mailing.settings import mail_theme_path as theme_path
from talentpool.models import Member
from talentpool.policy import Policy, add_months
from talentpool.store import Store
from tests.delivery.smtpserver import smtp_server
from vivier.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
PARIS = ZoneInfo("Europe/Paris")
START, END = dt.date(2026, 11, 1), dt.date(2026, 12, 5)
POLICY = Policy(max_messages=3, window_days=30)

# reference: (department, city or "remote", skills, opens, closes) — open on [opens, closes)
JOBS = {
    "CC-SIM-01": ("data", "Lyon", ["Python"], dt.date(2026, 11, 1), dt.date(2026, 11, 20)),
    "CC-SIM-02": ("data", "Nantes", ["SQL"], dt.date(2026, 11, 3), dt.date(2026, 11, 5)),
    "CC-SIM-03": ("cloud", "remote", ["Python", "Terraform"], dt.date(2026, 11, 6), dt.date(2026, 12, 31)),
    "CC-SIM-04": ("data", "Lyon", ["Spark"], dt.date(2026, 11, 9), dt.date(2026, 11, 30)),
    "CC-SIM-05": ("dev", "Lyon", ["Java"], dt.date(2026, 11, 12), dt.date(2026, 12, 31)),
    "CC-SIM-06": ("data", "remote", ["Python"], dt.date(2026, 11, 16), dt.date(2026, 12, 31)),
    "CC-SIM-07": ("cloud", "Lyon", ["Kubernetes"], dt.date(2026, 11, 20), dt.date(2026, 11, 22)),
    "CC-SIM-08": ("data", "Lyon", ["SQL"], dt.date(2026, 11, 25), dt.date(2026, 12, 31)),
}
ALERTS_FROM = dt.date(2026, 10, 25)


def job(reference, lang="fr"):
    department, city, skills, opens, _ = JOBS[reference]
    return SimpleNamespace(
        reference=reference, lang=lang, slug=reference.lower(), title=f"Poste {reference}",
        url=f"{'' if lang == 'fr' else 'en/'}emplois/{reference.lower()}/", department=department,
        department_label=department.title(), locations=[SimpleNamespace(city="Lyon" if city == "remote" else city, country="FR")],
        remote="remote" if city == "remote" else "hybrid", contract="CDI", must_have=skills, nice_to_have=[],
        salary_min=Decimal(42000), salary_max=Decimal(52000), salary_currency="EUR", salary_period="year",
        date=dt.datetime.combine(opens, dt.time(9), tzinfo=PARIS),
    )


def member(member_id, *, departments=(), skills=(), city="", consent=ALERTS_FROM, alerts=True, language="fr"):
    consents = {"newsletter": dt.date(2026, 10, 1)}
    if alerts:
        consents["job_alerts"] = consent
    return Member(id=member_id, email=f"{member_id}@example.org", first_name=member_id[2:].title(), language=language,
                  city=city, country="FR", departments=list(departments), skills=list(skills), consents=consents,
                  created=dt.date(2026, 10, 1))


MEMBERS = [
    (member("m-ines", departments=["data"], city="Lyon"), "instant"),
    (member("m-wen", skills=["python", "sql"], language="en"), "weekly"),
    (member("m-mona", departments=["cloud"]), "monthly"),
    (member("m-paul", departments=["data"]), "instant"),  # two newsletters already count against the budget
    (member("m-zoe", departments=["data"], alerts=False), "instant"),  # newsletter only: never an alert
    (member("m-lea", departments=["data"], city="Lyon", consent=dt.date(2026, 11, 15)), "instant"),  # joined later
    (member("m-pia", departments=["data"], city="Lyon"), "instant"),  # pauses on 10 November for a month
]


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("alert-month")
    settings = load_settings(ROOT / "pelicanconf.py")
    settings.update(POOL_PATH=str(tmp_path / "pool.sqlite3"), MAILING_OUTBOX=str(tmp_path / "outbox"))
    mailing_settings.apply_defaults(settings)
    community_settings.apply_defaults(settings)
    settings["COMMUNITY_ALERT_MAX_JOBS"] = 3
    with Store(settings["POOL_PATH"]) as store:
        for person, rhythm in MEMBERS:
            store.add(person)
            choices.set_preference(store, person.id, "alert_rhythm", rhythm, ALERTS_FROM)
        store.record_message("m-paul", "newsletter", "2026-10-news", dt.date(2026, 10, 20))
        store.record_message("m-paul", "newsletter", "2026-10-news-2", dt.date(2026, 10, 21))
    theme = alert_theme(settings, theme_path(settings))
    with smtp_server() as (recorder, port):
        settings.update(MAILING_SMTP_HOST="127.0.0.1", MAILING_SMTP_PORT=port, MAILING_SMTP_SECURITY="none")
        sent_on: dict[str, list[dt.date]] = defaultdict(list)
        day = START
        while day <= END:
            opened = [ref for ref, (*_, opens, closes) in JOBS.items() if opens <= day < closes]
            builds = 2 if day == dt.date(2026, 11, 16) else 1  # a second build the same day changes nothing
            for _ in range(builds):
                build(settings, theme, opened, day)
            if day == dt.date(2026, 11, 10):
                with Store(settings["POOL_PATH"]) as store:
                    choices.pause(store, "m-pia", 1, day)
            before = len(recorder.messages)
            deliver(settings, alerts.plan_id_for(day), day)
            for message in recorder.messages[before:]:
                sent_on[message["To"].addresses[0].addr_spec.split("@")[0]].append(day)
            day += dt.timedelta(days=1)
    yield settings, recorder, sent_on


def build(settings, theme, opened, day):
    """What one site build does for alerts: plan, compile, check, write the plan, remember it."""
    groups = {ref: {"fr": job(ref), "en": job(ref, "en")} for ref in opened}
    with Store(settings["POOL_PATH"]) as store:
        plan = alerts.plan_alerts(store, [alerts.OpenJob.of(job(ref)) for ref in opened], POLICY, day,
                                  max_jobs=settings["COMMUNITY_ALERT_MAX_JOBS"], max_age_days=30)
        if not (plan.digests or alerts.rows_of_plan(store, plan.plan_id)):
            return
        compiled = compile_alerts(theme, settings, groups, plan.plan_id)
        for variant in compiled.values():
            assert gates.check(variant, settings) == []
        draft = alerts.alert_draft(settings, store, plan, compiled, set(opened))
        if draft is not None:
            write_plan(settings, draft)
        alerts.record(store, plan)


def deliver(settings, plan_name, day):
    """`vivier send PLAN` on `day`, with the simulation's policy: the real sender, ledger and SMTP."""
    folder = Path(settings["MAILING_OUTBOX"]) / plan_name
    if not folder.is_dir():
        return
    plan = open_plan(settings, folder)
    when = lambda: dt.datetime.combine(day, dt.time(10), tzinfo=PARIS)  # noqa: E731
    config = load_config(settings, environ={})
    with Store(settings["POOL_PATH"]) as store, SmtpTransport(config) as transport:
        sender = Sender(transport, Ledger(store, plan.plan_id, now=when), kind=plan.kind, limiter=RateLimiter(1000),
                        retries=0, backoff=0)
        summary = sender.run(PlanMessages(plan, settings, store, POLICY, day, when))
    assert summary.ok and not summary.failed


def jobs_in(message) -> list[str]:
    text = message.get_body(("plain",)).get_content()
    return [ref.upper() for ref in re.findall(r"/emplois/(cc-sim-\d\d)/", text)]


def received(recorder) -> dict[str, list[str]]:
    result = defaultdict(list)
    for message in recorder.messages:
        result[message["To"].addresses[0].addr_spec.split("@")[0]] += jobs_in(message)
    return result


def test_each_member_receives_each_matching_job_at_most_once(month):
    _, recorder, _ = month
    assert recorder.messages, "the month delivers alerts"
    for person, refs in received(recorder).items():
        assert len(refs) == len(set(refs)), f"{person} received a job twice: {refs}"
    assert len(set(recorder.message_ids())) == len(recorder.messages)
    for message in recorder.messages:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_only_matching_open_jobs_posted_since_the_member_asked(month):
    _, recorder, _ = month
    got = received(recorder)
    assert set(got["m-ines"]) == {"CC-SIM-01", "CC-SIM-04", "CC-SIM-06", "CC-SIM-08"}  # data, Lyon or remote
    assert "m-zoe" not in got  # no job-alert consent
    assert set(got["m-lea"]) == {"CC-SIM-06", "CC-SIM-08"}  # nothing posted before she asked on 15 November
    assert set(got["m-mona"]) == {"CC-SIM-03"}  # cloud; the Lyon cloud job closed before her next month
    for message in recorder.messages:
        day = message["Date"].datetime.date()
        for ref in jobs_in(message):
            assert JOBS[ref][3] <= day < JOBS[ref][4], f"{ref} was not open on {day}"


def test_digests_follow_each_members_rhythm(month):
    _, _, sent_on = month
    rhythms = {person.id: rhythm for person, rhythm in MEMBERS}
    for person, days in sent_on.items():
        for earlier, later in zip(days, days[1:]):
            assert later >= next_digest(rhythms[person], earlier), (person, days)
    assert sent_on["m-wen"][:3] == [dt.date(2026, 11, 1), dt.date(2026, 11, 8), dt.date(2026, 11, 16)]
    assert len(sent_on["m-mona"]) == 1
    assert all(later > earlier for earlier, later in zip(sent_on["m-ines"], sent_on["m-ines"][1:]))


def test_the_frequency_budget_holds_and_jobs_wait_for_room(month):
    settings, _, sent_on = month
    with Store(settings["POOL_PATH"]) as store:
        for person, _ in MEMBERS:
            history = [at if isinstance(at, dt.date) and not isinstance(at, dt.datetime) else at.date()
                       for _, _, at in store.messages_since(person.id, dt.date(2026, 10, 1))]
            day = START
            while day <= END:
                window = [at for at in history if POLICY.window_start(day) <= at <= day]
                assert len(window) <= POLICY.max_messages, (person.id, day, window)
                day += dt.timedelta(days=1)
    # Three digests in the window: the fourth job waited until 1 December, when 1 November left the window.
    assert sent_on["m-ines"] == [dt.date(2026, 11, 1), dt.date(2026, 11, 9), dt.date(2026, 11, 16), dt.date(2026, 12, 1)]
    assert sent_on["m-paul"][0] == dt.date(2026, 11, 1) and sent_on["m-paul"][1] >= dt.date(2026, 11, 19)


def test_a_paused_member_receives_nothing_during_the_pause(month):
    _, _, sent_on = month
    assert sent_on["m-pia"] and all(day < dt.date(2026, 11, 10) for day in sent_on["m-pia"])


def test_a_rhythm_of_one_month_is_calendar_months():
    assert next_digest("monthly", dt.date(2026, 1, 31)) == add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert next_digest("weekly", dt.date(2026, 11, 1)) == dt.date(2026, 11, 8)
    assert next_digest("instant", None) is None
