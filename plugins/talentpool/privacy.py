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

from .models import Member, normalise_email
from .policy import Policy

log = logging.getLogger(__name__)


def address_tables(conn) -> list[str]:
    """Tables other than `members` keyed by an address (`email_key`): rows about a person who may not be a member yet.

    A pending sign-up of the talent-community form is one: it holds the address
    and the choices until the person confirms. Erase and export cover every
    such table, as they cover every table with a `member_id`.
    """
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return [t for t in tables if t != "members"
            and any(col[1] == "email_key" for col in conn.execute(f'PRAGMA table_info("{t}")'))]


def erase(store, email: str, today: dt.date) -> Member | None:
    """Delete the person and their history; suppress their address. Returns who was erased (or None).

    The address is suppressed even when the person is unknown, so that an
    erasure request made before an import is honoured by the import. Rows kept
    by address before the person became a member (a pending sign-up) go too.
    """
    key = normalise_email(email)
    with store.transaction() as conn:
        member = store.find_by_email(email)
        if member is not None:
            store.delete(member.id)
        for table in address_tables(conn):
            conn.execute(f'DELETE FROM "{table}" WHERE email_key = ?', (key,))
        store.suppress(email, "erased", today)
    log.info("erased %s member", "one" if member else "no")
    return member


def _rows_by_address(store, email: str) -> dict[str, list[dict]]:
    key = normalise_email(email)
    found = {}
    with store.transaction() as conn:
        for table in address_tables(conn):
            cursor = conn.execute(f'SELECT * FROM "{table}" WHERE email_key = ?', (key,))
            names = [column[0] for column in cursor.description]
            rows = [dict(zip(names, row)) for row in cursor.fetchall()]
            if rows:
                found[table] = rows
    return found


def export(store, email: str, policy: Policy | None = None) -> dict | None:
    """Everything held on a person (for an access request), JSON-ready; None if unknown."""
    member = store.find_by_email(email)
    by_address = _rows_by_address(store, email)
    suppression = store.suppression_entry(email)  # reason, date and detail (a bounce's status, a complaint)
    if member is None:
        # Someone who only submitted the sign-up form is not a member, but we hold their address and choices.
        if not by_address:
            return None
        data = {"member": None, "messages": [], "records": by_address}
        return {**data, "suppression": suppression} if suppression else data
    data = {"member": member.to_dict(), "messages": [
        {"kind": kind, "plan_id": plan_id, "at": at.isoformat()}
        for kind, plan_id, at in store.messages_since(member.id, dt.date.min)
    ]}
    others = {table: rows for table, rows in store.rows_about(member.id).items() if table != "messages"}
    others.update(by_address)
    if others:
        data["records"] = others  # what other parts (the send ledger, preferences, bounces) keep about the person
    if suppression:
        data["suppression"] = suppression
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
