"""`vivier send PLAN [--dry-run] [--rate N] [--connections N] [--retry-failed] [--resend-unknown]`: deliver a plan once per member.

Exit codes (docs/delivery.md): 0 done; 1 the send stopped on something to fix
(credentials, sender, policy, quota, an invalid plan); 2 invalid settings
(VIVIER_SECRET missing included); 3 done, but this run left some deliveries
`unknown` (those of earlier runs are counted in the summary, not in the exit
code); 75 run again later (deferred members, a temporary stop, or members
another send was delivering); 130 interrupted.

The output never names a member: counts, and in `--dry-run` the pseudonymous
member ids (`vivier audience explain EMAIL` or `pool export` for one person).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import re
import signal
import sys

import click

from ..console import fail, out
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

EX_STOPPED = 1  # the relay refused the send itself: fix what it says, then run again
EX_UNKNOWN = 3  # some outcomes are unknown: check, then --resend-unknown or leave them
EX_TEMPFAIL = 75  # sysexits: run again later (deferrals, a temporary stop)
EX_SETTINGS = 2  # invalid settings, VIVIER_SECRET missing included: nothing sent
_ADDRESS = re.compile(r"[^\s<>():;,\"']+@[^\s<>():;,\"']+")
_REPLY_CODE = re.compile(r"\b([245]\d\d)(?:[ -]([245]\.\d{1,3}\.\d{1,3}))?\b")
OUTCOME = "vivier.send"  # ctx.meta key: how the last send ended, for `vivier daily`


@contextlib.contextmanager
def _plan_lock(folder):
    """A courtesy: one send per plan folder at a time. Exactly-once rests on the ledger's claims, not on this."""
    with open(folder / ".send.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fail(f"another `vivier send` of {folder.name} is running; wait for it to finish")
        yield


def _require_secret() -> None:
    """A real send signs its unsubscribe links with VIVIER_SECRET; the public development secret would make them 403."""
    import os

    if not os.environ.get("VIVIER_SECRET"):
        fail("VIVIER_SECRET is not set: nothing sent. The one-click unsubscribe links would be signed with the public "
             "development secret, which the web application refuses (403). Set VIVIER_SECRET to the web "
             "application's value (on the mail host: in /etc/vivier/vivier.env) and run again; "
             "`--dry-run` works without it.", EX_SETTINGS)


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
        fail(str(exc), 2)
    try:
        plan = open_plan(settings, plan_name)
    except PlanError as exc:
        fail(str(exc))
    problems = plan.check()
    if problems:
        fail(f"{plan.folder} cannot be sent:\n  " + "\n  ".join(problems))
    try:
        policy = pool_config.load_policy(settings)
    except PolicyError as exc:
        fail(str(exc))
    return settings, delivery, plan, policy, today(settings), (lambda: now(settings))


@click.command("send")
@click.argument("plan_name", metavar="PLAN")
@click.option("--dry-run", is_flag=True, help="Show who would receive what; send nothing, record nothing.")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), help="Messages per second (default: MAILING_RATE).")
@click.option("--connections", type=click.IntRange(min=1, max=32),
              help="Parallel connections to the relay (default: MAILING_SMTP_CONNECTIONS).")
@click.option("--retry-failed", is_flag=True,
              help="Send again to members the relay refused in an earlier run (after fixing a mistake).")
@click.option("--resend-unknown", is_flag=True,
              help="Send again, with the same Message-ID, to members whose delivery is unknown (the relay may have it).")
@click.pass_context
def send(ctx, plan_name, dry_run, rate, connections, retry_failed, resend_unknown):
    """Send PLAN (a folder of the outbox: a campaign, invitations, sequences) over SMTP.

    Each member receives the message once: a delivery is claimed in the store
    before its DATA, so a re-run after a crash, or a second send of the same
    plan from anywhere sharing the store, never sends it twice. A delivery
    interrupted after the end of the message is `unknown` and is not re-sent
    unless you ask (--resend-unknown). Eligibility is checked again now, so
    unsubscribes and bounces are honoured.
    """
    from mailing.delivery.bounces import forgive
    from mailing.delivery.ledger import Ledger
    from mailing.delivery.plan import PlanError, PlanMessages
    from talentpool import config as pool_config

    if not dry_run:
        _require_secret()
    settings, delivery, plan, policy, today, when = _prepare(ctx, plan_name, rate)
    if connections:
        delivery = dataclasses.replace(delivery, connections=connections)
    console = out(True)
    total = plan.count()
    flags = dict(retry_failed=retry_failed, resend_unknown=resend_unknown, lease=delivery.lease)
    with pool_config.open_store(settings) as store, _plan_lock(plan.folder):
        ledger = Ledger(store, plan.plan_id, now=when, durable=not dry_run, **flags)
        try:
            messages = PlanMessages(plan, settings, store, policy, today, when)
        except ValueError as exc:
            fail(f"{plan.folder}: {exc}")
        try:
            if dry_run:
                _dry_run(plan, messages, ledger, total)
                return
            if retry_failed:
                forgiven = forgive(store, plan.plan_id)
                if forgiven:
                    console.print(f"{forgiven} bounce(s) recorded by this plan's refusals forgotten (and their suppressions lifted)")
            console.print(f"Sending [bold]{plan.plan_id}[/] ({plan.kind}, {total} recipient(s)) via {delivery.describe()} "
                          f"at ≤ {delivery.rate:g}/s over {delivery.connections} connection(s)")
            opener = _channel_opener(store.path, plan.plan_id, delivery, when, flags)
            summary = _send(plan, messages, ledger, delivery, total, console, opener)
        except PlanError as exc:
            fail(str(exc))
    _print_summary(summary, plan)
    ctx.meta[OUTCOME] = {"stopped": bool(summary.aborted), "temporary": summary.temporary}
    sys.exit(_exit_code(summary, plan_name, settings))


def _exit_code(summary, plan_name, settings) -> int:
    """Say what to do next, and return the exit code that says it to a script."""
    err = out(True)
    if summary.aborted:
        err.print(f"[bold red]✗[/] send stopped: {_ADDRESS.sub('<address>', summary.aborted)}")  # the last reply may quote one
        err.print(f"  Everyone not delivered is still pending: run `vivier send {plan_name}` again "
                  + ("later." if summary.temporary else "once it is fixed."))
        return EX_TEMPFAIL if summary.temporary else EX_STOPPED
    if summary.deferred or summary.busy:
        when = _local(summary.retry_at, settings) if summary.retry_at else "a few minutes"
        if summary.deferred:
            err.print(f"[yellow]{summary.deferred} message(s) deferred by the relay; run `vivier send {plan_name}` again after {when}.[/]")
        if summary.busy:
            err.print(f"[yellow]{summary.busy} member(s) were being delivered by another `vivier send` of this plan; "
                      "run again once it has finished to see their outcome.[/]")
        return EX_TEMPFAIL
    if summary.unknown:
        err.print(f"[yellow]{summary.unknown} delivery(ies) unknown: the relay may have queued them. Check its logs; "
                  f"`vivier send {plan_name} --resend-unknown` sends them again with the same Message-ID.[/]")
        return EX_UNKNOWN
    earlier = summary.already.get("unknown", 0)
    if earlier:  # told when they happened (exit 3); leaving them is a choice, so they do not change the code
        err.print(f"{earlier} delivery(ies) left `unknown` by an earlier run: check the relay's logs, then "
                  f"`vivier send {plan_name} --resend-unknown` (same Message-ID) or leave them.")
    return 0


def _local(epoch: float, settings) -> str:
    """A real time (retry_after is wall-clock, not the pinned today) in the site's time zone."""
    import datetime as dt

    from careers.dates import site_zone

    return dt.datetime.fromtimestamp(epoch, site_zone(settings)).strftime("%H:%M:%S %Z (%Y-%m-%d)")


def _channel_opener(store_path, plan_id, delivery, when, flags):
    """For parallel connections: each worker opens its own connection and its own store connection."""

    @contextlib.contextmanager
    def open_channel():
        from mailing.delivery.ledger import Ledger
        from mailing.delivery.sender import Channel
        from mailing.delivery.smtp import SmtpTransport
        from talentpool.store import Store

        with Store(store_path) as store, SmtpTransport(delivery) as transport:
            yield Channel(transport, Ledger(store, plan_id, now=when, **flags))

    return open_channel


def _send(plan, messages, ledger, delivery, total, console, open_channel):
    from mailing.delivery.dkim import signer_for
    from mailing.delivery.ratelimit import RateLimiter
    from mailing.delivery.sender import Sender
    from mailing.delivery.smtp import SmtpTransport

    counts = {"sent": 0, "skipped": 0, "failed": 0, "deferred": 0, "unknown": 0, "busy": 0, "already": 0}
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("", total=total)

        def on_result(member_id, status, detail):
            if status == "retrying":
                return
            counts[status] = counts.get(status, 0) + 1
            progress.update(task, advance=1, description=(
                f"sent {counts['sent']} · skipped {counts['skipped']} · failed {counts['failed']} · "
                f"deferred {counts['deferred']} · unknown {counts['unknown']} · done before {counts['already']}"
            ))

        with SmtpTransport(delivery) as transport:
            sender = Sender(
                transport, ledger, kind=plan.kind, limiter=RateLimiter(delivery.rate), retries=delivery.retries,
                backoff=delivery.backoff, backoff_max=delivery.backoff_max, envelope_from=delivery.envelope_from,
                on_result=on_result, verp=delivery.verp, soft_bounce_limit=delivery.soft_bounce_limit,
                dkim=signer_for(delivery), domain_rate=delivery.domain_rate, connections=delivery.connections,
                open_channel=open_channel,
            )
            previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` ends it like Ctrl-C: claims settled
            try:
                return sender.run(messages)
            except KeyboardInterrupt:
                progress.stop()
                abandoned = ledger.abandon()
                _print_summary(sender.summary, plan)
                fail("interrupted: run the same command again to carry on (nobody will receive the message twice)"
                      + (f"; {abandoned} delivery(ies) in progress are now `unknown`" if abandoned else ""), 130)
            finally:
                signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _print_summary(summary, plan) -> None:
    table = Table(title=f"{plan.plan_id}: summary", title_justify="left")
    table.add_column("outcome")
    table.add_column("messages", justify="right")
    table.add_row("sent now", str(summary.sent))
    table.add_row("deferred (4xx, retry later)", str(summary.deferred))
    table.add_row("failed (refused for this recipient, not retried)", str(summary.failed))
    table.add_row("unknown (no answer after the message; not re-sent)", str(summary.unknown))
    if summary.busy:
        table.add_row("being sent by another `vivier send`", str(summary.busy))
    for reason, count in sorted(summary.skipped.items()):
        table.add_row(f"skipped: {reason}", str(count))
    for status, count in sorted(summary.already.items()):
        table.add_row(f"already {status} by an earlier run", str(count))
    for reason, count in sorted(summary.suppressed.items()):
        table.add_row(f"addresses suppressed now ({reason})", str(count))
    console = out()
    console.print(table)
    for (status, code), count in sorted(_problem_codes(summary.problems).items()):
        console.print(f"  {status}, relay reply {code}: {count}")
    console.print(f"{summary.handled} recipient(s) handled in {summary.seconds:.1f} s")


def _problem_codes(problems) -> dict[tuple[str, str], int]:
    """Problems counted by status and the relay's reply code: a reply may quote the address, so never the text."""
    from collections import Counter

    def code(detail: str) -> str:
        found = _REPLY_CODE.search(detail or "")
        return " ".join(part for part in found.groups() if part) if found else "none"

    return Counter((status, code(detail)) for _member, status, detail in problems)


def _dry_run(plan, messages, ledger, total) -> None:
    """Decide and compose each message like a send would, and print it; write nothing."""
    from collections import Counter

    from mailing.delivery.bounces import suppressed
    from mailing.delivery.ledger import CLAIMED, FAILED, SENT, UNKNOWN
    from mailing.delivery.sender import Skip

    table = Table(title=f"{plan.plan_id} ({plan.kind}): dry run, nothing sent", title_justify="left")
    for column in ("member", "version", "subject / reason"):  # no address: this output goes to logs
        table.add_column(column)
    outcomes: Counter = Counter()
    for entry in plan.entries():
        version = f"{entry.get('segment', '')}.{entry.get('lang', '')}.{entry.get('variant', '')}"
        status = ledger.status(entry["member"])
        if status in (SENT, CLAIMED) or (status == FAILED and not ledger.retry_failed) or (
                status == UNKNOWN and not ledger.resend_unknown):
            outcomes[f"already {status}"] += 1
            table.add_row(entry["member"], version, f"already {status}")
            continue
        item = messages.build(entry)
        if not isinstance(item, Skip) and (stop := suppressed(ledger.store, item.recipient or "")):
            item = Skip(entry["member"], stop["reason"])  # what the send will do: bounced or complained
        if isinstance(item, Skip):
            outcomes[f"skip: {item.reason}"] += 1
            table.add_row(entry["member"], version, f"[yellow]skip: {item.reason}[/]")
        else:
            outcomes["would send"] += 1
            compiled = getattr(messages.composer(entry), "compiled", None)
            subject = getattr(compiled, "subject", "")
            table.add_row(entry["member"], version, subject)
    console = out()
    console.print(table)
    console.print(", ".join(f"{name}: {count}" for name, count in sorted(outcomes.items())) + f" (of {total})")


commands = [send]
