"""`vivier audience …`: segments with their counts, who is excluded and why, one person explained."""

from __future__ import annotations

import click
from rich.table import Table

from talentpool import config
from talentpool.audience import evaluate, explain
from talentpool.policy import REASON_LABELS, REASONS
from talentpool.segments import UnknownSegment

from ..console import fail, out
from .pool import load_rules, settings_and_today, today_option

kind_option = click.option("--kind", default="newsletter", show_default=True,
                           help="Message kind to evaluate (newsletter, invitation, job_alert, follow_up…).")


def _check_kind(policy, kind):
    try:
        policy.priority(kind)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--kind") from None


@click.group("audience")
def audience():
    """Segments and the policy: who would receive what, and why not."""


@audience.command("list")
@kind_option
@today_option
@click.pass_context
def list_command(ctx, kind, today):
    """Every segment with its members and eligible counts for a message KIND."""
    settings, day = settings_and_today(ctx, today)
    segments, policy = load_rules(settings)
    _check_kind(policy, kind)
    table = Table(title=f"Segments — {kind} on {day.isoformat()}")
    for column, justify in (("segment", "left"), ("matched", "right"), ("eligible", "right"), ("excluded", "right"), ("description", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    with config.open_store(settings) as store:
        for name, segment in segments.items():
            result = evaluate(store, [name], kind, day, segments=segments, policy=policy)
            table.add_row(name, str(result.matched), str(len(result.eligible)), str(result.matched - len(result.eligible)), segment.description)
    out().print(table)


@audience.command("show")
@click.argument("segment")
@kind_option
@click.option("--limit", type=click.IntRange(min=0), default=10, show_default=True, help="Members listed per reason (0: counts only).")
@today_option
@click.pass_context
def show_command(ctx, segment, kind, limit, today):
    """SEGMENT's counts, and its excluded members grouped by reason."""
    settings, day = settings_and_today(ctx, today)
    segments, policy = load_rules(settings)
    _check_kind(policy, kind)
    with config.open_store(settings) as store:
        try:
            result = evaluate(store, [segment], kind, day, segments=segments, policy=policy)
        except UnknownSegment as exc:
            fail(str(exc))
    console = out()
    console.print(f"[bold]{segment}[/] — {segments[segment].description}")
    counts = Table(title=f"{kind} on {day.isoformat()}")
    counts.add_column("")
    counts.add_column("members", justify="right")
    counts.add_row("in the segment", str(result.matched))
    counts.add_row("[green]eligible[/]", str(len(result.eligible)))
    for reason in REASONS:
        counts.add_row(f"excluded: {REASON_LABELS[reason]}", str(len(result.excluded[reason])))
    console.print(counts)
    if not limit:
        return
    for reason in REASONS:
        members = result.excluded[reason]
        if not members:
            continue
        table = Table(title=f"Excluded — {REASON_LABELS[reason]} ({len(members)})")
        for column in ("email", "name", "stage", "last contact"):
            table.add_column(column)
        for member in members[:limit]:
            table.add_row(member.email, member.name, member.stage, str(member.last_contact or "—"))
        if len(members) > limit:
            table.caption = f"… and {len(members) - limit} more"
        console.print(table)


@audience.command("explain")
@click.argument("email")
@today_option
@click.pass_context
def explain_command(ctx, email, today):
    """For EMAIL: the segments matched, each message kind allowed or not, and why."""
    settings, day = settings_and_today(ctx, today)
    segments, policy = load_rules(settings)
    with config.open_store(settings) as store:
        info = explain(store, email, day, segments=segments, policy=policy)
    console = out()
    if info.member is None:
        suppressed = f"; the address is on the suppression list ({info.suppressed})" if info.suppressed else ""
        fail(f"{email} is not in the pool{suppressed}")
    m = info.member
    from rich.markup import escape

    name = escape(" ".join(m.name.split()))  # one line, and a "[" in a name is not read as markup
    console.print(f"[bold]{name}[/] <{m.email}> — {m.id}, {m.language}, {m.city or '—'} {m.country}, stage {m.stage}"
                  f" since {m.stage_changed or '—'}, source {m.source}")
    consents = ", ".join(f"{k} ({v})" + ("" if m.has_consent(k) else " withdrawn") for k, v in sorted(m.consents.items())) or "none"
    console.print(f"consents: {consents}; last active contact: {m.last_contact or '—'}; unsubscribed: {m.unsubscribed or 'no'}")
    console.print(f"retention ends {info.retention_end} ({info.retention_clock} clock); "
                  f"{len(info.recent_messages)} marketing message(s) in the last {policy.window_days} days (budget {policy.max_messages})")
    console.print(f"segments: {', '.join(info.segments) or 'none'}")
    table = Table(title=f"Messages on {day.isoformat()}")
    table.add_column("kind")
    table.add_column("allowed")
    table.add_column("why not")
    for kind, decision in info.decisions.items():
        why = "; ".join(REASON_LABELS[r] for r in decision.reasons)
        table.add_row(kind, "[green]yes[/]" if decision.allowed else "[red]no[/]", why or "—")
    console.print(table)


@audience.command("check")
@click.pass_context
def check_command(ctx):
    """Validate every segment file and the policy (for CI); exit non-zero listing every problem."""
    settings = settings_and_today(ctx, None)[0]
    segments, policy = load_rules(settings)
    click.echo(f"✓ {len(segments)} segment(s) and {policy.path} are valid")


commands = [audience]
