"""The calendar part of an invitation email (RFC 6047), added to a composed message.

`with_calendar` turns a composed `multipart/alternative` (text, html) into

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST; charset=UTF-8     (the same METHOD as the body)
      application/ics; name="invite.ics"                 (attachment, the same bytes)

`personal_ics` writes the member as the one ATTENDEE of a plan's calendar
template; `invitation_composer` is the composer `vivier send` loads for
invitation plans (named in their plan.json).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from icalendar import Calendar, vCalAddress, vText

from ...personalise import clean_name

_BOUNDARY = re.compile(rb'boundary="?([^";\r\n]+)"?', re.I)
# The one attendee a plan's template carries, replaced per member at send time.
PLACEHOLDER_ATTENDEE = ("attendee@vivier.invalid", "Vivier attendee")
CALENDAR_FOLDER = "calendar"


class MimeError(ValueError):
    """A message that is not the composer's multipart/alternative."""


def _b64_lines(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))


def _method_of(ics: bytes) -> str:
    match = re.search(rb"^METHOD:([A-Z-]+)\r?$", ics, re.M)
    if not match:
        raise MimeError("the calendar has no METHOD line")
    return match.group(1).decode("ascii")


def with_calendar(message: bytes, ics: bytes, method: str) -> bytes:
    """`message` (headers + multipart/alternative body) with the calendar part and invite.ics added.

    `method` must equal the calendar's own METHOD (RFC 6047 §2.4): it is checked.
    """
    method = method.upper()
    if _method_of(ics) != method:
        raise MimeError(f"the part says method={method} but the calendar says METHOD:{_method_of(ics)}")
    end = message.find(b"\r\n\r\n")
    if end < 0:
        raise MimeError("no blank line between the headers and the body")
    headers, body = message[: end + 2], message[end + 4:]
    lines = headers.split(b"\r\n")
    index = next((i for i, line in enumerate(lines) if line.lower().startswith(b"content-type:")), None)
    if index is None:
        raise MimeError("no Content-Type header")
    stop = index + 1
    while stop < len(lines) and lines[stop][:1] in (b" ", b"\t"):
        stop += 1
    content_type = b" ".join(line.strip() for line in lines[index:stop])
    if b"multipart/alternative" not in content_type.lower():
        raise MimeError("expected a multipart/alternative message")
    boundary = _BOUNDARY.search(content_type).group(1)
    closing = b"\r\n--" + boundary + b"--"
    cut = body.rfind(closing)
    if cut < 0:
        raise MimeError("the multipart/alternative body is not closed")
    calendar_part = (
        b"\r\n--" + boundary + b"\r\n"
        b"Content-Type: text/calendar; charset=UTF-8; method=" + method.encode("ascii") + b"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + _b64_lines(ics)
    )
    alternative = body[:cut] + calendar_part + closing + b"\r\n"
    mixed = b"=_vivier_mixed_" + hashlib.sha256(boundary).hexdigest()[:20].encode("ascii")
    new_body = (
        b"--" + mixed + b"\r\n"
        b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n\r\n' + alternative +
        b"\r\n--" + mixed + b"\r\n"
        b'Content-Type: application/ics; name="invite.ics"\r\n'
        b'Content-Disposition: attachment; filename="invite.ics"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + _b64_lines(ics) +
        b"\r\n--" + mixed + b"--\r\n"
    )
    lines[index:stop] = [b'Content-Type: multipart/mixed; boundary="' + mixed + b'"']
    return b"\r\n".join(lines) + b"\r\n" + new_body


def personal_ics(template: bytes, email: str, name: str) -> bytes:
    """The plan's calendar with this member as the one ATTENDEE (RSVP requested)."""
    calendar = Calendar.from_ical(template)
    name = clean_name(name) or email
    for component in calendar.walk("VEVENT"):
        if "ATTENDEE" in component:
            del component["ATTENDEE"]
        address = vCalAddress(f"mailto:{email.strip()}")
        for key, value in (("CUTYPE", "INDIVIDUAL"), ("ROLE", "REQ-PARTICIPANT"), ("PARTSTAT", "NEEDS-ACTION"),
                           ("RSVP", "TRUE"), ("CN", name)):
            address.params[key] = vText(value)
        component.add("attendee", address)
    return calendar.to_ical()


class InvitationComposer:
    """Composes one round's messages: the newsletter composer's message, plus the member's calendar."""

    def __init__(self, compiled, *, config, signer, plan_id: str, settings=None, plan=None):
        from ...compose import Composer

        self.composer = Composer(compiled, config, signer, plan_id)
        meta = getattr(plan, "meta", None) or {}
        self.method = meta.get("method")
        self.template = None
        if self.method:
            folder = Path(plan.folder) / CALENDAR_FOLDER
            self.template = (folder / f"{compiled.lang}.ics").read_bytes()

    def compose(self, member, entry: dict, when) -> tuple[str, bytes]:
        message_id, data = self.composer.compose(member, [], when)
        if self.template is None:
            return message_id, data
        ics = personal_ics(self.template, member.email, f"{member.first_name} {member.last_name}")
        return message_id, with_calendar(data, ics, self.method)


def invitation_composer(compiled, **kwargs) -> InvitationComposer:
    """The factory named in invitation plans' plan.json (`mailing.kinds.invitation.mime:invitation_composer`)."""
    return InvitationComposer(compiled, **kwargs)
