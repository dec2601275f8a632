"""Every setting of the mail side is declared once (mailing.settings) and documented in docs/."""

from __future__ import annotations

import re
from pathlib import Path

from mailing import settings as mail_settings
from mailing.community import settings as community_settings
from mailing.delivery import config as delivery_config
from mailing.kinds.invitation import settings as invitation_settings

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\b(?:MAILING|COMMUNITY|INVITATIONS|SEQUENCES)_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_…])")  # not a prefix
# Named by the code only to refuse them: credentials come from the environment, never from a settings file.
REFUSED = {"MAILING_SMTP_USER", "MAILING_SMTP_PASSWORD"}


def test_every_mail_setting_is_documented_with_a_help_text():
    docs = "".join(path.read_text(encoding="utf-8") for path in (ROOT / "docs").glob("*.md"))
    missing = [s.name for s in mail_settings.SETTINGS if s.name not in docs]
    assert missing == [], f"settings not documented in docs/: {missing}"
    assert all(s.help.strip() for s in mail_settings.SETTINGS)
    assert len(mail_settings.DECLARED) == len(mail_settings.SETTINGS)  # each name once


def test_the_code_reads_no_mail_setting_that_is_not_declared():
    used = set()
    for path in (ROOT / "plugins").rglob("*.py"):
        used |= set(NAME.findall(path.read_text(encoding="utf-8")))
    assert sorted(used - set(mail_settings.DECLARED) - REFUSED) == []


def test_each_part_sees_the_one_declaration_and_defaults_apply_at_once():
    parts = {**community_settings.DEFAULTS, **delivery_config.DEFAULTS, **invitation_settings.DEFAULTS}
    assert all(mail_settings.DEFAULTS[name] == value for name, value in parts.items())
    settings = mail_settings.apply_defaults({"PUBLIC_URL": "https://carrieres.example.org", "SITEURL": ""})
    assert set(mail_settings.DECLARED) <= set(settings)
    assert settings["COMMUNITY_ENDPOINT"] == "https://carrieres.example.org/api/inscription"
    assert settings["MAILING_UNSUBSCRIBE_URL"] == "https://carrieres.example.org/desabonnement"
    settings["COMMUNITY_LOCATIONS"].append("Brest")  # a mutable default is the build's own copy
    assert mail_settings.DEFAULTS["COMMUNITY_LOCATIONS"] == ["Lyon", "Nantes"]
