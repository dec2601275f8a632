"""`vivier bounces import SOURCE`: read bounces (RFC 3464) and complaints (ARF) and suppress those addresses."""

from __future__ import annotations

import sys

import click

from ..console import error, out




@click.group("bounces")
def bounces_group():
    """Bounces and spam complaints that came back by mail."""


@bounces_group.command("import")
@click.argument("source")
@click.option("--dry-run", is_flag=True, help="Read and match every report; record and suppress nothing.")
@click.option("--today", help="Record the bounces on this date (YYYY-MM-DD); default: today.")
@click.pass_context
def import_command(ctx, source, dry_run, today):
    """Read SOURCE (an mbox file, a Maildir folder, an .eml file, or imaps://user@host/INBOX with
    VIVIER_IMAP_PASSWORD) and apply its bounces and complaints: hard bounces and complaints put the
    address on the suppression list at once, soft bounces after MAILING_SOFT_BOUNCE_LIMIT in a row.
    The mailbox is not changed; importing it again changes nothing."""
    import datetime as dt

    from careers.dates import today as build_today
    from mailing.delivery.config import DeliveryConfigError, load_config
    from mailing.delivery.reports import SourceError, apply
    from talentpool import config

    from ..cli import settings_from

    settings = settings_from(ctx)
    try:
        day = dt.date.fromisoformat(today) if today else build_today(settings)
    except ValueError:
        raise click.BadParameter(f"expected a date like 2026-11-22, not {today!r}", param_hint="--today") from None
    store = config.open_store(settings)
    try:
        limit = load_config(settings).soft_bounce_limit
    except DeliveryConfigError as exc:
        error(f"{exc}")
        sys.exit(2)
    with store:
        try:
            summary = apply(store, source, day, soft_limit=limit, dry_run=dry_run)
        except SourceError as exc:
            error(f"{exc}")
            sys.exit(1)
    found = ", ".join(f"{count} {kind}" for kind, count in sorted(summary.reports.items())) or "no report"
    suppressed = ", ".join(f"{count} {reason}" for reason, count in sorted(summary.suppressed.items())) or "none"
    out().print(
        f"{'[dry run] ' if dry_run else ''}{source}: {summary.messages} message(s): {found}; "
        f"{summary.ignored} not a bounce or complaint; {summary.unmatched} about no member of the pool; "
        f"addresses suppressed now: {suppressed}"
    )
    if summary.problems and not dry_run:  # a problem may quote an address: the import (cron, daily) counts them
        out(True).print(f"[yellow]{len(summary.problems)} report(s) not read or about no member: "
                        f"`vivier bounces import {source} --dry-run` lists them[/]")
    elif summary.problems:
        err = out(True)
        for where, problem in summary.problems[:50]:
            err.print(f"[yellow]{where}[/]: {problem}")


commands = [bounces_group]
