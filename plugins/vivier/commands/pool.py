"""`vivier pool …`: import exports, load the sample, and answer privacy requests."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from talentpool import config
from talentpool.importers import ImportFailed, import_file
from talentpool.mappings import MappingError, load_mapping
from talentpool.policy import PolicyError
from talentpool.segments import SegmentError


def out() -> Console:
    """A console on the current stdout (wide when not a terminal, so tables don't wrap addresses)."""
    return Console(width=None if sys.stdout.isatty() else 160, highlight=False)


def fail(message: str) -> None:
    """Print an error on stderr and exit non-zero."""
    Console(stderr=True, highlight=False, width=160).print(f"[bold red]✗[/] {message}")
    sys.exit(1)


def settings_and_today(ctx, today: str | None) -> tuple[dict, dt.date]:
    """The settings of this invocation and its "today" (`--today`, else the build's)."""
    from careers.dates import today as build_today

    from ..cli import settings_from

    settings = settings_from(ctx)
    if today:
        try:
            return settings, dt.date.fromisoformat(today)
        except ValueError:
            raise click.BadParameter(f"expected a date like 2026-11-22, not {today!r}", param_hint="--today") from None
    try:
        return settings, build_today(settings)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def load_rules(settings):
    """(segments, policy) from the settings' folders; exits with every problem if invalid."""
    try:
        return config.load_segments(settings), config.load_policy(settings)
    except (SegmentError, PolicyError) as exc:
        fail(str(exc))


today_option = click.option("--today", help="Act as if today were this date (YYYY-MM-DD); default: the build's today.")


@click.group("pool")
def pool():
    """The talent pool: imports, the sample pool, erasure, access and retention."""


@pool.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_name", required=True, help="Mapping name (audiences/mappings/NAME.yml) or a path to one.")
@click.option("--keep-valid", is_flag=True, help="Import the valid rows even if some are bad (needs --rejects).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the rejected rows and reasons (CSV).")
@click.option("--dry-run", is_flag=True, help="Validate and count; the store is left unchanged (with --keep-valid, the --rejects file is still written).")
@today_option
@click.pass_context
def import_command(ctx, file, mapping_name, keep_valid, rejects, dry_run, today):
    """Import FILE (CSV or JSON export of an ATS/CRM) into the pool, all or nothing."""
    if keep_valid and rejects is None:
        raise click.UsageError("--keep-valid needs --rejects FILE, so that no bad row is silently dropped")
    settings, day = settings_and_today(ctx, today)
    try:
        mapping = load_mapping(mapping_name, config.path(settings, "POOL_MAPPINGS_PATH"))
    except MappingError as exc:
        fail(str(exc))
    with config.open_store(settings) as store:
        try:
            result = import_file(store, file, mapping, day, keep_valid=keep_valid, rejects=rejects, dry_run=dry_run)
        except ImportFailed as exc:
            fail(str(exc))
    console = out()
    console.print(f"[green]✓[/] {file}: {result.summary()}" + (" (dry run: the store is unchanged)" if dry_run else ""))
    if result.rejected:
        console.print(f"[yellow]{len(result.rejected)} problem(s); rejected rows written to {rejects}[/]")
        for error in result.rejected:
            console.print(f"  {file}: {error}")


@pool.command("load-sample")
@today_option
@click.pass_context
def load_sample_command(ctx, today):
    """Load the fictional sample pool (audiences/sample/) into the store; safe to re-run."""
    from talentpool.sample import REFERENCE_DAY, load_sample

    settings, day = settings_and_today(ctx, today)
    try:
        mapping = load_mapping("sample", config.path(settings, "POOL_MAPPINGS_PATH"))
    except MappingError as exc:
        fail(str(exc))
    members = config.path(settings, "POOL_SAMPLE_PATH")
    messages = config.path(settings, "POOL_SAMPLE_MESSAGES_PATH")
    store_path = config.path(settings, "POOL_PATH")
    with config.open_store(settings) as store:
        try:
            # The sample is dated relative to its reference day; never reject it for being "in the future".
            result, recorded = load_sample(store, members, messages, mapping, max(day, REFERENCE_DAY))
        except ImportFailed as exc:
            fail(str(exc))
    click.echo(f"sample pool → {store_path}: {result.summary()}, {recorded} new sample message(s)")


@pool.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@today_option
@click.pass_context
def erase_command(ctx, email, yes, today):
    """Erase EMAIL's person (right to erasure) and keep only a salted hash so no import re-adds them."""
    from talentpool.privacy import erase

    settings, day = settings_and_today(ctx, today)
    if not yes:
        click.confirm(f"Erase everything held on {email}? This cannot be undone", abort=True)
    with config.open_store(settings) as store:
        member = erase(store, email, day)
    if member is None:
        click.echo(f"{email} was not in the pool; the address is now on the suppression list, so no import will add it.")
    else:
        click.echo(f"erased {email} (member {member.id}) and their message history; the address is on the suppression list.")


@pool.command("export")
@click.argument("email")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here instead of stdout.")
@click.pass_context
def export_command(ctx, email, output):
    """Everything held on EMAIL's person, as JSON (right of access)."""
    from talentpool.privacy import export

    settings = settings_and_today(ctx, None)[0]
    _segments, policy = load_rules(settings)
    with config.open_store(settings) as store:
        data = export(store, email, policy)
        suppressed = store.suppression_entry(email)
    if data is None:
        fail(f"{email} is not in the pool" + (
            f" (the address is suppressed: {suppressed['reason']} on {suppressed['at']}"
            + (f", {suppressed['detail']}" if suppressed["detail"] else "") + ")" if suppressed else ""))
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {output} (personal data: send it to the person, then delete it)")
    else:
        click.echo(text)


def _expiry_table(title: str, items, day_label: str) -> Table:
    table = Table(title=title)
    for column in ("email", "name", "stage", day_label, "why"):
        table.add_column(column)
    for item in items:
        table.add_row(item.member.email, item.member.name, item.member.stage, item.ends.isoformat(), item.reason)
    return table


@pool.command("purge")
@click.option("--dry-run", is_flag=True, help="List who would be deleted and why; delete nothing.")
@today_option
@click.pass_context
def purge_command(ctx, dry_run, today):
    """Delete members past their retention period (policy.yml's clocks)."""
    from talentpool.privacy import purge

    settings, day = settings_and_today(ctx, today)
    _segments, policy = load_rules(settings)
    with config.open_store(settings) as store:
        gone = purge(store, policy, day, dry_run=dry_run)
    console = out()
    if gone:
        console.print(_expiry_table("Would be deleted" if dry_run else "Deleted", gone, "retention ended"))
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{verb} {len(gone)} member(s) past retention on {day.isoformat()}")


@pool.command("renewals")
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True, help="Retention ending within this many days.")
@today_option
@click.pass_context
def renewals_command(ctx, days, today):
    """Members whose retention ends soon: ask them to renew their consent (re-permission)."""
    from talentpool.privacy import renewals

    settings, day = settings_and_today(ctx, today)
    _segments, policy = load_rules(settings)
    with config.open_store(settings) as store:
        items = renewals(store, policy, day, days)
    console = out()
    if items:
        console.print(_expiry_table(f"Retention ending within {days} days", items, "retention ends"))
    console.print(f"{len(items)} member(s) to ask for renewal before their retention ends")


commands = [pool]
