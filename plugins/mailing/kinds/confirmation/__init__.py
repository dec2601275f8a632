"""The sign-up confirmation (double opt-in): transactional, sent at once by the web application.

It is a kind of the registry so that every message Vivier sends is listed in
one place, but no build plans it (`plans = False`): the web application's
sign-up handler composes and sends it (mailing.community.confirm_mail).
"""

from __future__ import annotations

from ..base import MessageKind
from ..registry import register


@register
class ConfirmationKind(MessageKind):
    name = "confirmation"
    policy_kinds = ("confirmation",)
    plans = False
