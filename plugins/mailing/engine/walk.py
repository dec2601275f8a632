"""One walk of the pool for several kinds of a build (issue 21): each row offered to every kind in priority order.

Kinds used to plan one after the other, each walking the whole pool (a newsletter campaign, an
invitation round, the job alerts, the follow-ups: six walks of 1,000,000 rows for the sample,
each reading every row and decoding most members again). A kind may instead return a `Walker`
from `MessageKind.walker(budget, store, policy, day)`: consecutive kinds (in priority order) that
do share one walk, each row offered to each of them in that order before the next row, the
member decoded once for all of them.

The plans are the same as planning kind after kind: a kind's decision about a member reads the
budget of that member only (what the kinds before it planned for them: already decided when the
row reaches it), and each kind sees the members in the same order (the store's, by address). A kind
that returns None (the default) plans with `plan()` at its place in the order: the walk of the kinds
before it ends first, the kinds after it start a new one. What a walker prepares before the walk
(reading the store, its own look-ups) must not read the budget: the kinds before it have not
planned yet; `visit` reads it, member by member.
"""

from __future__ import annotations

import contextlib


class Walker:
    """One kind's planning in a shared walk: `visit` for each row, in the store's order, then `done`."""

    def visit(self, row: tuple, member):
        """Plan for the member of this row (`talentpool.store.ROW_COLUMNS`, then anything). `member` is the
        row's `Member` when a kind before decoded it, else None; return it, or the one decoded here (so
        the kinds after do not decode it again), or None."""
        return member

    def done(self) -> None:
        """The walk is over: finish the plan (counts, what is read after the walk)."""


def shares_walks(store) -> bool:
    """Whether kinds may plan in a shared walk of this store: the store's own class (its rows are read
    page by page, `member_row_batches`); any other store is walked by each kind's `plan`."""
    from talentpool.store import Store

    return type(store) is Store


def plan_in_order(kinds: list, budget, store, policy, day, *, shared: bool = True) -> None:
    """Every kind plans, in this order, on `budget`: consecutive kinds with a walker in one walk of the
    pool (`walk`), the others by their own `plan`. `shared=False` plans every kind by `plan`, one after
    the other (the straightforward way, which tests compare with this one)."""
    shared = shared and shares_walks(store)
    if not shared:
        for kind in kinds:
            kind.plan(budget, store, policy, day)
        return
    # The kinds' look-ups of messages sent, read once for all (the walkers hold them); each member's retention
    # end computed once for every kind (`Policy.walking`).
    walking = getattr(policy, "walking", None)
    with store.reading_once(), (walking() if walking is not None else contextlib.nullcontext()):
        walkers: list[Walker] = []
        for kind in kinds:
            walker = kind.walker(budget, store, policy, day)
            if walker is not None:
                walkers.append(walker)
                continue
            walk(store, walkers)
            walkers = []
            kind.plan(budget, store, policy, day)
        walk(store, walkers)


def walk(store, walkers: list[Walker]) -> None:
    """Every row of the pool offered to each walker in turn (the member decoded at most once), then `done`."""
    if not walkers:
        return
    visits = [walker.visit for walker in walkers]
    if len(visits) == 1:
        visit = visits[0]
        for rows in store.member_row_batches():
            for row in rows:
                visit(row, None)
    else:
        for rows in store.member_row_batches():
            for row in rows:
                member = None
                for visit in visits:
                    member = visit(row, member)
    for walker in walkers:
        walker.done()
