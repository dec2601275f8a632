"""`vivier send PLAN [--dry-run] [--rate N]`: deliver a plan of the outbox over SMTP, once per member."""

from __future__ import annotations

import contextlib
import fcntl
import sys

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

EX_TEMPFAIL = 75  # sysexits: some messages were deferred, run again later


def _console(stderr=False) -> Console:
    return Console(stderr=stderr, highlight=False, width=None if sys.stdout.isatty() else 160)


def _fail(message: str, code: int = 1):
    _console(True).print(f"[bold red]✗[/] {message}")
    sys.exit(code)


@contextlib.contextmanager
def _plan_lock(folder):
    """One send of a plan at a time (two would race for the same members)."""
    with open(folder / ".send.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _fail(f"another `vivier send` of {folder.name} is running; wait for it to finish")
        yield


def _prepare(ctx, plan_name, rate):
    from careers.dates import now, today
    from mailing import settings as mailing_settings
    from mailing.delivery.config import DeliveryConfigError, load_config
    from mailing.delivery.plan import PlanError, open_plan
    from talentpool import config as pool_config
    from talentpool.policy import PolicyError

    from ..cli import settings_from

    settings = settings_from(ctx)
    mailing_settings.apply_defaults(settings)
    try:
        mailing_settings.validate(settings)
        delivery = load_config(settings, rate=rate)
    except (ValueError, DeliveryConfigError) as exc:
        _fail(str(exc), 2)
    try:
        plan = open_plan(settings, plan_name)
    except PlanError as exc:
        _fail(str(exc))
    problems = plan.check()
    if problems:
        _fail(f"{plan.folder} cannot be sent:\n  " + "\n  ".join(problems))
    try:
        policy = pool_config.load_policy(settings)
    except PolicyError as exc:
        _fail(str(exc))
    return settings, delivery, plan, policy, today(settings), (lambda: now(settings))


@click.command("send")
@click.argument("plan_name", metavar="PLAN")
@click.option("--dry-run", is_flag=True, help="Show who would receive what; send nothing, record nothing.")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), help="Messages per second (default: MAILING_RATE).")
@click.pass_context
def send(ctx, plan_name, dry_run, rate):
    """Send PLAN (a folder of the outbox: a campaign, invitations, sequences) over SMTP.

    Each member receives the message once: a re-run after a crash, a kill or
    a lost connection sends to those not yet accepted by the server, and to
    nobody twice. Eligibility is checked again now, so unsubscribes are honoured.
    """
    from mailing.delivery.ledger import Ledger
    from mailing.delivery.plan import PlanError, PlanMessages
    from talentpool import config as pool_config

    settings, delivery, plan, policy, today, when = _prepare(ctx, plan_name, rate)
    console = _console(True)
    total = plan.count()
    with pool_config.open_store(settings) as store, _plan_lock(plan.folder):
        ledger = Ledger(store, plan.plan_id, now=when)
        try:
            messages = PlanMessages(plan, settings, store, policy, today, when)
        except ValueError as exc:
            _fail(f"{plan.folder}: {exc}")
        try:
            if dry_run:
                _dry_run(plan, messages, ledger, total)
                return
            console.print(f"Sending [bold]{plan.plan_id}[/] ({plan.kind}, {total} recipient(s)) via {delivery.describe()} at ≤ {delivery.rate:g}/s")
            summary = _send(plan, messages, ledger, delivery, total, console)
        except PlanError as exc:
            _fail(str(exc))
    _print_summary(summary, plan)
    if summary.aborted:
        _fail(f"send stopped: {summary.aborted}. Run the same command again to carry on.")
    if summary.deferred:
        _console(True).print(f"[yellow]{summary.deferred} message(s) deferred by the server; run `vivier send {plan_name}` again later to retry them.[/]")
        sys.exit(EX_TEMPFAIL)


def _send(plan, messages, ledger, delivery, total, console):
    from mailing.delivery.ratelimit import RateLimiter
    from mailing.delivery.sender import Sender
    from mailing.delivery.smtp import SmtpTransport

    counts = {"sent": 0, "skipped": 0, "failed": 0, "deferred": 0, "already": 0}
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("", total=total)

        def on_result(member_id, status, detail):
            counts[status] = counts.get(status, 0) + 1
            progress.update(task, advance=1, description=(
                f"sent {counts['sent']} · skipped {counts['skipped']} · failed {counts['failed']} · "
                f"deferred {counts['deferred']} · done before {counts['already']}"
            ))

        with SmtpTransport(delivery) as transport:
            sender = Sender(
                transport, ledger, kind=plan.kind, limiter=RateLimiter(delivery.rate), retries=delivery.retries,
                backoff=delivery.backoff, backoff_max=delivery.backoff_max, envelope_from=delivery.envelope_from,
                on_result=on_result,
            )
            try:
                return sender.run(messages)
            except KeyboardInterrupt:
                progress.stop()
                _print_summary(sender.summary, plan)
                _fail("interrupted: run the same command again to carry on (nobody will receive the message twice)", 130)


def _print_summary(summary, plan) -> None:
    table = Table(title=f"{plan.plan_id}: summary", title_justify="left")
    table.add_column("outcome")
    table.add_column("messages", justify="right")
    table.add_row("sent now", str(summary.sent))
    table.add_row("deferred (4xx, retry later)", str(summary.deferred))
    table.add_row("failed (5xx, not retried)", str(summary.failed))
    for reason, count in sorted(summary.skipped.items()):
        table.add_row(f"skipped: {reason}", str(count))
    for status, count in sorted(summary.already.items()):
        table.add_row(f"already {status} by an earlier run", str(count))
    console = _console()
    console.print(table)
    for member_id, status, detail in summary.problems[:20]:
        console.print(f"  {status} {member_id}: {detail}")
    if len(summary.problems) > 20:
        console.print(f"  … and {len(summary.problems) - 20} more (see the ledger)")
    console.print(f"{summary.handled} recipient(s) handled in {summary.seconds:.1f} s")


def _dry_run(plan, messages, ledger, total) -> None:
    """Decide and compose each message like a send would, and print it; write nothing."""
    from collections import Counter

    from mailing.delivery.ledger import FINAL
    from mailing.delivery.sender import Skip

    table = Table(title=f"{plan.plan_id} ({plan.kind}): dry run, nothing sent", title_justify="left")
    for column in ("member", "to", "version", "subject / reason"):
        table.add_column(column)
    outcomes: Counter = Counter()
    for entry in plan.entries():
        version = f"{entry.get('segment', '')}.{entry.get('lang', '')}.{entry.get('variant', '')}"
        status = ledger.status(entry["member"])
        if status in FINAL:
            outcomes[f"already {status}"] += 1
            table.add_row(entry["member"], "", version, f"already {status}")
            continue
        item = messages.build(entry)
        if isinstance(item, Skip):
            outcomes[f"skip: {item.reason}"] += 1
            table.add_row(entry["member"], "", version, f"[yellow]skip: {item.reason}[/]")
        else:
            outcomes["would send"] += 1
            compiled = getattr(messages.composer(entry), "compiled", None)
            subject = getattr(compiled, "subject", "")
            table.add_row(entry["member"], item.recipient, version, subject)
    console = _console()
    console.print(table)
    console.print(", ".join(f"{name}: {count}" for name, count in sorted(outcomes.items())) + f" (of {total})")


commands = [send]
