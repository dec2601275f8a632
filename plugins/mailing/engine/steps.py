"""The engine's steps over the kinds: read, allocate one budget, finish; then write and withdraw."""

from __future__ import annotations

import logging

from careers.dates import today
from careers.report import get_report

from ..collector import paused
from ..kinds import registry
from ..plan import format as plan_format
from ..plan.kept import Kept
from ..plan.writer import write_plan, withdraw
from .budget import Budget, pending
from .walk import plan_in_order

logger = logging.getLogger(__name__)


def planning_on(settings: dict) -> bool:
    """Whether this build plans mail: off in the site role (CI: no store), MAILING_PLAN=False or VIVIER_MAIL_PLANNING=off."""
    import os

    return bool(settings.get("MAILING_PLAN", True)) and os.environ.get("VIVIER_MAIL_PLANNING", "on").lower() != "off"


def _wanting(kinds: list, settings: dict) -> list:
    """The kinds that need the store: none when planning is off or there is no store, so it is never opened."""
    if not planning_on(settings):
        return []
    wanting = [kind for kind in kinds if kind.wants_store()]
    return wanting if wanting and _store_here(settings) else []


def _store_here(settings: dict) -> bool:
    """Whether the member store exists; when it does not, the site is built and no mail is planned (a build never
    creates a store: a mistyped VIVIER_POOL must not plan to an empty pool)."""
    from talentpool import config as pool_config

    where = pool_config.path(settings, "POOL_PATH")
    if pool_config.store_exists(settings):
        return True
    report = get_report(settings)
    if not any(p.path == str(where) and p.field == "POOL_PATH" for p in report.problems):  # said once per build
        report.warning(str(where), "POOL_PATH", "no member store here: no mail was planned; load the sample "
                       "(`vivier pool load-sample`) or import your pool, or check VIVIER_POOL")
    return False


def read_and_plan(kinds: list, settings: dict) -> None:
    """Every kind reads; if nothing is wrong, they plan on one budget, most important first; then finish."""
    report = get_report(settings)
    for kind in kinds:
        kind.read()
    if not report.errors:
        allocate(kinds, settings)
    for kind in kinds:
        kind.finish()


@paused
def allocate(kinds: list, settings: dict) -> Budget | None:
    """One budget for the whole build: what the outbox still holds, then each kind's plans in priority order.

    The cyclic collector is paused meanwhile (`mailing.collector`): the kinds walk the whole pool (once: `engine.walk`), and
    every page of rows and the decoded members' lists survive long enough to reach the old generation,
    so full collections kept walking the heap (its JSON memos, the budget): 4.5 s of 16 s reading and
    decoding 1,000,000 members, the part of the walk that grew faster than the pool. Planning makes no
    cyclic garbage per member (peak RSS unchanged at 100,000 members)."""
    from talentpool import config as pool_config

    wanting = _wanting(kinds, settings)
    if not wanting:
        return None  # nothing to plan: the pool is not even opened
    report = get_report(settings)
    try:
        policy = pool_config.load_policy(settings)
    except Exception as exc:  # the audience commands explain
        report.error(str(pool_config.path(settings, "POOL_POLICY_PATH")), "policy", f"the policy cannot be loaded: {exc}")
        return None
    day = today(settings)
    outbox = plan_format.outbox_root(settings)
    replaced = {str(meta.get("plan_id") or folder.name) for folder, meta in plan_format.existing(outbox)
                if any(kind.name == meta.get("message_kind") and kind.replaces(meta) for kind in kinds)}
    with pool_config.open_store(settings) as store:
        budget = Budget(pending(store, outbox, day, replaced=replaced))
        # Kinds with a walker plan in one walk of the pool (`engine.walk`), the others one after the other.
        plan_in_order(sorted(wanting, key=lambda k: k.rank(policy)), budget, store, policy, day,
                      parts=walk_parts(settings, store))
    return budget


def walk_parts(settings: dict, store) -> int:
    """In how many parts the pool is walked at once (`engine.walk`): MAILING_WALK_PROCESSES (0: one per core
    this process may use, at most 4) for a pool of MAILING_WALK_PARALLEL_FROM members or more, else one."""
    import os

    processes = int(settings.get("MAILING_WALK_PROCESSES", 0) or 0)
    if processes == 0:
        processes = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    if processes <= 1 or not hasattr(store, "member_bounds"):
        return 1
    return processes if store.count() >= int(settings.get("MAILING_WALK_PARALLEL_FROM", 200_000)) else 1


def write(kinds: list, settings: dict, writer) -> list[str]:
    """Public pages, then every plan folder and the kinds' records; then withdraw what is stale."""
    write_public(kinds, writer)
    return write_plans(kinds, settings)


def write_public(kinds: list, writer) -> None:
    """Every kind's public pages (the site's output folder)."""
    for kind in kinds:
        kind.write_public(writer)


def write_plans(kinds: list, settings: dict) -> list[str]:
    """Every plan folder and the kinds' records (the private outbox and the store); then withdraw what is stale.
    Nothing here writes to the site's output folder (the mail child hands its pages back before, `generator`)."""
    from talentpool import config as pool_config

    written: list[str] = []
    store = None
    kept = Kept.for_settings(settings)  # compiled variants unchanged since the last build are not encoded again
    try:
        for kind in _wanting(kinds, settings):
            store = store or pool_config.open_store(settings)
            for draft in kind.drafts(store):
                write_plan(settings, draft, kept)
                written.append(draft.plan_id)
                logger.info("%s: %d recipient(s) planned", draft.plan_id, len(draft.entries))
            kind.commit(store)
    finally:
        if store is not None:
            store.close()
    if kept is not None:
        kept.save()
    if planning_on(settings) and _store_here(settings):  # a build that plans nothing withdraws nothing either
        withdraw_stale(kinds, settings, set(written))
    return written


def withdraw_stale(kinds: list, settings: dict, written: set[str]) -> list[str]:
    """Withdraw the outbox's plans that this build did not write and whose kind says they are stale."""
    by_name = {kind.name: kind for kind in kinds}
    withdrawn = []
    for folder, meta in plan_format.existing(plan_format.outbox_root(settings)):
        plan_id = str(meta.get("plan_id") or folder.name)
        if plan_id in written or plan_format.withdrawn(folder) is not None:
            continue
        kind = by_name.get(str(meta.get("message_kind")))
        if kind is None:
            try:
                registry.get(str(meta.get("message_kind")))
                continue  # a kind that does not plan in builds keeps its plans
            except KeyError:
                reason = f"no message kind {meta.get('message_kind')!r} sends it any more"
        else:
            reason = kind.withdraw_reason(meta)
        if reason:
            withdraw(folder, reason)
            withdrawn.append(plan_id)
    return withdrawn
