"""`vivier daily`: the mail role's daily work, in order, under one lock on the store.

Imports bounces (when MAILING_BOUNCE_SOURCE is set), builds (plans every kind
from the current content and store), sends every plan of the outbox (the
ledger makes that exactly-once, so a second run the same day sends nothing
new), purges what retention requires, backs the store up, and writes a private
run report. Exit codes: see mailing.daily and docs/operations.md.

Its output (cron mails it, systemd keeps it in the journal) carries counts only:
the steps are the commands whose own output is counts only (a real purge, a
send, a bounces import), and the report names no member.
"""

from __future__ import annotations

import sys

import click

from ..console import error


def _run(ctx, command, **params) -> int:
    """Run one existing command in this process; its exit code (they end with sys.exit)."""
    try:
        ctx.invoke(command, **params)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _build(ctx, build_command, today) -> int:
    """The build (plans every kind); Pelican's "errors are fatal" is its own, not the later steps'."""
    from pelican.log import FatalLogger

    fatal = FatalLogger.fatal_lvl
    try:
        return _run(ctx, build_command, publish=False, today=today, output=None)
    finally:
        FatalLogger.fatal_lvl = fatal


@click.command("daily")
@click.option("--today", help="Run as if today were this date (YYYY-MM-DD).")
@click.pass_context
def daily(ctx, today):
    """Bounces, build, send, purge, backup and a run report: the mail role's daily run (safe to run twice)."""
    import datetime as dt
    import os

    from careers.dates import site_zone
    from careers.dates import today as build_today
    from mailing import daily as run
    from mailing import settings as mailing_settings
    from mailing.delivery.plan import PlanError, open_plan
    from mailing.plan.format import outbox_root
    from talentpool import config

    from ..cli import settings_from
    from . import bounces, build, pool, send

    if today:
        os.environ["VIVIER_TODAY"] = today
    settings = settings_from(ctx)
    mailing_settings.apply_defaults(settings)
    store_path = config.path(settings, "POOL_PATH")
    # Refused before the lock (which would create an SQLite store's folder) when the store is missing.
    config.open_store(settings).close()  # raises StoreMissing: one error line, exit 1, nothing created
    private = config.private_dir(settings)
    day = build_today(settings).isoformat()
    started = dt.datetime.now(site_zone(settings))  # the real time: one report per run (pinned days included)
    steps: list[dict] = []
    try:
        with run.store_lock(store_path):
            source = settings.get("MAILING_BOUNCE_SOURCE") or os.environ.get("VIVIER_BOUNCE_SOURCE")
            if source:
                code = _run(ctx, bounces.import_command, source=source, dry_run=False, today=today)
                steps.append({"step": "bounces import", "outcome": "done" if code == 0 else "failed", "exit": code})
            else:
                steps.append({"step": "bounces import", "outcome": "skipped", "detail": "no MAILING_BOUNCE_SOURCE"})
            code = _build(ctx, build.build, today)
            steps.append({"step": "build (plan)", "exit": code,
                          "outcome": "done" if code == 0 else ("content-error" if code == 1 else "failed")})
            if code == 0:
                steps.extend(_send_all(ctx, send.send, settings, outbox_root(settings), open_plan, PlanError))
            if not any(step["outcome"] == "content-error" for step in steps):  # retention does not wait for the relay
                code = _run(ctx, pool.purge_command, dry_run=False, today=today)
                steps.append({"step": "pool purge", "outcome": "done" if code == 0 else "failed", "exit": code})
            target = private / "backups" / f"{config.store_name(settings)}-{day}.sqlite3"
            code = _run(ctx, pool.backup_command, file=target, today=today)
            steps.append({"step": "pool backup", "outcome": "done" if code == 0 else "failed", "exit": code})
    except run.Locked as exc:
        error(str(exc))
        sys.exit(run.EX_LOCKED)
    code = run.exit_code(steps)
    sends = [step for step in steps if step["step"].startswith("send ")]
    report = {
        "day": day, "exit": code, "result": "ok" if code == 0 else "see the steps", "steps": steps,
        "counts": {"plans": len(sends), "plans sent": sum(step["outcome"] == "done" for step in sends),
                   "plans refused": sum(step["outcome"] == "refused" for step in sends),
                   "plans stopped": sum(step["outcome"] in (*run.STOPS_SENDING, "later", "not tried") for step in sends)},
    }
    report["counts"]["deliveries unknown"] = sum(step.get("counts", {}).get("unknown", 0) for step in sends)
    path, text = run.write_report(private / "reports", day, report, started)
    click.echo(text + f"report: {path}")
    sys.exit(code)


def _send_all(ctx, send_command, settings, outbox, open_plan, PlanError) -> list[dict]:
    """Send every plan of the outbox; a refused plan is reported, a stop on the relay or the settings ends the sending."""
    from mailing import daily as run
    from mailing.plan.format import withdrawn
    from talentpool import config

    from .send import OUTCOME

    steps, names = [], run.outbox_plans(outbox)
    for index, name in enumerate(names):
        step = {"step": f"send {name}"}
        record = withdrawn(outbox / name)
        if record is not None:  # withdrawn by a build: reported, not sent, not a failure
            steps.append({**step, "outcome": "withdrawn", "detail": str(record.get("reason", ""))})
            continue
        try:
            plan = open_plan(settings, name)
            problems = plan.check()
        except PlanError as exc:
            plan, problems = None, [str(exc)]
        if problems:
            steps.append({**step, "outcome": "refused", "detail": "; ".join(problems)})
            continue
        ctx.meta.pop(OUTCOME, None)
        code = _run(ctx, send_command, plan_name=name, dry_run=False, rate=None, connections=None,
                    retry_failed=False, resend_unknown=False)
        ended = ctx.meta.get(OUTCOME) or {}
        outcome = run.SEND_OUTCOMES.get(code, "failed")
        if code == 75 and ended.get("stopped"):
            outcome = "relay-later"  # unreachable, or a temporary refusal of the session
        step.update(outcome=outcome, exit=code)
        with config.open_store(settings) as store:
            unknown = run.unknown_in_ledger(store, plan.plan_id)
        if unknown:  # this run's or an earlier one's: listed in every report until settled
            step["counts"] = {"unknown": unknown}
            step["detail"] = (f"{unknown} delivery(ies) unknown: check the relay's logs, then "
                              f"`vivier send {name} --resend-unknown` (same Message-ID) or leave them")
        steps.append(step)
        if outcome in run.STOPS_SENDING:  # the next plans would meet the same stop: they stay pending
            steps.extend({"step": f"send {rest}", "outcome": "not tried", "detail": f"sending stopped ({outcome})"}
                         for rest in names[index + 1:])
            break
    return steps


commands = [daily]
