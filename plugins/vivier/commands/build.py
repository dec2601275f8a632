"""`vivier build`: the Pelican build, with content problems shown as one table."""

from __future__ import annotations

import logging
import os
import sys

import click
from rich.console import Console

from ..console import error, plain_table

console = Console(stderr=True)


@click.command("build")
@click.option("--publish", is_flag=True, help="Production build with publishconf.py (absolute URLs, no drafts).")
@click.option("--today", help="Build as if today were this date (YYYY-MM-DD).")
@click.option("-o", "--output", type=click.Path(file_okay=False), help="Output folder (default: OUTPUT_PATH).")
@click.pass_context
def build(ctx, publish, today, output):
    """Build the site and newsletters; exit 1 listing every content problem."""
    from pelican.log import init as init_logging

    from ..cli import settings_from
    from ..config import find_project

    if today:
        os.environ["VIVIER_TODAY"] = today
    if publish:
        ctx.find_root().obj["conf"] = str(find_project() / "publishconf.py")
    init_logging(level=logging.WARNING, fatal="errors", name="pelican")
    settings = settings_from(ctx, OUTPUT_PATH=os.path.abspath(output) if output else None)
    hand_pool_fit_over(settings)
    run_pelican(settings)  # a failed build (exit 1 or 2) prints no pool fit
    print_report(settings)
    print_pool_fit(settings, counted=True)


def run_pelican(settings) -> None:
    """Pelican's build; content problems as one table (exit 1), settings errors (exit 2)."""
    from careers.report import ContentError, get_report
    from pelican import Pelican

    from ..cli import settings_errors
    from ..reporting import print_problems

    try:
        Pelican(settings).run()
    except ContentError as exc:
        if get_report(settings).site_validated:  # found in an email while the site's pages were written
            outcome = "the site's pages were updated; no email was planned or archived"
        else:
            outcome = "nothing was published (output/ keeps the last good build)"
        print_problems(console, exc.problems, settings["PATH"], f"{len(exc.problems)} content problem(s): {outcome}")
        sys.exit(1)
    except settings_errors() as exc:  # e.g. a production build without VIVIER_SECRET
        error(str(exc))
        sys.exit(2)
    except RuntimeError as exc:  # Pelican's own errors, made fatal by --fatal errors
        error(str(exc))
        sys.exit(1)


def print_report(settings) -> None:
    """Warnings were logged as they were found (file:line: field: problem): their count."""
    from careers.report import get_report

    warnings = get_report(settings).warnings
    if warnings:
        console.print(f"[yellow]{len(warnings)} warning(s)[/] above: the site was built; fix them when you can.", highlight=False)


def _pool_fit(settings, context: dict | None = None) -> list[tuple[str, ...]] | None:
    """The table's rows (job, then the counts as printed: `shown`), or None when there is no member store;
    with the build's `context` (where the mail is planned), of the jobs it read rather than of their files.

    Rows of text, not `JobFit`s: the answer crosses two processes (the task's child, then the mail's) to
    reach this one, and 5,000 dataclasses with their counts took 0.1 s to pickle and read back each way.
    """
    from careers.dates import today
    from staffing.fit import min_group, shown
    from staffing.report import open_job_fits

    fits = open_job_fits(settings, today(settings), jobs=(context or {}).get("jobs"))
    if fits is None:
        return None
    k = min_group(settings)
    return [(item.path, *shown(item.total, k)) for item in fits]


POOL_FIT = "pool fit"  # the build's task beside the mail (mailing.engine.beside)


def hand_pool_fit_over(settings) -> None:
    """The pool fit counted beside the mail, by a child of the mail's process (mailing.engine.beside).

    It needs the job files and the store, not the site. Opening the store
    (and importing SQLAlchemy), reading every ad's header and counting the
    pool took the build's process about a second at 5,000 jobs, after the
    site was built; a child of its own, forked first, then imported
    SQLAlchemy in the build's process for it and the mail's child. A build
    whose mail was planned in this process counts it after the site
    (`print_pool_fit`).
    """
    from mailing.engine import beside
    from staffing import settings as staffing_settings

    if staffing_settings.value(settings, "STAFFING_FIT_IN_BUILD"):
        beside.tasks(settings).add(POOL_FIT, lambda context: _pool_fit(settings, context), takes_context=True)


def print_pool_fit(settings, counted: bool = False) -> None:
    """The private section of the report: each open job's pool fit, counts only, on this terminal only.

    `counted`: the build handed it over (`hand_pool_fit_over`): the mail
    process's answer is printed if it counted it; else it is counted here.
    """
    from mailing.engine import beside
    from staffing import settings as staffing_settings

    if not staffing_settings.value(settings, "STAFFING_FIT_IN_BUILD"):
        return
    try:
        rows = beside.tasks(settings).answer(POOL_FIT) if counted else beside.MISSING
        if rows is beside.MISSING:
            logging.getLogger(__name__).debug("%s: counted after the site (the mail was not planned in a process of "
                                              "its own)", POOL_FIT)
            rows = _pool_fit(settings)
    except Exception as exc:  # the site is built; a pool problem must not turn that into a failure
        console.print(f"[yellow]pool fit not computed:[/] {exc}", highlight=False)
        return
    if rows is None:
        console.print("pool fit: no member store here (CI holds no personal data); run `vivier job fit FILE` where the pool is.",
                      highlight=False)
        return
    columns = [("job", "left"), ("eligible", "right"), ("fit all", "right"), ("all but one", "right"),
               ("excludes the most", "left")]
    # Fewer than k eligible members: "< k". Laid out as plain text: Rich took seconds for thousands of jobs.
    sys.stderr.write(plain_table("Pool fit of open jobs (private: counts only, not published)", columns, rows) + "\n")

commands = [build]
