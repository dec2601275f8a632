"""`vivier pool …`: import exports, load the sample, and answer privacy requests."""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
from pathlib import Path

import click
from rich.table import Table

from talentpool import config
from talentpool.importers import ImportFailed, import_file
from talentpool.location import DatabaseUrl, is_url
from talentpool.mappings import MappingError, load_mapping
from talentpool.policy import PolicyError
from talentpool.private import PrivatePathError, check_outside_git, write_private
from talentpool.segments import SegmentError

from ..console import fail, out


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
@click.option("--undated", type=click.Choice(["refuse", "not-eligible"]), default="refuse", show_default=True,
              help="Rows without a creation/last-contact date or with a consent not dated: refuse the import, "
                   "or import those members as not eligible until a real date is known.")
@today_option
@click.pass_context
def import_command(ctx, file, mapping_name, keep_valid, rejects, dry_run, undated, today):
    """Import FILE (CSV or JSON export of an ATS/CRM) into the pool, all or nothing."""
    if keep_valid and rejects is None:
        raise click.UsageError("--keep-valid needs --rejects FILE, so that no bad row is silently dropped")
    from talentpool.sample import is_sample_store

    settings, day = settings_and_today(ctx, today)
    try:
        mapping = load_mapping(mapping_name, config.path(settings, "POOL_MAPPINGS_PATH"))
    except MappingError as exc:
        fail(str(exc))
    if rejects is not None:
        try:
            rejects = check_outside_git(rejects, "rejects file")
        except PrivatePathError as exc:
            fail(str(exc))
    store_path = config.path(settings, "POOL_PATH")
    if store_path == config.sample_path(settings):
        fail(f"{store_path} is the fictional sample store: a real export never goes there. Choose your real store "
             "explicitly, e.g. `export VIVIER_POOL=/srv/vivier/pool.sqlite3` (outside the repository), then import again")
    if dry_run and not config.store_exists(settings):
        fail(f"{store_path}: no member store there; a dry run compares the file with an existing store and creates "
             "nothing: check VIVIER_POOL, or import without --dry-run to create the store")
    with config.open_store(settings, create=not dry_run) as store:
        if is_sample_store(store):
            fail(f"{store_path} is marked as the fictional sample store: a real export never goes there. "
                 "Point VIVIER_POOL at your real store (a new file is created on the first import)")
        try:
            result = import_file(store, file, mapping, day, keep_valid=keep_valid, rejects=rejects, dry_run=dry_run,
                                 undated=undated)
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
    from talentpool.sample import REFERENCE_DAY, SampleRefused, load_sample

    settings, day = settings_and_today(ctx, today)
    try:
        mapping = load_mapping("sample", config.path(settings, "POOL_MAPPINGS_PATH"))
    except MappingError as exc:
        fail(str(exc))
    members = config.path(settings, "POOL_SAMPLE_PATH")
    messages = config.path(settings, "POOL_SAMPLE_MESSAGES_PATH")
    store_path = config.path(settings, "POOL_PATH")
    with config.open_store(settings, create=True) as store:
        try:
            # The sample is dated relative to its reference day; never reject it for being "in the future".
            result, recorded = load_sample(store, members, messages, mapping, max(day, REFERENCE_DAY))
        except (ImportFailed, SampleRefused) as exc:
            fail(str(exc))
    if result is None:
        click.echo(f"sample pool → {store_path}: already loaded, nothing changed (erased and purged members stay gone)")
    else:
        click.echo(f"sample pool → {store_path}: {result.summary()}, {recorded} new sample message(s)")


@pool.command("site-env")
@click.pass_context
def site_env_command(ctx):
    """Print the shell exports `make site` builds with: a sample store only, never a real one."""
    from talentpool.sample import is_sample_store
    from talentpool.store import Store

    settings = settings_and_today(ctx, None)[0]
    sample = config.sample_path(settings)
    chosen = os.environ.get("VIVIER_POOL")
    exports = {"VIVIER_POOL": str(sample)}
    path = (DatabaseUrl(chosen) if is_url(chosen) else Path(chosen).expanduser().absolute()) if chosen else sample
    if path != sample:
        marked = False
        if config.store_exists({"POOL_PATH": path}):
            with Store(path) as store:
                marked = is_sample_store(store)
        if marked:
            exports["VIVIER_POOL"] = path.full if is_url(path) else str(path)
        else:
            # A real store (or one not made by load-sample): left alone, and so is its outbox.
            exports["VIVIER_OUTBOX"] = str(sample.parent / "sample-outbox")
            click.echo(f"make site: VIVIER_POOL={path} is not a sample store; it is left untouched. "
                       f"Building the sample from {sample} into {exports['VIVIER_OUTBOX']}", err=True)
    click.echo("; ".join(f"export {key}={shlex.quote(value)}" for key, value in exports.items()))


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
    from mailing.plan.format import outbox_root
    from mailing.outbox_erase import erase_from_outbox
    from talentpool.privacy import ErasureIncomplete, erase_from_files

    problems = []
    with config.open_store(settings) as store:
        member = erase(store, email, day)
        try:
            files = erase_from_files(store, email, member.id if member else None, day)
        except ErasureIncomplete as exc:  # the rest is erased: say what, then what is left and how to finish
            files, problems = exc.done, exc.problems
    outbox = outbox_root(settings)
    removed = erase_from_outbox(outbox, member.id if member else None, email)
    if member is None:
        click.echo(f"{email} was not in the pool; the address is now on the suppression list, so no import will add it.")
    else:
        click.echo(f"erased {email} (member {member.id}) and their message history; the address is on the suppression list.")
    click.echo(f"  store {config.path(settings, 'POOL_PATH')}: member row, history and records deleted, write-ahead log emptied")
    for line in removed:
        click.echo(f"  outbox {outbox}: {line}")
    if not removed:
        click.echo(f"  outbox {outbox}: nothing about them")
    for line in files:
        click.echo(f"  {line}")
    if problems:
        fail(f"the erasure of {email} is INCOMPLETE: {len(problems)} file(s) could not be cleaned and may still hold "
             "the person:\n" + "\n".join(f"  {problem}" for problem in problems)
             + f"\nFix that, then run `vivier pool erase {shlex.quote(email)} --yes` again (it is safe to repeat) "
             "to finish the erasure")
    click.echo("Copies made outside Vivier (a file you moved or mailed, a backup not made by `vivier pool backup`) "
               "are not known to it: delete the person from them too.")


@pool.command("export")
@click.argument("email")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here instead of stdout.")
@click.pass_context
def export_command(ctx, email, output):
    """Everything held on EMAIL's person, as JSON (right of access)."""
    from talentpool.privacy import export, remember_file

    settings, day = settings_and_today(ctx, None)
    _segments, policy = load_rules(settings)
    if output:
        try:
            output = check_outside_git(output, "export")
        except PrivatePathError as exc:
            fail(str(exc))
    with config.open_store(settings) as store:
        data = export(store, email, policy)
        suppressed = store.suppression_entry(email)
        if data is not None and output:
            remember_file(store, output, "export", day)  # noted first: an erasure deletes it, or its unfinished copy
            write_private(output, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    if data is None:
        fail(f"{email} is not in the pool" + (
            f" (the address is suppressed: {suppressed['reason']} on {suppressed['at']}"
            + (f", {suppressed['detail']}" if suppressed["detail"] else "") + ")" if suppressed else ""))
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    if output:
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
    """Delete members past their retention period (policy.yml's clocks).

    The purge itself prints counts only (its output goes to cron mails and the
    journal); `--dry-run` lists the members, for the operator who asks.
    """
    from talentpool.privacy import purge

    settings, day = settings_and_today(ctx, today)
    _segments, policy = load_rules(settings)
    with config.open_store(settings) as store:
        gone = purge(store, policy, day, dry_run=dry_run)
    console = out()
    if gone and dry_run:
        console.print(_expiry_table("Would be deleted", gone, "retention ended"))
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{verb} {len(gone)} member(s) past retention on {day.isoformat()}")
    if gone and not dry_run:  # their previews and plan lines go too, not at some later build
        from mailing.plan.format import outbox_root
        from mailing.outbox_erase import erase_people_from_outbox

        outbox = outbox_root(settings)
        changed = erase_people_from_outbox(outbox, [(item.member.id, item.member.email) for item in gone])
        console.print(f"outbox {outbox}: {len(changed)} file(s) about them removed or rewritten")


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


@pool.command("migrate-to")
@click.argument("url")
@click.option("--replace", is_flag=True, help="Replace the rows of a PostgreSQL store that already holds some.")
@click.pass_context
def migrate_to_command(ctx, url, replace):
    """Copy this SQLite store into the PostgreSQL database URL, then count every table on both sides.

    URL is like postgresql://vivier@127.0.0.1/vivier (a password, if any, is better given in ~/.pgpass or
    PGPASSWORD than in the URL). The database must exist and sort text bytewise (docs/operations.md);
    Vivier creates its tables. Nothing is kept if any count differs. Then set VIVIER_POOL=URL.
    """
    from talentpool.copying import CopyMismatch, copy_store
    from talentpool.sample import holds_data
    from talentpool.store import Store, StoreError

    settings = settings_and_today(ctx, None)[0]
    if not is_url(url):
        fail(f"{url}: not a PostgreSQL URL; write it like postgresql://USER@HOST/DATABASE")
    target_url = DatabaseUrl(url)
    if config.is_database(config.path(settings, "POOL_PATH")):
        fail(f"{config.path(settings, 'POOL_PATH')} is already a PostgreSQL store; point VIVIER_POOL at the SQLite "
             "store to copy (or make a backup with `vivier pool backup FILE` and `pool restore` it)")
    try:
        with config.open_store(settings) as source, Store(target_url, create=True) as target:
            if holds_data(target) and not replace:
                fail(f"{target_url} already holds a store with data; nothing copied. Add --replace to replace it "
                     "by this store's rows")
            copied = copy_store(source, target)
    except (CopyMismatch, StoreError) as exc:
        fail(str(exc))
    for table, count in sorted(copied.items()):
        click.echo(f"  {table}: {count} row(s)")
    click.echo(f"copied {config.path(settings, 'POOL_PATH')} into {target_url}: {copied.get('members', 0)} member(s), "
               "every table's count checked on both sides. Now set VIVIER_POOL to the URL on every host of the mail role")


@pool.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@today_option
@click.pass_context
def backup_command(ctx, file, today):
    """Copy the store (SQLite or PostgreSQL) into FILE, an SQLite file, private (0600); consistent while in use."""
    from talentpool.backup import BackupError, backup

    settings, day = settings_and_today(ctx, today)
    try:
        target = check_outside_git(file, "backup")
        with config.open_store(settings) as store:
            target = backup(store, target, day)
            members = store.count()
    except (BackupError, PrivatePathError) as exc:
        fail(str(exc))
    click.echo(f"backed up {config.path(settings, 'POOL_PATH')} ({members} member(s)) to {target}")


@pool.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def restore_command(ctx, file, yes):
    """Replace the whole store by the backup FILE (made by `vivier pool backup`).

    Every opt-out made since the backup (erasure, unsubscribe, withdrawn consent, bounce or complaint
    suppression) is kept: the restore applies it again to the restored rows, in the same transaction."""
    from talentpool.backup import BackupError, check_backup, restore

    settings = settings_and_today(ctx, None)[0]
    store_path = config.path(settings, "POOL_PATH")
    try:
        members = check_backup(file)
    except BackupError as exc:
        fail(str(exc))
    if not yes:
        click.confirm(f"Replace everything in {store_path} by {file} ({members} member(s))? Opt-outs made since "
                      "the backup are kept", abort=True)
    try:
        with config.open_store(settings, create=True) as store:
            _restored, carried = restore(store, file)
            count = store.count()
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"restored {store_path} from {file}: {count} member(s); {carried} opt-out(s) made since the backup "
               "applied again (erasures, unsubscribes, suppressions)")


commands = [pool]
