"""The data subject's rights and the retention clocks: erase, export, purge, renewals.

Erasure deletes the person and keeps only a salted hash of their address on
the suppression list, so that no later import brings them back. Purge applies
the policy's retention clocks; renewals lists who will reach them soon, for a
re-permission message.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from .models import Member
from .policy import Policy

log = logging.getLogger(__name__)


def erase(store, email: str, today: dt.date) -> Member | None:
    """Delete the person and their history; suppress their address. Returns who was erased (or None).

    The address is suppressed even when the person is unknown, so that an
    erasure request made before an import is honoured by the import.
    """
    with store.transaction():
        member = store.find_by_email(email)
        if member is not None:
            store.delete(member.id)
        store.suppress(email, "erased", today)
    log.info("erased %s member", "one" if member else "no")
    return member


def export(store, email: str, policy: Policy | None = None) -> dict | None:
    """Everything held on a person (for an access request), JSON-ready; None if unknown."""
    member = store.find_by_email(email)
    if member is None:
        return None
    data = {"member": member.to_dict(), "messages": [
        {"kind": kind, "plan_id": plan_id, "at": at.isoformat()}
        for kind, plan_id, at in store.messages_since(member.id, dt.date.min)
    ]}
    others = {table: rows for table, rows in store.rows_about(member.id).items() if table != "messages"}
    if others:
        data["records"] = others  # what other parts (the send ledger, preferences) keep about the person
    if policy is not None:
        end, clock = policy.retention_end(member)
        data["retention"] = {"ends": end.isoformat(), "clock": clock,
                             "months": policy.rejected_months if clock == "rejected" else policy.pool_months}
    return data


@dataclass(frozen=True)
class Expiry:
    """A member whose retention clock (`pool` or `rejected`) ends on `ends`, and why."""

    member: Member
    ends: dt.date
    clock: str
    reason: str


def _expiry(member: Member, policy: Policy) -> Expiry:
    ends, clock = policy.retention_end(member)
    if clock == "rejected":
        since = member.stage_changed or policy.last_activity(member)
        reason = f"rejected on {since.isoformat()} without pool consent ({policy.rejected_months} months)"
    else:
        reason = f"no active contact since {policy.last_activity(member).isoformat()} ({policy.pool_months} months)"
    return Expiry(member, ends, clock, reason)


def expired(store, policy: Policy, today: dt.date) -> list[Expiry]:
    """Members whose retention has ended (today is on or after the end)."""
    found = []
    for member in store.iter_members():
        item = _expiry(member, policy)
        if today >= item.ends:
            found.append(item)
    return found


def purge(store, policy: Policy, today: dt.date, *, dry_run: bool = False) -> list[Expiry]:
    """Delete every member past retention (in one transaction); `dry_run` only lists them.

    Unsubscribed members leave a suppression hash, so that an import does not
    turn an opt-out into a fresh subscription.
    """
    gone = expired(store, policy, today)
    if dry_run:
        return gone
    with store.transaction():
        for item in gone:
            store.delete(item.member.id)
            if item.member.unsubscribed is not None:
                store.suppress(item.member.email, "unsubscribed", today)
    log.info("purged %d member(s) past retention", len(gone))
    return gone


def renewals(store, policy: Policy, today: dt.date, days: int) -> list[Expiry]:
    """Members still held whose retention ends within `days` days, soonest first (for re-permission)."""
    limit = today + dt.timedelta(days=days)
    found = []
    for member in store.iter_members():
        if member.unsubscribed is not None:
            continue  # an opted-out person is not asked again
        item = _expiry(member, policy)
        if today < item.ends <= limit:
            found.append(item)
    return sorted(found, key=lambda e: (e.ends, e.member.email_key))
