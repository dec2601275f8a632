"""The two emails of a reverse-interview booking: the request to the role mailbox, the candidate's confirmation.

Transactional, one recipient each, plain text, sent at once over the delivery
settings' relay; both state the evaluation firewall. They are composed in
memory and never written anywhere.
"""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid

from careers.dates import now

from ..delivery.config import load_config
from ..delivery.smtp import SmtpTransport


def _message(settings, to: Address, subject: str, lines: list[str], lang: str, reply_to: Address | None = None) -> EmailMessage:
    msg = EmailMessage()
    sender = settings["MAILING_FROM_ADDRESS"]
    msg["From"] = Address(" ".join(str(settings.get("MAILING_FROM_NAME") or "").split()), addr_spec=sender)
    msg["To"] = to
    if reply_to is not None:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now(settings))
    msg["Message-ID"] = make_msgid("booking", domain=sender.rsplit("@", 1)[1])
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = lang
    msg.set_content("\n".join(lines) + "\n", cte="quoted-printable")
    return msg


def request_message(settings, profile, values: dict, lang: str, s, firewall: str, formats: dict) -> EmailMessage:
    """To the ambassador's role mailbox, answering goes to the candidate."""
    candidate = Address(values["name"], addr_spec=values["email"])
    lines = [s("request_intro", candidate=values["name"], format=formats.get(values["format"], values["format"])), ""]
    if values.get("job"):
        lines += [s("request_job", job=values["job"]), ""]
    if values.get("questions"):
        lines += [s("request_questions"), values["questions"], ""]
    lines += [s("request_reply", email=values["email"]), "", s("request_firewall"), firewall]
    return _message(settings, Address(profile.name, addr_spec=profile.mailbox),
                    s("request_subject", candidate=values["name"]), lines, lang, reply_to=candidate)


def confirmation(settings, profile, values: dict, lang: str, s, firewall: str) -> EmailMessage:
    """To the candidate: sent, who answers, and the evaluation firewall."""
    role = profile.roles.get(lang, profile.role)
    lines = [s("confirm_intro", candidate=values["name"], name=profile.name, role=role), "", firewall, s("confirm_kept")]
    return _message(settings, Address(values["name"], addr_spec=values["email"]),
                    s("confirm_subject", name=profile.name), lines, lang)


def send(settings, recipient: str, message: EmailMessage) -> bool:
    """One SMTP transaction to the relay of the delivery settings; True when accepted."""
    config = load_config(settings)
    with SmtpTransport(config) as transport:
        result = transport.send(config.envelope_from or settings["MAILING_FROM_ADDRESS"], recipient,
                                message.as_bytes(policy=SMTP_POLICY))
    return result.accepted
