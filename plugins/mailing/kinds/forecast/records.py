"""What the store remembers of forecast messages: who was asked about which forecast, who answered yes.

A (member, forecast, message) row is written once the plan holding it is
written, so a member is never asked twice about the same forecast.
"""

from __future__ import annotations

import datetime as dt

from talentpool.migrations import next_position

INTEREST = "interest"
CLOSED = "closed"


def asked(store, forecast_id: str, message: str = INTEREST) -> dict[str, str]:
    """member id -> plan id of the members who were planned `message` about `forecast_id`."""
    with store.transaction() as conn:
        rows = conn.execute("SELECT member_id, plan_id FROM forecast_messages WHERE forecast_id = :forecast"
                            " AND message = :message ORDER BY position", {"forecast": forecast_id, "message": message})
        return {member_id: plan_id for member_id, plan_id in rows}


def remember(store, forecast_id: str, message: str, plan_id: str, member_ids, day: dt.date) -> int:
    """Remember the members planned `message` about `forecast_id`; returns how many are new."""
    added = 0
    with store.transaction() as conn:
        position = next_position(conn, "forecast_messages")
        for member_id in member_ids:
            new = conn.execute(
                "INSERT INTO forecast_messages(member_id, forecast_id, message, plan_id, planned, position)"
                " VALUES (:member, :forecast, :message, :plan, :planned, :position) ON CONFLICT DO NOTHING",
                {"member": member_id, "forecast": forecast_id, "message": message, "plan": plan_id,
                 "planned": day.isoformat(), "position": position}).rowcount
            added, position = added + new, position + new
    return added


def record_answer(store, member_id: str, forecast_id: str, day: dt.date) -> bool:
    """Record a "yes, I'm interested"; True the first time, False when it was already recorded."""
    with store.transaction() as conn:
        return bool(conn.execute(
            "INSERT INTO forecast_answers(member_id, forecast_id, answered, position)"
            " VALUES (:member, :forecast, :answered, :position) ON CONFLICT DO NOTHING",
            {"member": member_id, "forecast": forecast_id, "answered": day.isoformat(),
             "position": next_position(conn, "forecast_answers")}).rowcount)


def answered_yes(store, forecast_id: str) -> list[str]:
    """The members who answered yes to `forecast_id`, in the order they answered."""
    with store.transaction() as conn:
        return [row[0] for row in conn.execute(
            "SELECT member_id FROM forecast_answers WHERE forecast_id = :forecast ORDER BY position",
            {"forecast": forecast_id})]
