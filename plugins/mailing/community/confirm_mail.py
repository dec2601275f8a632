"""The double opt-in email: compiled once per language with the mail theme, then one message per sign-up.

Transactional (the policy's `confirmation` kind): no consent needed, no
frequency budget used, no List-Unsubscribe (the person is on no list yet).
Sent at once over the delivery settings' SMTP relay, one recipient.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.policy import SMTP as SMTP_POLICY
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from careers.i18n import translator

from ..compose import format_address, message_id
from ..settings import mail_theme_path
from ..delivery.config import load_config
from ..delivery.smtp import SmtpTransport
from ..kinds.invitation.views import OverlayTheme
from ..personalise import MemberValues, clean_name, render
from ..pipeline import PLACEHOLDER, CompiledVariant, compile_variant
from ..views import absolute, privacy_url

log = logging.getLogger(__name__)

PLAN = "community-confirm"
KIND = "confirmation"


def confirm_view(settings, lang: str, t) -> dict:
    """What the confirmation templates show in one language (the link is a placeholder)."""
    s = lambda key, **kw: t(f"community.mail.{key}", lang, **kw)  # noqa: E731
    hours = settings["COMMUNITY_CONFIRM_HOURS"]
    prefix = "" if lang == settings["DEFAULT_LANG"] else f"{lang}/"
    return {
        "slug": PLAN, "segment": "confirm", "lang": lang, "variant": "a",
        "title": s("confirm_subject"), "subject": s("confirm_subject"), "preheader": s("confirm_preheader", hours=hours),
        "intro": s("confirm_intro"), "button": s("confirm_button"), "expiry": s("confirm_expiry", hours=hours),
        "confirm_url": PLACEHOLDER.format("confirm_url"),
        "company": settings["CAREERS_COMPANY"],
        "links": {"archive": absolute(settings, prefix), "site": absolute(settings, prefix),
                  "jobs": absolute(settings, prefix), "privacy": privacy_url(settings, lang)},
        "matches": 0, "if_nothing": "general", "candidates": [],
    }


class ConfirmationMail:
    """Compiles the confirmation email lazily (once per language) and sends it."""

    def __init__(self, settings: dict):
        self.settings = settings
        self.t = translator(settings["THEME"], settings["DEFAULT_LANG"])
        overrides = {
            lang: {"view_in_browser": self.t("community.mail.confirm_site", lang),
                   "footer_why": self.t("community.mail.confirm_footer_why", lang),
                   "preferences": self.t("community.mail.confirm_view", lang),
                   "unsubscribe": self.t("community.mail.confirm_cancel", lang)}
            for lang in settings["CAREERS_LANGUAGES"]
        }
        self.theme = OverlayTheme(mail_theme_path(settings), overrides)
        self._compiled: dict[str, CompiledVariant] = {}

    def compiled(self, lang: str) -> CompiledVariant:
        if lang not in self._compiled:
            variant = compile_variant(self.theme, confirm_view(self.settings, lang, self.t), template="confirm")
            if variant.problems:
                raise RuntimeError(f"theme/mail/confirm.mjml ({lang}): " + "; ".join(variant.problems))
            self._compiled[lang] = variant
        return self._compiled[lang]

    def message(self, *, signup_id: str, email: str, first_name: str, lang: str, link: str, when: dt.datetime) -> bytes:
        """The complete confirmation message (text, then HTML) for one pending sign-up."""
        compiled = self.compiled(lang if lang in self.settings["CAREERS_LANGUAGES"] else self.settings["DEFAULT_LANG"])
        first = clean_name(first_name)
        greeting = compiled.strings["greeting_named"].format(name=first) if first else compiled.strings["greeting"]
        values = MemberValues({"first_name": first, "greeting": greeting, "confirm_url": link,
                               "preferences_url": link, "unsubscribe_url": link}, ())
        html, text = render(compiled, values)
        msg = EmailMessage()
        format_address(first, email)  # AddressError for an address no header can carry
        msg["From"] = Address(clean_name(self.settings["MAILING_FROM_NAME"]), addr_spec=self.settings["MAILING_FROM_ADDRESS"])
        msg["To"] = Address(first, addr_spec=email.strip())
        msg["Subject"] = compiled.subject
        msg["Date"] = format_datetime(when)
        domain = self.settings["MAILING_FROM_ADDRESS"].rsplit("@", 1)[1]
        msg["Message-ID"] = message_id(f"{PLAN}-{int(when.timestamp())}", signup_id, domain)
        msg["Auto-Submitted"] = "auto-generated"
        msg["Content-Language"] = compiled.lang
        msg.set_content(text, cte="quoted-printable")
        msg.add_alternative(html, subtype="html", cte="quoted-printable")
        return msg.as_bytes(policy=SMTP_POLICY)

    def send(self, recipient: str, data: bytes) -> bool:
        """One SMTP transaction to the relay of the delivery settings; True when accepted."""
        config = load_config(self.settings)
        with SmtpTransport(config) as transport:
            result = transport.send(config.envelope_from or self.settings["MAILING_FROM_ADDRESS"], recipient, data)
        if not result.accepted:
            log.warning("confirmation email not accepted: %s", result.describe())
        return result.accepted
