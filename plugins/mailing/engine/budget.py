"""One frequency budget for every message a build plans, shared by every kind of the registry.

The policy counts, per member, the messages already sent (the store's
`messages`, within the budget window) and the messages planned but not sent
yet that are at least as important as the one it decides. A `Budget` holds
the second list for a whole build: first every message still waiting in the
outbox from earlier builds (`pending`: plan folders not replaced by this
build, minus what the ledger says was delivered or refused for good), then
what each kind plans, the most important kind first (mailing.engine). So a
rebuild sees exactly what the first build saw, and changes nothing that did
not change; and a newsletter never takes a place an invitation holds.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from ..delivery import ledger
from ..plan import format as plan_format

logger = logging.getLogger(__name__)

OVER_BUDGET = "over_budget"
# Ledger states after which a planned message is no longer waiting to be sent.
DONE_STATES = (ledger.SENT, ledger.FAILED, ledger.UNKNOWN)
# Ledger states after which the member may have the message (a calendar update or cancellation follows it).
RECEIVED_STATES = (ledger.SENT, ledger.UNKNOWN)


class Budget:
    """Messages planned but not sent yet, by member id: (kind, plan id, day) tuples the policy understands.

    A member's messages are one tuple of shared items, and equal tuples are
    shared too (`_shared`): at 1,000,000 members most members hold the same
    few combinations, so a planned member costs a dict slot, not a list and
    a tuple per message (issue 21). `of` gives a list, as before."""

    def __init__(self, pending: dict[str, list[tuple]] | None = None):
        self._shared: dict[tuple, tuple] = {}
        self.by_member: dict[str, tuple] = {m: self._share(tuple(self._share(tuple(i)) if isinstance(i, (tuple, list))
                                                                  else i for i in items))
                                            for m, items in (pending or {}).items()}

    def _share(self, value: tuple) -> tuple:
        return self._shared.setdefault(value, value)

    def add(self, member_id: str, kind: str, plan_id: str, day: dt.date) -> None:
        item = self._share((kind, plan_id, day))
        self.by_member[member_id] = self._share(self.by_member.get(member_id, ()) + (item,))

    def join(self, planned: dict[str, tuple]) -> None:
        """The whole budget of members this one has not planned for: what another process planned for
        them on a copy of it (a walk in parts, `engine.walk`), as if added here."""
        share, by_member = self._share, self.by_member
        for member_id, items in planned.items():
            by_member[member_id] = share(tuple(share(tuple(item)) for item in items))

    def of(self, member_id: str) -> list[tuple]:
        return list(self.by_member.get(member_id, ()))

    def kinds(self, member_id: str) -> list[str]:
        return [item[0] for item in self.of(member_id)]

    def without(self, plan_id: str) -> "Budget":
        """The same budget less one plan's messages (the plan being sent does not count against itself)."""
        return Budget({m: [i for i in items if i[1] != plan_id] for m, items in self.by_member.items()})


def delivered(store, plan_ids: Iterable[str], states: tuple[str, ...] = DONE_STATES) -> set[tuple[str, str]]:
    """(plan id, member id) pairs the ledger has finished with (or that are in `states`)."""
    ids = sorted(set(plan_ids))
    if not ids:
        return set()
    with store.transaction() as conn:
        rows = conn.execute("SELECT plan_id, member_id FROM deliveries WHERE plan_id IN :plans AND status IN :states",
                            {"plans": ids, "states": list(states)}, lists=("plans", "states")).fetchall()
    return {(plan_id, member_id) for plan_id, member_id in rows}


def pending(store, outbox: Path, today: dt.date, *, replaced: Iterable[str] = ()) -> dict[str, tuple]:
    """Messages waiting in the outbox's plans (not withdrawn, not `replaced` by this build), per member (a
    tuple of (kind, plan id, day), equal tuples shared: an outbox of a large pool holds a million of them)."""
    skip = set(replaced)
    plans = [(folder, meta) for folder, meta in plan_format.existing(outbox)
             if str(meta.get("plan_id") or folder.name) not in skip and plan_format.withdrawn(folder) is None]
    done = delivered(store, [str(meta.get("plan_id") or folder.name) for folder, meta in plans])
    result: dict[str, tuple] = {}
    shared: dict[tuple, tuple] = {}  # one tuple per distinct message, one per distinct combination (Budget's way)
    for folder, meta in plans:
        plan_id = str(meta.get("plan_id") or folder.name)
        default_kind = str(meta.get("kind") or "newsletter")
        with open(folder / plan_format.MANIFEST, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                entry = json.loads(line)
                member = entry.get("member")
                if member and (plan_id, member) not in done:
                    item = (entry.get("kind") or default_kind, plan_id, today)
                    item = shared.setdefault(item, item)
                    items = result.get(member, ()) + (item,)
                    result[member] = shared.setdefault(items, items)
    return result
