"""Compose a written plan's messages with the real sender code, and read them back with email and icalendar."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.utils import parseaddr
from pathlib import Path

from icalendar import Calendar

from mailing import settings as mailing_settings
from mailing.delivery.plan import PlanMessages, open_plan
from mailing.delivery.sender import Outgoing
from talentpool.policy import load_policy
from talentpool.store import Store
from tests.conftest import ROOT
from vivier.config import load_settings


def settings_for(pool: Path, outbox: Path) -> dict:
    settings = load_settings(ROOT / "pelicanconf.py", POOL_PATH=str(pool), MAILING_OUTBOX=str(outbox))
    mailing_settings.apply_defaults(settings)
    return settings


def compose_plan(settings: dict, plan_name: str, today: dt.date, policy_path: Path | None = None) -> list[email.message.EmailMessage]:
    """Every message of a plan as `vivier send` would compose it (policy checked again), parsed."""
    plan = open_plan(settings, plan_name)
    policy = load_policy(policy_path or ROOT / "audiences" / "policy.yml")
    when = dt.datetime.combine(today, dt.time(9, 0), tzinfo=dt.timezone.utc)
    messages = []
    with Store(settings["POOL_PATH"]) as store:
        stream = PlanMessages(plan, settings, store, policy, today, lambda: when)
        for entry in plan.entries():
            item = stream.build(entry)
            assert isinstance(item, Outgoing), item
            messages.append(email.message_from_bytes(item.data, policy=email.policy.default))
    return messages


def calendar_parts(message) -> tuple:
    """(the text/calendar part, the invite.ics attachment), checking the RFC 6047 structure on the way."""
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in alternative.get_payload()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"
    return alternative.get_payload()[2], attachment


def invitation(message) -> tuple[str, Calendar]:
    """(the MIME method parameter, the parsed calendar) of an invitation message; both parts must agree."""
    part, attachment = calendar_parts(message)
    assert part.get_param("charset").upper() == "UTF-8"
    data = part.get_payload(decode=True)
    assert attachment.get_payload(decode=True) == data
    assert b"\r\n" in data and all(len(line) <= 75 for line in data.split(b"\r\n"))
    return part.get_param("method"), Calendar.from_ical(data)


def recipient(message) -> str:
    return parseaddr(str(message["To"]))[1]


def vevent(calendar):
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def attendees(event) -> list[str]:
    value = event.get("ATTENDEE")
    values = value if isinstance(value, list) else [value] if value is not None else []
    return [str(v).removeprefix("mailto:") for v in values]
