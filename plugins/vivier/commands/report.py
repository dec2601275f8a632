"""`vivier report PLAN|kpis [--since D] [--json]` and `vivier replies import SOURCE`: results without tracking."""

from __future__ import annotations

import datetime as dt
import json

import click
from rich.console import Console

from ..console import fail, out
from rich.table import Table






def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD", param_hint="--since") from None


def _figure(value, rate: bool = False) -> str:
    from mailing.reports.render import number, percent

    return percent(value) if rate else number(value)


def _print_campaign(data: dict, console: Console) -> None:
    from mailing.reports.campaign import OUTCOME_LABELS, STATUS_LABELS

    table = Table("figure", "members", title=f"Plan {data['plan_id']} ({data['kind']})")
    table.add_row("planned", _figure(data["planned"]))
    for status, count in data["total"]["statuses"].items():
        table.add_row(STATUS_LABELS.get(status, status), _figure(count))
    for reason, count in data["total"]["suppressed"].items():
        table.add_row(f"suppressed after sending: {reason}", _figure(count))
    for outcome, count in data["total"]["outcomes"].items():
        table.add_row(OUTCOME_LABELS[outcome], _figure(count))
    console.print(table)
    for test in data["ab"]:
        for verdict in test["verdicts"]:
            console.print(f"A/B {test['outcome']}: {verdict['verdict']}")


def _print_kpis(data: dict, console: Console) -> None:
    table = Table("KPI", "value", title=f"Recruiting KPIs {data['since']} → {data['today']}")
    table.add_row("pool members", _figure(data["pool"]["members"]))
    table.add_row("joined in the period", _figure(data["pool"]["joined"]))
    table.add_row("share eligible (consent, retention)", _figure(data["eligibility"]["share"], rate=True))
    table.add_row("applications in the period", _figure(data["time_to_apply"]["all"]["applications"]))
    table.add_row("median days from joining to application", _figure(data["time_to_apply"]["all"]["median_days"]))
    for row in data["conversion_by_source"]:
        table.add_row(f"applied, joined via {row['group']}", _figure(row["rate"], rate=True))
    for row in data["unsubscribe_by_kind"]:
        table.add_row(f"unsubscribe rate after {row['group']}", _figure(row["rate"], rate=True))
    console.print(table)


@click.command("report")
@click.argument("target", metavar="PLAN|kpis")
@click.option("--since", help="KPIs from this date (YYYY-MM-DD); default: the last 91 days.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON (masked ones as \"< k\") instead of a table.")
@click.pass_context
def report(ctx, target, since, as_json):
    """Write the private HTML report of a plan (by its id) or of the recruiting KPIs (`kpis`).

    Counts per group only, never per person; a group under
    MAILING_REPORTS_MIN_GROUP members shows "< k". The file goes under
    MAILING_REPORTS_PATH (var/reports/), never under output/.
    """
    from mailing.reports.service import ReportError, make_report
    from mailing.reports.settings import ReportSettingsError
    from mailing.reports.stats import plain

    from ..cli import settings_from

    settings = settings_from(ctx)
    start = _date(since)
    try:
        made = make_report(settings, target, since=start)
    except ReportSettingsError as exc:
        fail(str(exc), 2)
    except ReportError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(plain({"report": made.what, "path": str(made.path), **made.data}), ensure_ascii=False, indent=2))
        return
    console = out()
    (_print_campaign if made.what == "campaign" else _print_kpis)(made.data, console)
    console.print(f"Report: {made.path}")


@click.group("replies")
def replies():
    """Replies to plans, counted from the reply-to mailbox (docs/reports.md)."""


@replies.command("import")
@click.argument("source", type=click.Path(exists=True))
@click.pass_context
def import_replies(ctx, source):
    """Count the replies in SOURCE (an mbox file or a Maildir folder), per plan; bounces and auto-replies left out."""
    from pathlib import Path

    from careers.dates import now
    from mailing import settings as mailing_settings
    from mailing.reports.replies import RepliesError, import_replies as run
    from talentpool import config as pool_config

    from ..cli import settings_from

    settings = settings_from(ctx)
    mailing_settings.apply_defaults(settings)
    try:
        with pool_config.open_store(settings) as store:
            result = run(store, Path(source), str(settings.get("MAILING_REPLY_TO") or ""), now(settings))
    except RepliesError as exc:
        fail(str(exc), 2)
    out().print(result.summary())


commands = [report, replies]
