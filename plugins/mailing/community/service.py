"""Everything the community pages share for one web application: settings, pages, signers, the mailer."""

from __future__ import annotations

import ipaddress

from careers import settings as careers_settings

from ..tokens import secret_from_env
from . import settings as community_settings
from .confirm_mail import ConfirmationMail
from .pages import CommunityPages
from .tokens import ConfirmSigner


class Community:
    """Built once per web application (on first use) and kept on it."""

    def __init__(self, app):
        settings = dict(app.settings)
        careers_settings.apply_defaults(settings)
        community_settings.apply_defaults(settings)
        community_settings.validate(settings)
        self.settings = settings
        self.pages = CommunityPages(settings)
        self.mail = ConfirmationMail(settings)
        self.trusted_proxies = tuple(ipaddress.ip_network(str(p), strict=False) for p in settings["COMMUNITY_TRUSTED_PROXIES"])
        self.confirm_signer = ConfirmSigner(secret_from_env(required=bool(settings.get("MAILING_REQUIRE_SECRET"))))


def community(app) -> Community:
    """The app's community services, created on first use."""
    found = getattr(app, "community", None)
    if found is None:
        found = app.community = Community(app)
    return found
