"""A member's own choices about being mailed (pause, monthly digest only), kept in the store.

Written by the unsubscribe page (and the preferences page), read when a
message is planned (newsletters, invitations, follow-ups, job alerts) and again
at send time: a paused member, or a "digest only" member for anything but the
newsletter, is left out with the reason `paused` or `digest_only`. Planning
honours them so that the plan's counts are true and a follow-up waits for the
end of a pause instead of being spent on it; sending honours them because a
choice made after the build must count.
"""

from __future__ import annotations

import datetime as dt

from talentpool.policy import add_months
from talentpool.store import to_date

PAUSED_UNTIL = "paused_until"
RHYTHM = "rhythm"
MONTHLY = "monthly"
PAUSE_MONTHS = (1, 3, 6, 12)
# What "monthly digest only" withdraws: every consent but the newsletter's.
DIGEST_WITHDRAWS = ("events", "job_alerts")


def set_preference(store, member_id: str, key: str, value: str, at) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO preferences(member_id, key, value, at) VALUES (:member, :key, :value, :at)"
            " ON CONFLICT(member_id, key) DO UPDATE SET value = excluded.value, at = excluded.at",
            {"member": member_id, "key": key, "value": str(value), "at": to_date(at).isoformat()},
        )


def preferences(store, member_id: str) -> dict[str, str]:
    """Every recorded choice of a member (key -> value)."""
    with store.transaction() as conn:
        rows = conn.execute("SELECT key, value FROM preferences WHERE member_id = :member", {"member": member_id}).fetchall()
    return {key: value for key, value in rows}


def all_preferences(store) -> dict[str, dict[str, str]]:
    """Every member's recorded choices in one query (member id -> key -> value)."""
    result: dict[str, dict[str, str]] = {}
    with store.transaction() as conn:
        for member_id, key, value in conn.execute("SELECT member_id, key, value FROM preferences"):
            result.setdefault(member_id, {})[key] = value
    return result


def pause(store, member_id: str, months: int, today: dt.date) -> dt.date:
    """No marketing mail for `months` months from today; returns the first day mail may resume."""
    if months not in PAUSE_MONTHS:
        raise ValueError(f"a pause lasts one of {', '.join(map(str, PAUSE_MONTHS))} months, not {months!r}")
    until = add_months(today, months)
    set_preference(store, member_id, PAUSED_UNTIL, until.isoformat(), today)
    return until


def digest_only(store, member_id: str, today: dt.date) -> None:
    """Keep the (monthly) newsletter, withdraw the other consents, and remember the choice."""
    with store.transaction():
        for kind in DIGEST_WITHDRAWS:
            store.unsubscribe(member_id, today, scope=kind)
        set_preference(store, member_id, RHYTHM, MONTHLY, today)


def objection(choices: dict[str, str], kind: str, today: dt.date) -> str | None:
    """Why the member's own choices forbid a message of `kind` today, or None."""
    until = choices.get(PAUSED_UNTIL)
    if until and today < dt.date.fromisoformat(until):
        return "paused"
    if choices.get(RHYTHM) == MONTHLY and kind != "newsletter":
        return "digest_only"
    return None


def honour(audience, prefs: dict[str, dict[str, str]], today: dt.date) -> None:
    """Move the eligible members of a `talentpool` audience whose own choices (`all_preferences`) object to its kind into `excluded`."""
    if not prefs:
        return
    kept = []
    for member, segment in audience.eligible:
        reason = objection(prefs.get(member.id, {}), audience.kind, today)
        if reason:
            audience.excluded.setdefault(reason, []).append(member)
        else:
            kept.append((member, segment))
    audience.eligible = kept
