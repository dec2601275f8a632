"""A member's own choices, read for the preferences page and saved from it (consents with their proof)."""

from __future__ import annotations

import datetime as dt
import json
import secrets

from ..delivery import choices as member_choices
from . import signups
from .form import Choices
from .settings import CONSENTS


def current(store, member) -> Choices:
    """The member's choices as the preferences form shows them."""
    prefs = member_choices.preferences(store, member.id)
    try:
        locations = json.loads(prefs.get(signups.LOCATIONS) or "[]")
    except ValueError:
        locations = []
    if not locations and member.city:
        locations = [member.city]
    return Choices(
        email=member.email, first_name=member.first_name, language=member.language,
        departments=list(member.departments), locations=list(locations),
        remote=prefs.get(signups.REMOTE) or "any", skills=list(member.skills),
        consents=[kind for kind in CONSENTS if member.has_consent(kind)],
        open_to_unlisted=signups.SPONTANEOUS in member.tags,
        rhythm=prefs.get(signups.ALERT_RHYTHM) or "instant",
    )


def paused_until(store, member_id: str, today: dt.date) -> dt.date | None:
    """The day mail resumes, while a pause runs."""
    until = member_choices.preferences(store, member_id).get(member_choices.PAUSED_UNTIL)
    if until and dt.date.fromisoformat(until) > today:
        return dt.date.fromisoformat(until)
    return None


def save(store, member, choices: Choices, *, now: dt.datetime, form_version: str, ip_hash: str) -> list[str]:
    """Apply the preferences form: profile, alert criteria, consents given or withdrawn. Returns the consents given now."""
    day = now.date()
    before = set(current(store, member).consents)
    wanted = set(choices.consents)
    with store.transaction():
        member = store.get(member.id)
        if choices.first_name:
            member.first_name = choices.first_name
        member.language = choices.language or member.language
        member.departments = list(choices.departments)
        member.skills = list(choices.skills)
        if choices.open_to_unlisted:
            signups.mark_spontaneous(member, day)
        elif signups.SPONTANEOUS in member.tags:
            member.tags.remove(signups.SPONTANEOUS)
        store.update(member)
        store.record_contact(member.id, day)  # saving one's preferences is an action by the person
        signups.save_alert_choices(store, member.id, choices, day)
        given = sorted(wanted - before)
        for kind in given:
            store.give_consent(member.id, kind, day)
        for kind in sorted(before - wanted):
            store.unsubscribe(member.id, day, scope=kind)
        if {"events", "job_alerts"} & wanted:
            signups.delete_preference(store, member.id, member_choices.RHYTHM)
        if given:
            signups.record_proof(store, member.id, f"p-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}", source="preferences",
                                 form_version=form_version, ticked=[f"consent_{k}" for k in given], ip_hash=ip_hash,
                                 submitted=now, confirmed=now)
    return given


def resume(store, member_id: str) -> None:
    """End a pause early."""
    signups.delete_preference(store, member_id, member_choices.PAUSED_UNTIL)
