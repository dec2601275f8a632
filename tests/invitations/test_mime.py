"""The calendar part added to a composed message: RFC 6047 structure, checked METHOD, one attendee."""

from __future__ import annotations

import email
import email.policy

import pytest
from icalendar import Calendar
from mailing.kinds.invitation.mime import MimeError
from mailing.kinds.invitation.mime import personal_ics
from mailing.kinds.invitation.mime import with_calendar

BASE = (
    b"From: Cardamome <carrieres@cardamome.example>\r\nTo: ana@example.org\r\nSubject: Invitation\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"=_vivier_x\"\r\n"
    b"\r\n--=_vivier_x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour\r\n"
    b"\r\n--=_vivier_x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Bonjour</p>\r\n"
    b"\r\n--=_vivier_x--\r\n"
)
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    b"UID:forum@carrieres.cardamome.example\r\nDTSTAMP:20261101T090000Z\r\nSEQUENCE:3\r\n"
    b"DTSTART:20261203T173000Z\r\nSUMMARY:Forum\r\n"
    b"ORGANIZER;CN=Recrutement:mailto:evenements@cardamome.example\r\n"
    b"ATTENDEE;CN=Placeholder;RSVP=TRUE:mailto:attendee@vivier.invalid\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_the_message_becomes_mixed_with_a_calendar_alternative_and_an_attachment():
    message = email.message_from_bytes(with_calendar(BASE, ICS, "request"), policy=email.policy.default)
    assert message.get_content_type() == "multipart/mixed"
    assert message["Subject"] == "Invitation" and message["To"] == "ana@example.org"
    alternative, attachment = message.get_payload()
    assert [p.get_content_type() for p in alternative.get_payload()] == ["text/plain", "text/html", "text/calendar"]
    assert alternative.get_payload()[0].get_content().strip() == "Bonjour"
    part = alternative.get_payload()[2]
    assert part.get_param("method") == "REQUEST" and part.get_param("charset") == "UTF-8"
    assert part.get_payload(decode=True) == ICS == attachment.get_payload(decode=True)
    assert attachment.get_filename() == "invite.ics" and attachment.get_content_disposition() == "attachment"
    assert not message.defects and not any(p.defects for p in message.walk())


def test_the_mime_method_must_equal_the_calendar_method():
    with pytest.raises(MimeError, match="METHOD:REQUEST"):
        with_calendar(BASE, ICS, "CANCEL")


def test_only_a_multipart_alternative_message_is_accepted():
    single = BASE.replace(b"multipart/alternative", b"text/plain")
    with pytest.raises(MimeError, match="multipart/alternative"):
        with_calendar(single, ICS, "REQUEST")


def test_personal_ics_names_the_member_as_the_only_attendee_and_keeps_the_rest():
    data = personal_ics(ICS, "zoe.escoffier@mail.example", "Zoé\r\nBCC: x Escoffier")
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    attendee = event["ATTENDEE"]
    assert not isinstance(attendee, list)
    assert str(attendee) == "mailto:zoe.escoffier@mail.example"
    assert attendee.params["CN"] == "Zoé BCC: x Escoffier"  # one line: no control characters survive
    assert attendee.params["RSVP"] == "TRUE" and attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert str(event["UID"]) == "forum@carrieres.cardamome.example" and int(event["SEQUENCE"]) == 3
    assert b"attendee@vivier.invalid" not in data
