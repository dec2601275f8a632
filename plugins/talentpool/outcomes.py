"""Recruiting outcomes as imports see them: each stage a member reaches, with its source and campaign.

The member row keeps only the current stage; reports need the history (when
did this person apply, after which campaign), so an import records one
`stage_events` row each time it brings a new member or a new stage. The
campaign comes from the mapping's optional `campaign` column (for instance the
`utm_campaign` an ATS keeps with an application); nothing else is inferred.
"""

from __future__ import annotations

import datetime as dt

from .models import Member, STAGES

# Reaching any of these stages counts as an application in reports.
APPLIED_OR_LATER = STAGES[STAGES.index("applied"):STAGES.index("hired") + 1]


def record_stage(store, before: Member | None, after: Member, today: dt.date, *, source: str = "", campaign: str = "") -> bool:
    """Record `after`'s stage when it is new (a new member or a changed stage); True if recorded.

    `source` is the channel the export gives for this row (the member keeps their first one).
    """
    if before is not None and before.stage == after.stage:
        return False
    at = after.stage_changed or (after.created if before is None else today)
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO stage_events(member_id, stage, at, source, campaign)"
            " VALUES (:member, :stage, :at, :source, :campaign) ON CONFLICT DO NOTHING",
            {"member": after.id, "stage": after.stage, "at": at.isoformat(), "source": source or after.source,
             "campaign": (campaign or "").strip()},
        )
    return cursor.rowcount == 1
