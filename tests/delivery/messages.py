"""Small real MIME messages for sender tests (the plan tests use the mailing composer)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
import datetime as dt

from mailing.delivery.sender import Outgoing

DOMAIN = "carrieres.cardamome.example"


def member_id(n: int) -> str:
    return f"m-{n:04d}"


def address(n: int) -> str:
    return f"membre{n:04d}@example.org"


def message(plan: str, n: int) -> Outgoing:
    """One single-recipient message with a Message-ID that depends only on (plan, member)."""
    msg = EmailMessage()
    msg["From"] = "Cardamome Conseil — Carrières <carrieres@cardamome.example>"
    msg["To"] = f"Membre {n} <{address(n)}>"
    msg["Subject"] = "Nos offres du mois à Lyon et Nantes"
    msg["Date"] = format_datetime(dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone.utc))
    message_id = f"<{plan}.{member_id(n)}@{DOMAIN}>"
    msg["Message-ID"] = message_id
    msg.set_content(f"Bonjour {n}, voici les offres qui vous correspondent.\n")
    return Outgoing(member_id(n), message_id, msg.as_bytes(), address(n))


def synthetic_items(plan: str, count: int):
    return (message(plan, n) for n in range(count))
