"""What the store remembers of invitations: who was sent which calendar message, per event.

One row per (event UID, member, action, SEQUENCE), written when a plan is
written: `invite`, `update`, `cancel` (METHOD:REQUEST / REQUEST / CANCEL) and
`reminder`. Status `planned`, or `skipped` with the policy's reason when the
member was over budget for that round (not retried). Updates, cancellations
and reminders go only to members with a planned `invite` or `update`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PLANNED = "planned"
SKIPPED = "skipped"
ACTIONS = ("invite", "update", "cancel", "reminder")


@dataclass(frozen=True)
class InvitationRow:
    """One remembered calendar message for one member."""

    event_uid: str
    member_id: str
    action: str
    sequence: int
    status: str
    reason: str
    segment: str
    plan_id: str
    planned: dt.date


_SELECT = "SELECT event_uid, member_id, action, sequence, status, reason, segment, plan_id, planned FROM invitations"


def _row(values) -> InvitationRow:
    return InvitationRow(*values[:8], dt.date.fromisoformat(values[8]))


def rows_for_event(store, event_uid: str) -> list[InvitationRow]:
    """Every row of one event, oldest first."""
    with store.transaction() as conn:
        rows = conn.execute(_SELECT + " WHERE event_uid = :event ORDER BY planned, member_id, sequence, action",
                            {"event": event_uid}).fetchall()
    return [_row(row) for row in rows]


def rows_of_plan(store, plan_id: str, status: str = PLANNED) -> list[InvitationRow]:
    """The planned (or skipped) rows of one plan folder (a round), in the order they were planned."""
    with store.transaction() as conn:
        rows = conn.execute(_SELECT + " WHERE plan_id = :plan AND status = :status ORDER BY planned, member_id, event_uid, sequence,"
                            " action", {"plan": plan_id, "status": status}).fetchall()
    return [_row(row) for row in rows]


def parameters(row: InvitationRow) -> dict:
    """One row as `record_parameters` takes it (the INSERT's named parameters)."""
    return {"event": row.event_uid, "member": row.member_id, "action": row.action, "sequence": row.sequence,
            "status": row.status, "reason": row.reason, "segment": row.segment, "plan": row.plan_id,
            "planned": row.planned.isoformat()}


def record(store, rows) -> int:
    """Remember planned or skipped messages (existing rows are kept); returns how many are new."""
    return record_parameters(store, map(parameters, rows))


def record_parameters(store, values) -> int:
    """`record` of rows given as `parameters` gives them (`rounds.Round.parameters` makes them without an
    `InvitationRow` each: a round of 1,000,000 members plans half a million).

    `values` may be any iterable (a round of a large pool: hundreds of thousands); they go in 5,000 a
    statement (`Database.execute_many`: on SQLite the driver's `executemany` itself), and what is new is
    counted by the table's size before and after."""
    import itertools

    insert = ("INSERT INTO invitations(event_uid, member_id, action, sequence, status, reason, segment, plan_id, planned)"
              " VALUES (:event, :member, :action, :sequence, :status, :reason, :segment, :plan, :planned)"
              " ON CONFLICT DO NOTHING")
    values = iter(values)
    with store.transaction() as conn:
        before = conn.execute("SELECT COUNT(*) FROM invitations").scalar()
        while batch := list(itertools.islice(values, 5000)):
            conn.execute_many(insert, batch)
        return conn.execute("SELECT COUNT(*) FROM invitations").scalar() - before
