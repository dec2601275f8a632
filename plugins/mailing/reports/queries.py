"""Every SQL statement the reports run, in one place (the ledger and suppression shapes may grow).

The ledger's statuses are read as they are (whatever values the delivery code
writes), suppressions by their reason and date. Reads only, except
`record_reply` (a reply counted once per Message-ID) and `record_click` (an
aggregate count per plan, variant and link: never who).
"""

from __future__ import annotations

import datetime as dt


def _rows(store, sql: str, params: dict | None = None) -> list[tuple]:
    with store.transaction() as conn:
        return [tuple(row) for row in conn.execute(sql, params).fetchall()]


def _has_table(store, name: str) -> bool:
    return store.connection.has_table(name)


def ledger(store, plan_id: str) -> dict[str, tuple[str, str]]:
    """member id -> (status, updated) of one plan's ledger rows."""
    rows = _rows(store, "SELECT member_id, status, updated FROM deliveries WHERE plan_id = :plan", {"plan": plan_id})
    return {member: (status, updated) for member, status, updated in rows}


def ledger_plans(store) -> list[tuple[str, str, str]]:
    """(plan id, first, last update) of every plan the ledger knows."""
    return _rows(store, "SELECT plan_id, MIN(updated), MAX(updated) FROM deliveries GROUP BY plan_id ORDER BY MIN(updated)")


def suppressions(store) -> list[tuple[str, str, str]]:
    """(hash, reason, date) of every suppressed address."""
    return _rows(store, "SELECT hash, reason, at FROM suppression")


def suppression_counts(store, since: dt.date | None = None) -> dict[str, int]:
    """Suppressed addresses by reason (those suppressed on or after `since`, when given)."""
    if since is None:
        rows = _rows(store, "SELECT reason, COUNT(*) FROM suppression GROUP BY reason")
    else:
        rows = _rows(store, "SELECT reason, COUNT(*) FROM suppression WHERE at >= :since GROUP BY reason",
                     {"since": since.isoformat()})
    return dict(rows)


def stage_events(store) -> list[tuple[str, str, str, str, str]]:
    """(member id, stage, date, source, campaign) of every recorded stage, oldest first."""
    if not _has_table(store, "stage_events"):
        return []
    return _rows(store, "SELECT member_id, stage, at, source, campaign FROM stage_events ORDER BY at, member_id")


def replies(store, plan_id: str) -> list[tuple[str, str]]:
    """(member id or '', date) of each reply counted for a plan."""
    return _rows(store, "SELECT member_id, at FROM replies WHERE plan_id = :plan", {"plan": plan_id})


def record_reply(store, plan_id: str, message_key: str, member_id: str, at: dt.datetime) -> bool:
    """Count one reply (once per plan and Message-ID hash); True if it is new."""
    with store.transaction() as conn:
        cursor = conn.execute("INSERT INTO replies(plan_id, message_key, member_id, at) VALUES (:plan, :key, :member, :at)"
                              " ON CONFLICT DO NOTHING", {"plan": plan_id, "key": message_key, "member": member_id,
                                                          "at": at.isoformat(timespec="seconds")})
    return cursor.rowcount == 1


def messages(store) -> list[tuple[str, str, str, str]]:
    """(member id, kind, plan id, time) of every marketing message sent."""
    return _rows(store, "SELECT member_id, kind, plan_id, at FROM messages ORDER BY at")


def sequence_steps(store) -> list[tuple[str, str, str]]:
    """(member id, sequence, planned date) of every follow-up step planned."""
    return _rows(store, "SELECT member_id, sequence, planned FROM sequence_steps ORDER BY planned")


def record_click(store, plan_id: str, variant: str, link: str) -> None:
    """Add one to a link's aggregate count (no member, no time, no address is stored)."""
    with store.transaction() as conn:
        conn.execute("""INSERT INTO click_counts(plan_id, variant, link, clicks) VALUES (:plan, :variant, :link, 1)
                        ON CONFLICT(plan_id, variant, link) DO UPDATE SET clicks = click_counts.clicks + 1""",
                     {"plan": plan_id, "variant": variant, "link": link})


def click_counts(store, plan_id: str) -> list[tuple[str, str, int]]:
    """(variant, link, clicks) of a plan's aggregate click counts."""
    if not _has_table(store, "click_counts"):
        return []
    return _rows(store, "SELECT variant, link, clicks FROM click_counts WHERE plan_id = :plan ORDER BY variant, clicks DESC, link",
                 {"plan": plan_id})
