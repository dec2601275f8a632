"""`vivier job …`: the hiring manager's sign-off of the must-haves, and the pool fit before publishing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.table import Table

from ..console import fail, out
from .pool import settings_and_today, today_option


@click.group("job")
def job():
    """A job ad's must-haves: sign-off and pool fit."""


def _must_haves(path: Path) -> list[str]:
    from careers.job_fields import skills
    from careers.job_signoff import read_header

    header = read_header(path)
    if "must_have" not in header or not header["must_have"][0]:
        fail(f"{path}: no Must_have line in the header; is it a job ad? (for example: Must_have: Python, SQL)")
    return skills(header["must_have"][0])


@job.command("sign-off")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "by", required=True, help="Who agreed to the must-haves (the hiring manager's name).")
@click.option("--as", "role", required=True, help="As what: their role, e.g. 'responsable data Nantes'.")
@click.option("--date", "day", help="The day they agreed (YYYY-MM-DD; default: today).")
@click.pass_context
def sign_off(ctx, file, by, role, day):
    """Record in FILE that BY, as ROLE, agreed to its must-haves today (with their hash)."""
    from careers.job_signoff import SignOff, must_have_digest, write_sign_off

    settings, today = settings_and_today(ctx, None)
    name, role = " ".join(by.split()), " ".join(role.split())
    if not name or "," in name:
        raise click.BadParameter("write the person's name without commas, e.g. --by 'Claire Vasseur'", param_hint="--by")
    if not role:
        raise click.BadParameter("say as what they signed, e.g. --as 'responsable data Nantes'", param_hint="--as")
    signed = today
    if day:
        try:
            signed = dt.date.fromisoformat(day)
        except ValueError:
            raise click.BadParameter(f"expected a date like 2026-11-20, not {day!r}", param_hint="--date") from None
        if signed > today:
            raise click.BadParameter(f"{signed} is after today ({today})", param_hint="--date")
    skills = _must_haves(file)
    record = SignOff(name, role, signed, must_have_digest(skills))
    write_sign_off(file, record)
    out().print(f"✓ {file}: must-haves ({', '.join(skills)}) signed off by {name}, {role}, on {signed}")


@job.command("fit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--list", "write_list", is_flag=True,
              help="Also write who fits (all must-haves, or all but one) to a 0600 file in the private area.")
@click.option("--kind", help="Message kind whose policy decides eligibility (default: STAFFING_FIT_KIND, job_alert).")
@today_option
@click.pass_context
def fit(ctx, file, write_list, kind, today):
    """How many eligible members fit FILE's must-haves: counts by segment and city, never names."""
    from staffing import settings as staffing_settings
    from staffing.fit import member_list_csv, min_group, pool_fit
    from talentpool import config
    from talentpool.privacy import remember_file
    from talentpool.private import write_private

    settings, day = settings_and_today(ctx, today)
    skills = _must_haves(file)
    try:
        report = pool_fit(settings, skills, day, kind=kind)
    except ValueError as exc:  # an unknown kind, an invalid policy, segment or vocabulary file
        fail(str(exc))
    print_fit(report, title=f"{file.name} — must-haves: {', '.join(skills)}", k=min_group(settings))
    if write_list:
        try:
            folder = staffing_settings.private_folder(settings, "STAFFING_LISTS_PATH", create=True)
        except staffing_settings.StaffingSettingsError as exc:
            fail(str(exc))
        target = folder / f"{file.stem}-{day.isoformat()}.csv"
        with config.open_store(settings) as store:  # noted before it is written: an erasure cleans it, or its leftover
            remember_file(store, target, "fit list", day)
        write_private(target, member_list_csv(report))
        out().print(f"member list (private, 0600): {target} — {len(report.fitting)} member(s)")


def print_fit(report, title: str, k: int) -> None:
    """The counts of a FitReport as tables: must-haves, segments, cities; a group under k members shows '< k'."""
    from staffing.fit import masked, shown_rows

    console = out()
    total = report.total
    console.print(f"[bold]{title}[/]")
    if total.eligible < k:  # too few to show anything without singling someone out
        console.print(f"{masked(k)} eligible member(s) ({report.kind} policy on {report.today}, budget aside): "
                      f"no count is shown for a group of fewer than {k} (MAILING_REPORTS_MIN_GROUP)")
    else:
        console.print(f"{total.eligible} eligible member(s) ({report.kind} policy on {report.today}, budget aside): "
                      f"{total.fit_all} fit every must-have, {total.all_but_one} all but one")
        skills = Table(title="Must-haves")
        for column, justify in (("must-have", "left"), ("lacking it", "right"), ("lacking only it", "right")):
            skills.add_column(column, justify=justify)
        for skill in report.must_have:
            skills.add_row(skill, str(total.lacking[skill]), str(total.lacking_only[skill]))
        console.print(skills)
        if total.excludes_most:
            console.print(f"excludes the most: [bold]{total.excludes_most}[/] "
                          f"({total.lacking_only[total.excludes_most]} member(s) have every other must-have)")
    for heading, rows in shown_rows(report, k).items():
        table = Table(title=f"By {heading} (a group of fewer than {k} members shows '{masked(k)}')")
        for column, justify in ((heading, "left"), ("eligible", "right"), ("fit all", "right"),
                                ("all but one", "right"), ("excludes the most", "left")):
            table.add_column(column, justify=justify)
        for name, row in rows.items():
            table.add_row(name, *row)
        console.print(table)


commands = [job]
