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

A walk in parts (`parts` > 1: a large pool, several cores, `MAILING_WALK_PROCESSES`): for the same
reason the pool can be cut at address keys (`Store.member_bounds`) and each part after the first
walked by a forked process with every walker, on a connection of its own, while this process walks
the first. Each child hands back what its walkers planned (`Walker.part`) and what it added to the
budget; this process joins them in the store's order (`Walker.join`, then `Budget.join` of the
child's members), so the plans are those of one walk. A child that fails (killed, out of memory, a
walker's error) is not trusted at all: its part is walked here, after the parts before it, so no
member is lost or planned twice. Each walker's spools start empty in the child (`plan.spool`
refuses to write a file opened by another process).
"""

from __future__ import annotations

import contextlib
import logging

logger = logging.getLogger(__name__)


class Walker:
    """One kind's planning in a shared walk: `visit` for each row, in the store's order, then `done`."""

    def visit(self, row: tuple, member):
        """Plan for the member of this row (`talentpool.store.ROW_COLUMNS`, then anything). `member` is the
        row's `Member` when a kind before decoded it, else None; return it, or the one decoded here (so
        the kinds after do not decode it again), or None."""
        return member

    def done(self) -> None:
        """The walk is over: finish the plan (counts, what is read after the walk)."""

    # A walker that can be walked in parts has both of these (`walks_in_parts`):
    #
    # def part(self) -> object:
    #     """In a child, after its part of the pool: what was planned there, picklable, for `join`."""
    #
    # def join(self, part) -> None:
    #     """Add another process's `part` (its rows come after every row visited or joined so far)."""


def walks_in_parts(walkers) -> bool:
    """Whether every walker can be walked in parts (has `part` and `join`)."""
    return all(callable(getattr(w, "part", None)) and callable(getattr(w, "join", None)) for w in walkers)


def shares_walks(store) -> bool:
    """Whether kinds may plan in a shared walk of this store: the store's own class (its rows are read
    page by page, `member_row_batches`); any other store is walked by each kind's `plan`."""
    from talentpool.store import Store

    return type(store) is Store


def plan_in_order(kinds: list, budget, store, policy, day, *, shared: bool = True, parts: int = 1) -> None:
    """Every kind plans, in this order, on `budget`: consecutive kinds with a walker in one walk of the
    pool (`walk`, in `parts` when more than one), the others by their own `plan`. `shared=False` plans
    every kind by `plan`, one after the other (the straightforward way, which tests compare with this one)."""
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
            walk(store, walkers, parts=parts, budget=budget)
            walkers = []
            kind.plan(budget, store, policy, day)
        walk(store, walkers, parts=parts, budget=budget)


def walk(store, walkers: list[Walker], *, parts: int = 1, budget=None) -> None:
    """Every row of the pool offered to each walker in turn (the member decoded at most once), then `done`.
    `parts` > 1: the pool walked in that many parts at once (see the module's text), when the walkers
    and the system allow it (`budget`: the one the walkers add to, whose additions children hand back)."""
    if not walkers:
        return
    bounds = _bounds(store, walkers, parts, budget)
    if not bounds:
        _visit_all(store.member_row_batches(), walkers)
    else:
        _walk_in_parts(store, walkers, bounds, budget)
    for walker in walkers:
        walker.done()


def _visit_all(batches, walkers: list[Walker]) -> None:
    visits = [walker.visit for walker in walkers]
    if len(visits) == 1:
        visit = visits[0]
        for rows in batches:
            for row in rows:
                visit(row, None)
    else:
        for rows in batches:
            for row in rows:
                member = None
                for visit in visits:
                    member = visit(row, member)


def _bounds(store, walkers, parts: int, budget) -> list[str]:
    """The address keys cutting the walk into parts, or [] to walk it in one."""
    from careers.forking import can_fork

    if parts <= 1 or budget is None or not walks_in_parts(walkers) or not can_fork():
        return []
    return store.member_bounds(parts)


def _walk_in_parts(store, walkers: list[Walker], bounds: list[str], budget) -> None:
    from careers.forking import Child, ChildFailed, replay

    ranges = list(zip(["", *bounds], [*bounds, None]))
    children: list = []
    try:
        for start, stop in ranges[1:]:
            children.append(Child.start(lambda start=start, stop=stop: _child_part(store, walkers, budget, start, stop),
                                        of_this_build=False))
        _visit_all(store.member_row_batches(stop=ranges[0][1]), walkers)
        for index, ((start, stop), child) in enumerate(zip(ranges[1:], children)):
            answer, why = None, "it could not be started"
            if child is not None:
                try:
                    answer = child.join()
                except ChildFailed as exc:
                    why = f"it ended without an answer ({exc})"
                    children[index] = None  # reaped: nothing left to stop
                else:
                    children[index] = None
                    if answer["error"] is not None:  # its log is not replayed: the part is walked again here
                        why, answer = f"it failed: {answer['error']!r}", None
                    else:
                        replay(answer["records"])
            if answer is None:
                _visit_all(store.member_row_batches(start=start, stop=stop), walkers)
                logger.warning("mail planning: the part of the pool from address key %r was walked here, "
                               "its process did not finish (%s)", start, why)
                continue
            walked, planned = answer["result"]
            for walker, part in zip(walkers, walked):
                walker.join(part)
            budget.join(_joined_budget(planned))
    finally:
        for child in children:  # this walk failed before joining them: their parts are not wanted
            if child is not None:
                child.stop()


def _child_part(store, walkers: list[Walker], budget, start: str, stop: str | None):
    """In a forked child: the rows from `start` to `stop` to every walker; their parts and the budget's additions."""
    store.reconnect_after_fork()
    touched = set()
    add = budget.add

    def adding(member_id, *item):
        touched.add(member_id)
        add(member_id, *item)

    budget.add = adding
    _visit_all(store.member_row_batches(start=start, stop=stop), walkers)
    return [walker.part() for walker in walkers], _budget_part(budget, touched)


def _budget_part(budget, members) -> tuple:
    """The budget of `members` (theirs before the walk and what was added), compact for the pickled answer:
    the distinct tuples once, the ids as one text and each member's tuple as a number (pickle would
    otherwise remember every id and tuple it wrote: a hundred megabytes for half a million members)."""
    from array import array

    ids = sorted(members)
    text = "\n".join(ids)
    if len(ids) <= 1 or text.count("\n") != len(ids) - 1:  # one id (perhaps ""), or one holding a line break
        return {member_id: budget.by_member[member_id] for member_id in ids}
    combos: dict[tuple, int] = {}
    numbers = array("L", (combos.setdefault(budget.by_member[member_id], len(combos)) for member_id in ids))
    return list(combos), text, numbers.tobytes()


def _joined_budget(part) -> dict:
    """`_budget_part` read back: member id -> their budget's tuple."""
    from array import array

    if isinstance(part, dict):
        return part
    combos, text, data = part
    numbers = array("L")
    numbers.frombytes(data)
    return dict(zip(text.split("\n") if text else [], (combos[n] for n in numbers)))
