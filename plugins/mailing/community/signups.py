"""Double opt-in against the talent-pool store: pending sign-ups, confirmation, consent proofs, rate limits.

A submitted form only creates a *pending* sign-up: nothing is consented and
no member exists until the person follows the link of the confirmation
email. Each submission is a pending request of its own, confirmed only by its
own link: a second submission for the same address (by anyone) never changes
what the first link confirms, and confirming one request withdraws the others. Confirming creates the member, or updates the one with
that address, records each ticked consent (an explicit opt-in: it lifts an
earlier unsubscription) and its proof: when, which form version, what was
ticked, and a salted hash of the IP address, never the address itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass

from talentpool.models import Member, normalise_email

from ..delivery import choices as member_choices
from .form import Choices

log = logging.getLogger(__name__)

SOURCE = "career_site"
TAG = "community"
SPONTANEOUS = "spontaneous"
# Stages an "open to an unlisted role" may move forward to `applied` (never backwards).
EARLY_STAGES = ("sourced", "contacted", "rejected", "silver_medalist", "hired_elsewhere")
LOCATIONS = "locations"
REMOTE = "remote"
ALERT_RHYTHM = "alert_rhythm"


class SignupNotFound(LookupError):
    """No pending sign-up with that id: already confirmed, cancelled or expired."""


@dataclass
class Pending:
    """A sign-up waiting for its confirmation."""

    id: str
    email: str
    choices: Choices
    form_version: str
    ip_hash: str
    submitted: dt.datetime
    expires: dt.datetime


def _salt(store) -> str:
    with store.transaction() as conn:
        return conn.scalar("SELECT value FROM meta WHERE key = 'community_salt'")


def hashed(store, text: str) -> str:
    """Salted SHA-256 (the salt is private to this store): countable, not reversible by a lookup table."""
    return hashlib.sha256(f"{_salt(store)}:{text}".encode("utf-8")).hexdigest()


# --- rate limits -----------------------------------------------------------------------


def mailbox_key(email: str) -> str:
    """The mailbox an address reaches, for counting: case-folded, without a `+tag` (`Ana+1@X` = `ana@x`)."""
    local, _, domain = normalise_email(email).rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local else normalise_email(email)


def over_limit(store, email: str, client: str, now: dt.datetime, settings) -> str | None:
    """Count one attempt; 'address', 'client' or 'overall' when it goes over that limit, else None."""
    day, hour = now.date().isoformat(), now.strftime("%Y-%m-%dT%H")
    limits = (
        ("address", hashed(store, "address:" + mailbox_key(email)), day, settings["COMMUNITY_RATE_PER_ADDRESS"]),
        ("client", hashed(store, "client:" + (client or "")), hour, settings["COMMUNITY_RATE_PER_CLIENT"]),
        ("overall", "overall", hour, settings["COMMUNITY_RATE_OVERALL"]),
    )
    verdict = None
    with store.transaction() as conn:
        # "window" is quoted: a reserved word in PostgreSQL.
        conn.execute('DELETE FROM community_attempts WHERE "window" < :oldest',
                     {"oldest": (now.date() - dt.timedelta(days=2)).isoformat()})
        for name, key, window, limit in limits:
            count = conn.scalar(
                'INSERT INTO community_attempts(key, "window", count) VALUES (:key, :window, 1)'
                ' ON CONFLICT(key, "window") DO UPDATE SET count = community_attempts.count + 1 RETURNING count',
                {"key": key, "window": window})
            if count > limit and verdict is None:
                verdict = name
    return verdict


# --- pending sign-ups ------------------------------------------------------------------


def _pending(row) -> Pending:
    row = row._mapping
    data = json.loads(row["data"])
    return Pending(row["id"], data["email"], Choices.from_json(data), row["form_version"], row["ip_hash"],
                   dt.datetime.fromisoformat(row["submitted"]), dt.datetime.fromisoformat(row["expires"]))


def submit(store, choices: Choices, *, client: str, now: dt.datetime, settings) -> Pending:
    """Store a new pending sign-up: its own id, its own data, never an earlier request's overwritten."""
    key = normalise_email(choices.email)
    expires = now + dt.timedelta(hours=settings["COMMUNITY_CONFIRM_HOURS"])
    data = json.dumps(choices.to_json(), ensure_ascii=False)
    ip_hash = hashed(store, "ip:" + (client or "")) if client else ""
    signup_id = "s-" + secrets.token_urlsafe(12)
    with store.transaction() as conn:
        conn.execute("DELETE FROM community_signups WHERE expires <= :now", {"now": now.isoformat()})
        conn.execute(
            "INSERT INTO community_signups(id, email_key, data, form_version, ip_hash, submitted, expires)"
            " VALUES (:id, :key, :data, :form_version, :ip_hash, :submitted, :expires)",
            {"id": signup_id, "key": key, "data": data, "form_version": settings["COMMUNITY_FORM_VERSION"],
             "ip_hash": ip_hash, "submitted": now.isoformat(), "expires": expires.isoformat()},
        )
    return Pending(signup_id, choices.email, choices, settings["COMMUNITY_FORM_VERSION"], ip_hash, now, expires)


def get_pending(store, signup_id: str) -> Pending | None:
    with store.transaction() as conn:
        row = conn.execute("SELECT * FROM community_signups WHERE id = :id", {"id": signup_id}).first()
    return _pending(row) if row else None


def cancel(store, signup_id: str) -> bool:
    """Forget a pending sign-up (the person says it was not them); True if there was one."""
    with store.transaction() as conn:
        return conn.execute("DELETE FROM community_signups WHERE id = :id", {"id": signup_id}).rowcount == 1


def pending_count(store) -> int:
    with store.transaction() as conn:
        return conn.execute("SELECT COUNT(*) FROM community_signups").fetchone()[0]


# --- consent proofs and preferences ------------------------------------------------------


def record_proof(store, member_id: str, proof_id: str, *, source: str, form_version: str, ticked: list[str],
                 ip_hash: str, submitted: dt.datetime, confirmed: dt.datetime) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO consent_proofs(member_id, proof_id, source, form_version, ticked, ip_hash, submitted, confirmed)"
            " VALUES (:member, :proof, :source, :form_version, :ticked, :ip_hash, :submitted, :confirmed)"
            " ON CONFLICT(member_id, proof_id) DO UPDATE SET source = excluded.source, form_version = excluded.form_version,"
            " ticked = excluded.ticked, ip_hash = excluded.ip_hash, submitted = excluded.submitted,"
            " confirmed = excluded.confirmed",
            {"member": member_id, "proof": proof_id, "source": source, "form_version": form_version,
             "ticked": json.dumps(sorted(ticked)), "ip_hash": ip_hash, "submitted": submitted.isoformat(),
             "confirmed": confirmed.isoformat()},
        )


def proofs(store, member_id: str) -> list[dict]:
    """Every consent proof of a member, oldest first."""
    with store.transaction() as conn:
        rows = conn.execute("SELECT * FROM consent_proofs WHERE member_id = :member ORDER BY confirmed, proof_id",
                            {"member": member_id}).mappings().fetchall()
    return [dict(row) | {"ticked": json.loads(row["ticked"])} for row in rows]


def delete_preference(store, member_id: str, key: str) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM preferences WHERE member_id = :member AND key = :key", {"member": member_id, "key": key})


def save_alert_choices(store, member_id: str, choices: Choices, day: dt.date) -> None:
    """The alert criteria that the member record has no field for: cities, remote wish, rhythm."""
    member_choices.set_preference(store, member_id, LOCATIONS, json.dumps(choices.locations, ensure_ascii=False), day)
    member_choices.set_preference(store, member_id, REMOTE, choices.remote, day)
    member_choices.set_preference(store, member_id, ALERT_RHYTHM, choices.rhythm, day)


def mark_spontaneous(member: Member, day: dt.date) -> None:
    """Open to an unlisted role: a spontaneous application (stage `applied`, tag `spontaneous`)."""
    if SPONTANEOUS not in member.tags:
        member.tags.append(SPONTANEOUS)
    if member.stage in EARLY_STAGES:
        member.stage, member.stage_changed = "applied", day


def _apply_profile(member: Member, choices: Choices, day: dt.date) -> None:
    if choices.first_name:
        member.first_name = choices.first_name
    member.language = choices.language or member.language
    member.departments = list(choices.departments)
    member.skills = list(choices.skills)
    if len(choices.locations) == 1:
        member.city = choices.locations[0]
    if TAG not in member.tags:
        member.tags.append(TAG)
    if choices.open_to_unlisted:
        mark_spontaneous(member, day)


def confirm(store, signup_id: str, *, now: dt.datetime) -> tuple[Member, bool]:
    """Turn a pending sign-up into a member with consents and their proof; (member, created).

    Raises SignupNotFound when the sign-up is unknown (confirmed already, cancelled, expired).
    """
    day = now.date()
    with store.transaction() as conn:
        pending = get_pending(store, signup_id)
        if pending is None or pending.expires <= now:
            raise SignupNotFound(signup_id)
        choices = pending.choices
        member = store.find_by_email(pending.email)
        created = member is None
        if created:
            member = Member(id="", email=pending.email.strip(), source=SOURCE, created=day)
            _apply_profile(member, choices, day)
            store.add(member)
        else:
            _apply_profile(member, choices, day)
            store.update(member)
        # A fresh, explicit consent: the erasure hash only keeps imports from re-adding someone.
        conn.execute("DELETE FROM suppression WHERE hash = :hash", {"hash": store.suppression_hash(pending.email)})
        for kind in choices.consents:
            member = store.give_consent(member.id, kind, day)
        if {"events", "job_alerts"} & set(choices.consents):
            delete_preference(store, member.id, member_choices.RHYTHM)  # an earlier "newsletter only" choice
        save_alert_choices(store, member.id, choices, day)
        record_proof(store, member.id, pending.id, source="signup", form_version=pending.form_version,
                     ticked=[f"consent_{k}" for k in choices.consents] + (["open_to_unlisted"] if choices.open_to_unlisted else []),
                     ip_hash=pending.ip_hash, submitted=pending.submitted, confirmed=now)
        # This request is done, and every other one for the address is withdrawn: an older or a
        # later link (perhaps someone else's submission) can no longer change what was confirmed.
        conn.execute("DELETE FROM community_signups WHERE email_key = :key", {"key": normalise_email(pending.email)})
    log.info("community sign-up %s confirmed: member %s (%s)", signup_id, member.id, "new" if created else "existing")
    return member, created
