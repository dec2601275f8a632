"""`vivier site-check [OUTPUT]`: check a built site before it is published.

Exits non-zero when any check finds an error, so `make check` and CI block
the publish; every problem names the file (and line) and what to fix.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

MAX_SHOWN = 40  # problems listed per check; the counts are always complete
PER_FILE = 5  # problems listed per file


def parse_skip(value: str | None) -> list[str]:
    from sitecheck import CHECKS

    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise click.BadParameter(f"unknown check {', '.join(unknown)}; choose among {', '.join(CHECKS)}", param_hint="--skip")
    return names


def report(console: Console, results, show_warnings: bool) -> None:
    """One line per check, then its problems grouped by file."""
    for result in results:
        if result.skipped:
            console.print(f"[dim]- {result.name:<7} skipped[/]")
            continue
        mark = "[green]✓[/]" if result.ok else "[bold red]✗[/]"
        counts = f"{result.checked} {result.unit}, {result.seconds:.1f} s"
        tail = f" — [red]{len(result.errors)} error(s)[/]" if result.errors else ""
        if result.warnings:
            tail += f" [yellow]{len(result.warnings)} warning(s)[/]"
        console.print(f"{mark} {result.name:<7} {escape(result.title)} ({counts}){tail}")
        shown = result.errors + (result.warnings if show_warnings else [])
        per_file: dict[str, int] = {}
        listed = 0
        for problem in shown:
            per_file[problem.path] = per_file.get(problem.path, 0) + 1
            if per_file[problem.path] > PER_FILE or listed >= MAX_SHOWN:
                continue
            listed += 1
            colour = "red" if problem.is_error else "yellow"
            console.print(f"    [{colour}]{escape(problem.where())}[/]: {escape(problem.message)}", highlight=False)
            if problem.fix:
                console.print(f"      [dim]→ {escape(problem.fix)}[/]", highlight=False)
        crowded = {path: n - PER_FILE for path, n in per_file.items() if n > PER_FILE}
        for path, more in list(crowded.items())[:MAX_SHOWN]:
            console.print(f"    {escape(path)}: … and {more} more like these")
        if len(shown) > listed + sum(crowded.values()):
            console.print(f"    … and {len(shown) - listed - sum(crowded.values())} more in other files")


@click.command("site-check")
@click.argument("output", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--skip", "skip", metavar="CHECKS", help="Comma-separated checks to leave out: links,images,content,feeds,jsonld,ics,html,a11y.")
@click.option("--public-url", help="The site's public address (default: the PUBLIC_URL setting).")
@click.option("--today", help="Judge expiry as if today were this date (YYYY-MM-DD; default: the build's today).")
@click.option("--warnings/--no-warnings", "show_warnings", default=False, help="List the warnings too (they never fail a check; by default only counted).")
@click.pass_context
def site_check(ctx, output, skip, public_url, today, show_warnings):
    """Check the built site OUTPUT (default: the OUTPUT_PATH setting): links, images,
    inline scripts and size budgets, feeds, JSON-LD, calendars, HTML validity and accessibility."""
    from careers.dates import today as build_today
    from careers.settings import DEFAULTS as CAREERS_DEFAULTS

    from ..cli import settings_from

    try:
        from sitecheck import Site, run_checks
        from sitecheck.a11y import find_axe
    except ModuleNotFoundError as exc:  # the checkers are test dependencies, not installed by `make site`
        raise click.ClickException(
            f"the site checks need the test dependencies (missing: {exc.name}); "
            "run `make test-deps` once, or `make check`, which installs them"
        ) from exc

    skipped = parse_skip(skip)
    settings = settings_from(ctx)
    folder = Path(output or settings["OUTPUT_PATH"])
    if not (folder / "index.html").is_file():
        raise click.ClickException(f"{folder} holds no built site (no index.html): run `make site` or `make publish` first")
    try:
        day = dt.date.fromisoformat(today) if today else build_today(settings)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--today") from exc
    site = Site(folder, public_url or settings["PUBLIC_URL"], site_url=settings.get("SITEURL"), today=day,
                axe_path=find_axe(Path(settings.get("PROJECT_ROOT", "."))),
                budgets={kind: settings.get(name, CAREERS_DEFAULTS[name])
                         for kind, name in (("page", "CAREERS_MAX_PAGE_KB"), ("feed", "CAREERS_MAX_FEED_KB"))})
    console = Console(file=sys.stdout, highlight=False, soft_wrap=True, emoji=False)
    console.print(f"Checking [bold]{escape(str(folder))}[/] as {escape(site.public_url)} (today {day})")
    with console.status("checking…") as status:
        results = run_checks(site, skip=skipped, on_start=lambda name, title: status.update(f"{title}…"))
    report(console, results, show_warnings)
    ran = [r for r in results if not r.skipped]
    failed = [r for r in ran if not r.ok]
    console.print(f"site-check: {len(ran) - len(failed)} passed, {len(failed)} failed")
    if failed:
        console.print(f"[bold red]✗ the site must not be published: fix {', '.join(r.name for r in failed)}[/]")
        sys.exit(1)


commands = [site_check]
