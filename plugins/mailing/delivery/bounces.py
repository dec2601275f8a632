"""Bounces and complaints: who they are about, and when an address goes on the suppression list.

A **hard** bounce (the mailbox or domain does not exist, the account is
disabled: 5.1.x, 5.2.1) and a **complaint** (a feedback-loop report) put the
address on the suppression list at once; a **soft** bounce (mailbox full,
greylisting that never ended, a policy refusal) does it only after
`MAILING_SOFT_BOUNCE_LIMIT` in a row: the member's last N sent plans each
soft-bounced. Every bounce is kept per (member, plan) in the store's `bounces`
table (about the member: shown by `vivier pool export`, deleted by an erasure);
the suppression list keeps the reason (`bounced`, `complained`), the date and
the status. `vivier send` skips a suppressed address for every kind of message.

With VERP (`MAILING_VERP`), the envelope sender of each message is
`local+<member id>.<plan tag>@domain`: a bounce names its member and plan
without guessing; the plan tag is the first 8 hex digits of SHA-256(plan id),
matched against the ledger's plans.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from talentpool.policy import UNDELIVERABLE

HARD, SOFT, COMPLAINT = "hard", "soft", "complaint"
BOUNCED, COMPLAINED = "bounced", "complained"
# Suppression reasons that stop every message to an address (erasure is handled by the policy, which
# also leaves these out when planning: talentpool.policy.UNDELIVERABLE is the same pair).
STOPS_SENDING = UNDELIVERABLE
_VERP = re.compile(r"^(?P<local>[^+@]+)\+(?P<member>[A-Za-z0-9_-]+)\.(?P<tag>[0-9a-f]{8})@(?P<domain>[^@]+)$", re.I)
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")


def plan_tag(plan_id: str) -> str:
    return hashlib.sha256(str(plan_id).encode("utf-8")).hexdigest()[:8]


def verp_address(envelope_from: str, member_id: str, plan_id: str) -> str:
    """The per-message envelope sender; the plain one when the member id cannot go into an address."""
    local, _, domain = envelope_from.rpartition("@")
    if not _SAFE_ID.fullmatch(member_id) or len(local) + len(member_id) + 10 > 64:
        return envelope_from
    return f"{local}+{member_id}.{plan_tag(plan_id)}@{domain}"


def parse_verp(address: str) -> tuple[str, str] | None:
    """(member id, plan tag) of a VERP address, or None."""
    match = _VERP.match(address.strip().strip("<>"))
    return (match["member"], match["tag"].lower()) if match else None


def plan_for_tag(store, tag: str) -> str | None:
    """The plan id of the ledger whose tag this is."""
    with store.transaction() as conn:
        for (plan_id,) in conn.execute("SELECT DISTINCT plan_id FROM deliveries"):
            if plan_tag(plan_id) == tag:
                return plan_id
    return None


def kind_of(status: str, action: str = "failed") -> str:
    """HARD or SOFT for a DSN's Status and Action (RFC 3464) or an SMTP enhanced code."""
    match = re.match(r"\s*([245])\.(\d{1,3})\.(\d{1,3})", status or "")
    if action.lower() != "failed" or match is None or match.group(1) != "5":
        return SOFT
    subject, detail = int(match.group(2)), int(match.group(3))
    return HARD if subject == 1 or (subject, detail) == (2, 1) else SOFT


def _sent_plans(conn, member_id: str, limit: int) -> list[str]:
    rows = conn.execute(
        "SELECT plan_id FROM deliveries WHERE member_id = :member AND status IN ('sent', 'failed', 'unknown')"
        " ORDER BY updated DESC, plan_id DESC LIMIT :limit", {"member": member_id, "limit": limit})
    return [row[0] for row in rows]


def record(store, *, member_id: str | None, email: str, plan_id: str, type: str, status: str, detail: str,
           at: dt.date, soft_limit: int) -> str | None:
    """Keep one bounce or complaint; returns the suppression reason when the address goes on the list now."""
    with store.transaction() as conn:
        if member_id:
            conn.execute(
                "INSERT INTO bounces(member_id, plan_id, type, hash, status, detail, at)"
                " VALUES (:member, :plan, :type, :hash, :status, :detail, :at)"
                " ON CONFLICT(member_id, plan_id, type) DO UPDATE SET status = excluded.status,"
                " detail = excluded.detail, at = excluded.at",
                {"member": member_id, "plan": plan_id or "", "type": type, "hash": store.suppression_hash(email),
                 "status": status or "", "detail": (detail or "")[:300], "at": at.isoformat()},
            )
        if type == COMPLAINT:
            reason = COMPLAINED
        elif type == HARD:
            reason = BOUNCED
        elif member_id and _soft_streak(conn, member_id, soft_limit):
            reason, detail = BOUNCED, f"{soft_limit} soft bounces in a row; last: {detail}"
        else:
            return None
        new = store.suppress(email, reason, at, f"{status} {detail}".strip())
    return reason if new else None


def _soft_streak(conn, member_id: str, limit: int) -> bool:
    """Whether each of the member's last `limit` delivered plans bounced (soft or hard)."""
    plans = _sent_plans(conn, member_id, limit)
    if len(plans) < limit:
        bounced = {row[0] for row in conn.execute("SELECT DISTINCT plan_id FROM bounces WHERE member_id = :member",
                                                       {"member": member_id})}
        return len(bounced) >= limit
    rows = conn.execute("SELECT COUNT(DISTINCT plan_id) FROM bounces WHERE member_id = :member AND plan_id IN :plans"
                        " AND type IN (:soft, :hard)", {"member": member_id, "plans": plans, "soft": SOFT, "hard": HARD},
                        lists=("plans",)).fetchone()
    return rows[0] >= limit


def suppressed(store, email: str) -> dict | None:
    """The suppression entry that forbids any message to this address, or None."""
    entry = store.suppression_entry(email)
    return entry if entry and entry["reason"] in STOPS_SENDING else None


def forgive(store, plan_id: str) -> int:
    """Before `--retry-failed`: forget the bounces this plan's refusals recorded, and the suppressions they caused.

    For when the refusals were the relay's mistake; returns how many members were concerned.
    """
    with store.transaction() as conn:
        rows = conn.execute(
            "SELECT b.member_id, b.hash FROM bounces b JOIN deliveries d ON d.plan_id = b.plan_id"
            " AND d.member_id = b.member_id WHERE b.plan_id = :plan AND d.status = 'failed' AND b.type IN (:hard, :soft)",
            {"plan": plan_id, "hard": HARD, "soft": SOFT}).fetchall()
        for member_id, hashed in rows:
            conn.execute("DELETE FROM bounces WHERE member_id = :member AND plan_id = :plan AND type IN (:hard, :soft)",
                         {"member": member_id, "plan": plan_id, "hard": HARD, "soft": SOFT})
            conn.execute("DELETE FROM suppression WHERE hash = :hash AND reason = :reason",
                         {"hash": hashed, "reason": BOUNCED})
    return len(rows)
