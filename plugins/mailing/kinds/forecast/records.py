"""What the store remembers of forecast messages: who was asked about which forecast, who answered yes.

A (member, forecast, message) row is written once the plan holding it is
written, so a member is never asked twice about the same forecast.
"""

from __future__ import annotations

import datetime as dt

INTEREST = "interest"
CLOSED = "closed"


def asked(store, forecast_id: str, message: str = INTEREST) -> dict[str, str]:
    """member id -> plan id of the members who were planned `message` about `forecast_id`."""
    with store.transaction() as conn:
        rows = conn.execute("SELECT member_id, plan_id FROM forecast_messages WHERE forecast_id = ? AND message = ? "
                            "ORDER BY rowid", (forecast_id, message))
        return {member_id: plan_id for member_id, plan_id in rows}


def remember(store, forecast_id: str, message: str, plan_id: str, member_ids, day: dt.date) -> int:
    """Remember the members planned `message` about `forecast_id`; returns how many are new."""
    added = 0
    with store.transaction() as conn:
        for member_id in member_ids:
            added += conn.execute(
                "INSERT OR IGNORE INTO forecast_messages(member_id, forecast_id, message, plan_id, planned) "
                "VALUES (?, ?, ?, ?, ?)", (member_id, forecast_id, message, plan_id, day.isoformat())).rowcount
    return added


def record_answer(store, member_id: str, forecast_id: str, day: dt.date) -> bool:
    """Record a "yes, I'm interested"; True the first time, False when it was already recorded."""
    with store.transaction() as conn:
        return bool(conn.execute("INSERT OR IGNORE INTO forecast_answers(member_id, forecast_id, answered) VALUES (?, ?, ?)",
                                 (member_id, forecast_id, day.isoformat())).rowcount)


def answered_yes(store, forecast_id: str) -> list[str]:
    """The members who answered yes to `forecast_id`, in the order they answered."""
    with store.transaction() as conn:
        return [row[0] for row in conn.execute(
            "SELECT member_id FROM forecast_answers WHERE forecast_id = ? ORDER BY rowid", (forecast_id,))]
