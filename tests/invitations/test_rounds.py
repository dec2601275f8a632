"""Invitation rounds over real pelican builds of a changing event: invite, update, reminder, cancel.

A small crafted site (one event, French and English) and a crafted pool are
built on successive days; each plan is composed by the real sender code and
read back with the email and icalendar packages.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from icalendar import Calendar
from mailing.delivery.ledger import Ledger
from mailing.delivery.plan import PlanError
from mailing.kinds.invitation.records import rows_for_event
from talentpool.models import Member
from talentpool.store import Store
from tests.conftest import ROOT, run_pelican
from tests.invitations.messages import attendees, compose_plan, invitation, recipient, settings_for, vevent

UID = "forum-nantes-2026@carrieres.cardamome.example"

EVENT_FR = """Title: Forum des métiers du numérique à Nantes
Slug: forum-nantes-2026
Reference: forum-nantes-2026
Lang: fr
Date: 2026-11-02 10:00
Modified: {modified}
Start: {start}
End: {end}
Timezone: Europe/Paris
Venue: Cardamome Conseil, agence de Nantes
Address: 5 allée des Cordiers
Postal_code: 44000
City: Nantes
Country: FR
Registration_url: https://inscriptions.cardamome.example/forum-nantes
Status: {status}
Revision: {revision}
{previous}Segments: juniors
Summary: Une soirée pour découvrir nos métiers, rencontrer nos alternants et poser vos questions à l'équipe de Nantes.

Venez comme vous êtes : ateliers, témoignages et buffet.
"""
EVENT_EN = EVENT_FR.replace("Title: Forum des métiers du numérique à Nantes", "Title: Digital careers forum in Nantes").replace(
    "Slug: forum-nantes-2026", "Slug: nantes-forum-2026").replace("Lang: fr", "Lang: en").replace(
    "Summary: Une soirée pour découvrir nos métiers, rencontrer nos alternants et poser vos questions à l'équipe de Nantes.",
    "Summary: An evening to discover our jobs, meet our apprentices and ask the Nantes team anything.").replace(
    "Venez comme vous êtes : ateliers, témoignages et buffet.", "Come as you are: workshops, stories and a buffet.").replace(
    "agence de Nantes", "Nantes office")

SCHEDULED = dict(start="2026-12-03 18:30", end="2026-12-03 21:00", status="scheduled", revision=0, previous="",
                 modified="2026-11-02 10:00")
MOVED = dict(start="2026-12-04 18:30", end="2026-12-04 21:00", status="rescheduled", revision=1,
             previous="Previous_start: 2026-12-03 18:30\n", modified="2026-11-24 16:00")
CANCELLED = dict(MOVED, status="cancelled", modified="2026-12-03 08:00")


def junior(id_, lang="fr", consents=("newsletter", "events")):
    return Member(id=id_, email=f"{id_}@example.org", first_name=id_.title(), last_name="Test", language=lang,
                  seniority="junior", stage="sourced", city="Nantes", country="FR", created=dt.date(2026, 5, 1),
                  last_contact=dt.date(2026, 5, 1), consents={kind: dt.date(2026, 5, 1) for kind in consents})


class Site:
    """One crafted project: content, pool, outbox, a generous budget (the simulation tests the budget)."""

    def __init__(self, base: Path):
        self.base = base
        self.content = base / "content"
        (self.content / "events" / "en").mkdir(parents=True)
        self.pool = base / "pool.sqlite3"
        self.outbox = base / "outbox"
        self.policy = base / "policy.yml"
        text = (ROOT / "audiences" / "policy.yml").read_text(encoding="utf-8")
        self.policy.write_text(text.replace("max_messages: 2", "max_messages: 10"), encoding="utf-8")
        self.settings = settings_for(self.pool, self.outbox)

    def build(self, day: str, values: dict):
        (self.content / "events" / "forum-nantes-2026.md").write_text(EVENT_FR.format(**values), encoding="utf-8")
        (self.content / "events" / "en" / "forum-nantes-2026.md").write_text(EVENT_EN.format(**values), encoding="utf-8")
        env = {"VIVIER_POOL": str(self.pool), "VIVIER_OUTBOX": str(self.outbox)}
        output = self.base / f"output-{day}"
        result = run_pelican(self.content, output, "-e", f"POOL_POLICY_PATH={json.dumps(str(self.policy))}", env=env, today=day)
        assert result.returncode == 0, result.stdout + result.stderr
        return output

    def messages(self, plan: str, day: str):
        return compose_plan(self.settings, plan, dt.date.fromisoformat(day), self.policy)

    def deliver(self, plan: str, day: str):
        """Compose a plan's messages as `vivier send` would and mark them sent in the ledger; returns them."""
        messages = self.messages(plan, day)
        at = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(9, 0), tzinfo=dt.timezone.utc)
        with Store(self.pool) as store:
            ledger = Ledger(store, plan)
            for entry in self.manifest(plan):
                ledger.sent(entry["member"], kind=entry["kind"], at=at)
        return messages

    def manifest(self, plan: str) -> list[dict]:
        lines = (self.outbox / plan / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]


def public_event(output: Path):
    data = (output / "evenements" / "forum-nantes-2026" / "forum-nantes-2026.ics").read_bytes()
    return vevent(Calendar.from_ical(data))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The whole story, built day by day; each test reads one chapter."""
    site = Site(tmp_path_factory.mktemp("rounds"))
    with Store(site.pool) as store:
        for member in (junior("alice"), junior("brian", "en"), junior("chloe", consents=("newsletter",))):
            store.add(member)
    site.day1 = site.build("2026-11-22", SCHEDULED)
    site.day1_manifest = site.manifest("invitation-forum-nantes-2026-invite-0")
    site.day1_plan = (site.outbox / "invitation-forum-nantes-2026-invite-0" / "plan.json").read_bytes()
    site.day1_again = site.build("2026-11-22", SCHEDULED)  # a second build the same day
    site.invites = site.deliver("invitation-forum-nantes-2026-invite-0", "2026-11-22")
    with Store(site.pool) as store:
        store.add(junior("david"))  # joins the segment after the first round
    site.day2 = site.build("2026-11-25", MOVED)
    site.updates = site.deliver("invitation-forum-nantes-2026-update-1", "2026-11-25")
    site.invites1 = site.deliver("invitation-forum-nantes-2026-invite-1", "2026-11-25")
    with Store(site.pool) as store:
        store.add(junior("emma"))  # joins later: planned in the round, but the event is cancelled before any send
    site.day3 = site.build("2026-12-03", MOVED)  # the day before the new start: the reminder
    site.emma_planned = "emma" in {e["member"] for e in site.manifest("invitation-forum-nantes-2026-invite-1")}
    site.reminders = site.deliver("invitation-forum-nantes-2026-reminder-1", "2026-12-03")
    site.day4 = site.build("2026-12-03", CANCELLED)
    site.cancels = site.messages("invitation-forum-nantes-2026-cancel-2", "2026-12-03")
    return site


def test_first_round_invites_the_segment_with_one_personal_calendar_each(site):
    messages = site.invites
    assert sorted(recipient(m) for m in messages) == ["alice@example.org", "brian@example.org"]  # chloe: no consent
    public = public_event(site.day1)
    for message in messages:
        method, calendar = invitation(message)
        assert method == "REQUEST" == str(calendar["METHOD"])
        event = vevent(calendar)
        assert attendees(event) == [recipient(message)]
        assert str(event["UID"]) == str(public["UID"]) == UID
        assert int(event["SEQUENCE"]) == int(public["SEQUENCE"]) == 0
        assert "ORGANIZER" in event and "DTSTAMP" in event
        tzids = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
        assert event["DTSTART"].params["TZID"] in tzids
    english = next(m for m in messages if recipient(m) == "brian@example.org")
    assert english["Content-Language"] == "en"
    assert str(vevent(invitation(english)[1])["SUMMARY"]) == "Digital careers forum in Nantes"
    text = english.get_payload()[0].get_payload()[0].get_content()
    assert "https://inscriptions.cardamome.example/forum-nantes" in text and "calendar.google.com" in text
    assert "openstreetmap.org" in text
    plan = json.loads((site.outbox / "invitation-forum-nantes-2026-invite-0" / "plan.json").read_text())
    assert plan["excluded"]["no_consent"] == 1


def test_a_second_build_the_same_day_plans_nobody_twice(site):
    assert site.manifest("invitation-forum-nantes-2026-invite-0") == site.day1_manifest
    assert (site.outbox / "invitation-forum-nantes-2026-invite-0" / "plan.json").read_bytes() == site.day1_plan
    with Store(site.pool) as store:
        invites = [r for r in rows_for_event(store, UID) if r.action == "invite" and r.sequence == 0]
    assert sorted(r.member_id for r in invites) == ["alice", "brian"]


def test_an_update_goes_only_to_those_invited_with_a_higher_sequence(site):
    updates = site.updates
    assert sorted(recipient(m) for m in updates) == ["alice@example.org", "brian@example.org"]
    public = public_event(site.day2)
    for message in updates:
        method, calendar = invitation(message)
        event = vevent(calendar)
        assert method == "REQUEST" == str(calendar["METHOD"])
        assert str(event["UID"]) == UID and int(event["SEQUENCE"]) == int(public["SEQUENCE"]) == 1
        assert event["DTSTART"].dt.day == 4
        assert attendees(event) == [recipient(message)]
    # the newcomer gets a first invitation at the new SEQUENCE, not an update
    invites = site.invites1
    assert [recipient(m) for m in invites] == ["david@example.org"]
    assert int(vevent(invitation(invites[0])[1])["SEQUENCE"]) == 1


def test_the_reminder_goes_the_day_before_to_the_invited_without_a_calendar(site):
    reminders = site.reminders
    assert sorted(recipient(m) for m in reminders) == ["alice@example.org", "brian@example.org", "david@example.org"]
    for message in reminders:
        assert message.get_content_type() == "multipart/alternative"
        assert not any(part.get_content_type() == "text/calendar" for part in message.walk())
    assert {str(m["Subject"]) for m in reminders} == {"C'est demain : Forum des métiers du numérique à Nantes",
                                                      "Tomorrow: Digital careers forum in Nantes"}


def test_a_cancellation_goes_to_everyone_invited_with_method_cancel(site):
    cancels = site.cancels
    assert sorted(recipient(m) for m in cancels) == ["alice@example.org", "brian@example.org", "david@example.org"]
    public = public_event(site.day4)
    for message in cancels:
        method, calendar = invitation(message)
        event = vevent(calendar)
        assert method == "CANCEL" == str(calendar["METHOD"])
        assert str(event["STATUS"]) == "CANCELLED" == str(public["STATUS"])
        assert str(event["UID"]) == UID and int(event["SEQUENCE"]) == int(public["SEQUENCE"]) == 2
        assert attendees(event) == [recipient(message)]
    # chloe (never invited) hears of no change at all
    with Store(site.pool) as store:
        assert not [r for r in rows_for_event(store, UID) if r.member_id == "chloe"]


def test_a_cancellation_reaches_exactly_those_who_received_the_invitation(site):
    # emma was planned in the invitation round after the move, but nothing was sent to her before the
    # cancellation: she never heard of the event, so she hears nothing of its cancellation either.
    assert site.emma_planned
    assert "emma@example.org" not in {recipient(m) for m in site.cancels}
    assert "emma" not in {e["member"] for e in site.manifest("invitation-forum-nantes-2026-cancel-2")}
    # and the round that would have invited her is withdrawn: `vivier send` refuses it, saying why
    with pytest.raises(PlanError, match="withdrawn .*forum-nantes-2026 is cancelled"):
        site.messages("invitation-forum-nantes-2026-invite-1", "2026-12-03")
    assert not (site.outbox / "invitation-forum-nantes-2026-invite-1" / "previews").exists()


def test_organizer_names_the_sender_and_stamps_move_with_every_message(site):
    """RFC 5545/5546: ORGANIZER is the sender or says SENT-BY; DTSTAMP is when each message was made,
    LAST-MODIFIED moves with the update and the cancellation."""
    from email.utils import parseaddr

    rounds = [("invite-0", site.invites, "2026-11-22"), ("update-1", site.updates, "2026-11-25"),
              ("cancel-2", site.cancels, "2026-12-03")]  # each composed on its day, as `vivier send` would
    stamps, modified = [], []
    for plan, messages, day in rounds:
        assert messages
        for message in messages:
            event = vevent(invitation(message)[1])
            sender = parseaddr(str(message["From"]))[1].lower()
            organizer = event["ORGANIZER"]
            own = str(organizer).lower().removeprefix("mailto:")
            assert own == sender or str(organizer.params.get("SENT-BY", "")).lower() == f"mailto:{sender}", (plan, organizer.params)
            assert event["DTSTAMP"].dt.tzinfo is not None
            assert event["DTSTAMP"].dt.astimezone(dt.timezone.utc).date().isoformat() == day  # made that day
        stamps.append(event["DTSTAMP"].dt)
        modified.append(event["LAST-MODIFIED"].dt)
    assert stamps == sorted(stamps) and len(set(stamps)) == 3
    assert modified[0] < modified[1] < modified[2]
    assert modified[1] >= stamps[1] and modified[2] >= stamps[2]  # the change is known when the message is made
