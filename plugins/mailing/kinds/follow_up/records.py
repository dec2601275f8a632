"""What the store remembers of sequences: each step planned per member, so none is planned twice.

A row is keyed by member, sequence, step, the trigger's anchor date (a new
stage entered later starts a new run) and the occurrence of a repeating step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class StepRow:
    """One planned step of one member."""

    member_id: str
    sequence: str
    step: str
    anchor: dt.date
    occurrence: int
    due: dt.date
    plan_id: str
    planned: dt.date

    @property
    def key(self) -> tuple:
        return (self.member_id, self.sequence, self.step, self.anchor, self.occurrence)


def _row(values) -> StepRow:
    member, sequence, step, anchor, occurrence, due, plan_id, planned = values
    return StepRow(member, sequence, step, dt.date.fromisoformat(anchor), occurrence, dt.date.fromisoformat(due),
                   plan_id, dt.date.fromisoformat(planned))


_SELECT = "SELECT member_id, sequence, step, anchor, occurrence, due, plan_id, planned FROM sequence_steps"


def all_rows(store) -> dict[str, list[StepRow]]:
    """Every planned step, by member (one query for the whole pool)."""
    result: dict[str, list[StepRow]] = {}
    with store.transaction() as conn:
        for values in conn.execute(_SELECT + " ORDER BY planned, member_id, sequence, step, anchor, occurrence"):
            row = _row(values)
            result.setdefault(row.member_id, []).append(row)
    return result


def rows_of_plan(store, plan_id: str) -> list[StepRow]:
    with store.transaction() as conn:
        return [_row(v) for v in conn.execute(_SELECT + " WHERE plan_id = :plan ORDER BY member_id, sequence, step, anchor, occurrence",
                                              {"plan": plan_id})]


def record(store, rows: list[StepRow]) -> int:
    """Remember planned steps (a step already remembered is never written again); returns how many are new."""
    added = 0
    with store.transaction() as conn:
        for row in rows:
            cursor = conn.execute(
                "INSERT INTO sequence_steps(member_id, sequence, step, anchor, occurrence, due, plan_id, planned)"
                " VALUES (:member, :sequence, :step, :anchor, :occurrence, :due, :plan, :planned) ON CONFLICT DO NOTHING",
                {"member": row.member_id, "sequence": row.sequence, "step": row.step, "anchor": row.anchor.isoformat(),
                 "occurrence": row.occurrence, "due": row.due.isoformat(), "plan": row.plan_id,
                 "planned": row.planned.isoformat()},
            )
            added += cursor.rowcount
    return added
