"""`vivier pool unsubscribe --token T` and `vivier pool import-unsubscribes FILE`.

For deployments without the web application, or for opt-outs taken by an
email provider. Attached to the talent-pool's `pool` group.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..console import error, out




def _context(ctx, today):
    """(settings, today, store) for this invocation."""
    import datetime as dt

    from careers.dates import today as build_today
    from talentpool import config

    from ..cli import settings_from

    settings = settings_from(ctx)
    if today:
        try:
            day = dt.date.fromisoformat(today)
        except ValueError:
            raise click.BadParameter(f"expected a date like 2026-11-22, not {today!r}", param_hint="--today") from None
    else:
        day = build_today(settings)
    return settings, day, config.open_store(settings)


@click.command("unsubscribe")
@click.option("--token", required=True, help="The token of an unsubscribe link (or the whole link, or the mailto subject).")
@click.option("--today", help="Record the opt-out on this date (YYYY-MM-DD); default: today.")
@click.pass_context
def unsubscribe_command(ctx, token, today):
    """Unsubscribe the member named by a signed unsubscribe token."""
    from mailing.delivery.unsubscribes import unsubscribe_by_token
    from mailing.tokens import InvalidToken, Signer, secret_from_env

    settings, day, store = _context(ctx, today)
    with store:
        try:
            member_id, outcome = unsubscribe_by_token(store, Signer(secret_from_env()), token, day)
        except InvalidToken as exc:
            error(f"this token was not issued with this VIVIER_SECRET or was altered ({exc}); nothing changed")
            sys.exit(1)
    messages = {
        "unsubscribed": f"[green]✓[/] member {member_id} unsubscribed on {day.isoformat()}",
        "already": f"member {member_id} was already unsubscribed; nothing changed",
        "unknown": f"member {member_id} is no longer in the pool (erased); nothing to do",
    }
    out().print(messages[outcome])


@click.command("import-unsubscribes")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--column", help="Name of the column holding the addresses (default: found automatically).")
@click.option("--today", help="Record the opt-outs on this date (YYYY-MM-DD); default: today.")
@click.pass_context
def import_unsubscribes_command(ctx, file, column, today):
    """Unsubscribe every address of FILE, a CSV export of opt-outs from an email provider."""
    from mailing.delivery.unsubscribes import UnsubscribeFileError, apply_unsubscribes, read_addresses

    try:
        addresses, problems = read_addresses(file, column)
    except UnsubscribeFileError as exc:
        error(f"{exc}")
        sys.exit(1)
    settings, day, store = _context(ctx, today)
    with store:
        report = apply_unsubscribes(store, addresses, day)
    console = out()
    console.print(
        f"[green]✓[/] {file}: {report.unsubscribed} unsubscribed, {report.already} already unsubscribed, "
        f"{report.suppressed} not in the pool (kept out of future imports)"
    )
    if problems:
        err = out(True)
        for line, message in problems:
            err.print(f"[yellow]{file}:{line}[/]: {message}")
        err.print(f"[bold red]✗[/] {len(problems)} line(s) could not be read; the valid ones were applied")
        sys.exit(1)


def _attach():
    """Add the commands to the talent pool's `pool` group (its module owns the group)."""
    from .pool import pool

    for command in (unsubscribe_command, import_unsubscribes_command):
        pool.add_command(command)


_attach()
commands: list = []
