"""`vivier sequences due [--today D]`: which follow-up step each member is due, and why others wait."""

from __future__ import annotations

import click
from rich.table import Table

from .invitations import console, run_planning

STATUS = {
    "due": "planned today",
    "not_yet": "next step not due yet",
    "exited": "left the sequence (exit rule or trigger gone)",
    "missed": "last occurrence missed (too late); waits for the next",
    "done": "every step sent",
    "one_per_day": "waits: another follow-up goes first today",
    "over_budget": "waits: over the frequency budget",
    "no_consent": "waits: no consent",
    "unsubscribed": "waits: unsubscribed",
    "retention_expired": "waits: retention expired",
    "active_process": "waits: in an active recruitment process",
    "erased": "erased",
    "undeliverable": "address bounced or complained",
}


@click.group("sequences")
def sequences():
    """Follow-up sequences (audiences/sequences/*.yml): who is due what."""


@sequences.command("due")
@click.option("--today", "--date", "day", help="Compute as if today were this date (YYYY-MM-DD); default: the build's today.")
@click.option("--all", "show_all", is_flag=True, help="List every member waiting or exited, not only counts.")
@click.pass_context
def due(ctx, day, show_all):
    """Show who is due which step today (as the next build would plan it) and why others are not."""
    from talentpool import config as pool_config

    settings, generator = run_planning(ctx, day)
    result = generator.sequence_day
    if result is None:
        console.print("No sequence is defined (audiences/sequences/*.yml).")
        return
    console.print(f"Follow-ups on {result.today} → plan [cyan]{result.plan_id}[/]: [green]{len(result.planned)} planned[/]")
    with pool_config.open_store(settings) as store:  # planning keeps ids, not whole members
        if result.planned:
            table = Table("member", "email", "sequence", "step", "due", "kind")
            for item in result.planned:
                table.add_row(item.member_id, _email(store, item.member_id), item.sequence.name, item.step.id,
                              item.due.isoformat(), item.sequence.kind)
            console.print(table)
        counts = {key: n for key, n in result.tally.items() if key[1] != "due"}
        if counts:
            table = Table("sequence", "outcome", "members", title="Not planned today")
            for (name, status), n in sorted(counts.items()):
                table.add_row(name, STATUS.get(status, status), str(n))
            console.print(table)
        if show_all:
            table = Table("member", "email", "sequence", "outcome", "step", "date", "detail")
            for o in result.outcomes:
                if o.status in ("due", "not_yet", "done"):
                    continue
                table.add_row(o.member_id, _email(store, o.member_id), o.sequence, STATUS.get(o.status, o.status), o.step,
                              o.due.isoformat() if o.due else "", o.detail)
            console.print(table)


def _email(store, member_id: str) -> str:
    member = store.get(member_id)
    return member.email if member is not None else "(erased)"


commands = [sequences]
