"""`vivier invitations plan EVENT`: who gets which invitation about an event today, and why others do not."""

from __future__ import annotations

import os
import sys

import click
from rich.console import Console

from ..console import error
from rich.table import Table

console = Console(highlight=False)

REASONS = {
    "erased": "erased (suppression list)",
    "undeliverable": "address bounced or complained (suppression list)",
    "unsubscribed": "unsubscribed",
    "retention_expired": "retention expired",
    "no_consent": "no consent to event invitations",
    "active_process": "in an active recruitment process",
    "over_budget": "over the frequency budget (skipped for this round)",
    "paused": "paused their mail (invited when the pause ends, if still open)",
    "digest_only": "asked for the monthly newsletter only",
}


def run_planning(ctx, today: str | None):
    """The planning of the next build (nothing written), for `today` if given."""
    from careers.report import ContentError
    from careers.settings import SettingsError
    from mailing import settings as mailing_settings
    from mailing.kinds.invitation.service import plan_without_writing
    from ..cli import settings_from

    if today:
        import datetime as dt

        try:
            dt.date.fromisoformat(today)
        except ValueError:
            raise click.BadParameter(f"expected a date like 2026-11-22, not {today!r}") from None
        os.environ["VIVIER_TODAY"] = today
    settings = settings_from(ctx)
    try:
        return settings, plan_without_writing(settings)
    except ContentError as exc:
        from ..reporting import print_problems

        print_problems(Console(stderr=True), exc.problems, settings["PATH"], f"{len(exc.problems)} content problem(s)")
        sys.exit(1)
    except (SettingsError, mailing_settings.MailingSettingsError, ValueError) as exc:
        error(str(exc))
        sys.exit(2)


@click.group("invitations")
def invitations():
    """Event invitations: who is invited, updated, reminded or told of a cancellation."""


@invitations.command("plan")
@click.argument("event")
@click.option("--today", help="Plan as if today were this date (YYYY-MM-DD); default: the build's today.")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True, help="Recipients listed per round (0: counts only).")
@click.pass_context
def plan(ctx, event, today, limit):
    """Show today's rounds for EVENT (its Reference, slug or UID); sends and records nothing."""
    from mailing.kinds.invitation.service import find_event

    settings, generator = run_planning(ctx, today)
    found = find_event(generator.event_plans, [], event)
    if found is None:
        known = ", ".join(p.event.reference for p in generator.event_plans) or "none"
        raise click.ClickException(f"no upcoming event with segments has the reference or slug {event!r} (known: {known})")
    e = found.event
    day = generator.sequence_day.today if generator.sequence_day else None
    console.print(f"[bold]{e.title}[/] — {e.start:%Y-%m-%d %H:%M} ({e.timezone.key}), status {e.status}, SEQUENCE {e.sequence}")
    console.print(f"segments: {', '.join(e.segments)}" + (f"  [yellow](unknown: {', '.join(found.unknown_segments)})[/]" if found.unknown_segments else ""))
    for note in found.notes:
        console.print(f"· {note}")
    if not found.rounds:
        console.print("Nothing to send today" + (f" ({day})." if day else "."))
    for round_ in found.rounds:
        method = f"METHOD:{round_.method}" if round_.method else "no calendar part"
        console.print(f"\n[bold]{round_.action}[/] ({method}, SEQUENCE {round_.sequence}) → plan [cyan]{round_.plan_id}[/]: "
                      f"[green]{len(round_.recipients)} new recipient(s)[/]")
        if round_.recipients and limit:
            from talentpool import config as pool_config

            table = Table("member", "email", "segment", "language")
            with pool_config.open_store(settings) as store:  # rounds keep ids, not whole members
                for recipient in round_.recipients[:limit]:
                    m = store.get(recipient.member_id)
                    table.add_row(recipient.member_id, m.email if m else "(erased)", recipient.segment, recipient.language)
            console.print(table)
            if len(round_.recipients) > limit:
                console.print(f"… and {len(round_.recipients) - limit} more")
        for reason, count in round_.skipped.counts.items():
            if count:
                console.print(f"  not sent: {REASONS.get(reason, reason)}: {count}")


commands = [invitations]
