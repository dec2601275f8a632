"""`vivier newsletter …`: preview a member's exact email, show a campaign's plan, start a campaign."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from ..console import error
from rich.table import Table

console = Console()


def _builds(ctx):
    from careers.report import ContentError
    from careers.settings import SettingsError
    from mailing import settings as mailing_settings
    from mailing.kinds.newsletter.service import build_newsletters
    from ..cli import settings_from

    settings = settings_from(ctx)
    try:
        builds = build_newsletters(settings)
    except (ContentError, SettingsError, mailing_settings.MailingSettingsError) as exc:
        error(str(exc))
        sys.exit(1)
    return settings, builds


def _find(builds, slug):
    for build in builds:
        if build.slug == slug:
            return build
    known = ", ".join(b.slug for b in builds) or "none"
    raise click.ClickException(f"no newsletter has the slug {slug!r} (known: {known})")


@click.group("newsletter")
def newsletter():
    """Talent-pool newsletters: list, plan, preview, new."""


@newsletter.command("list")
@click.pass_context
def list_(ctx):
    """Every campaign with its segments, languages, variants and recipients."""
    _, builds = _builds(ctx)
    table = Table("slug", "date", "segments", "languages", "variants", "recipients")
    for build in builds:
        main = build.original
        table.add_row(build.slug, f"{main.date:%Y-%m-%d %H:%M}", ", ".join(build.segments), ", ".join(build.versions),
                      ", ".join(build.variants), "draft" if build.draft else str(len(build.plan.entries) if build.plan else 0))
    console.print(table)


@newsletter.command("plan")
@click.argument("slug")
@click.pass_context
def plan(ctx, slug):
    """Recipients per segment, language and variant, and the excluded by reason."""
    settings, builds = _builds(ctx)
    build = _find(builds, slug)
    if build.plan is None:
        from talentpool import config as pool_config

        where = pool_config.path(settings, "POOL_PATH")
        if not pool_config.store_exists(settings):
            raise click.ClickException(f"{slug} has no plan: no member store at {where} (check VIVIER_POOL)")
        raise click.ClickException(f"{slug} has no plan (a draft, or content errors)")
    table = Table("segment", "language", "variant", "subject", "recipients", title=f"Plan of {slug}")
    for (segment, lang, variant), count in build.plan.counts().items():
        table.add_row(segment, lang, variant, build.compiled[(segment, lang, variant)].subject, str(count))
    table.add_row("[bold]total[/]", "", "", "", f"[bold]{len(build.plan.entries)}[/]")
    console.print(table)
    excluded = Table("reason", "members", title="Not sent")
    for reason, count in build.plan.excluded.items():
        excluded.add_row(reason.replace("_", " "), str(count))
    console.print(excluded)


@newsletter.command("preview")
@click.argument("slug")
@click.option("--member", "email", help="Email address of a pool member (default: the first planned member).")
@click.option("--segment", help="Segment to preview (default: the member's own).")
@click.option("--open", "open_it", is_flag=True, help="Open the HTML part in the browser.")
@click.pass_context
def preview(ctx, slug, email, segment, open_it):
    """Write the exact email (both parts) of one member as .eml (and .html), and print its path."""
    from mailing.compose import AddressError, Composer, MailConfig
    from mailing.plan.format import outbox_root
    from mailing.plan.writer import signer_for
    from mailing.personalise import member_values, render
    from mailing.kinds.newsletter.service import entry_for
    from mailing.kinds.newsletter.service import now_for
    from talentpool import config as pool_config

    settings, builds = _builds(ctx)
    build = _find(builds, slug)
    if segment and segment not in build.segments:
        raise click.ClickException(f"{slug} is not sent to segment {segment!r} (segments: {', '.join(build.segments)})")
    with pool_config.open_store(settings) as store:
        if email:
            member = store.find_by_email(email)
            if member is None:
                raise click.ClickException(f"no member of the pool has the address {email!r}")
        else:
            first = next((e for e in (build.plan.entries if build.plan else []) if segment in (None, e["segment"])), None)
            if first is None:
                raise click.ClickException(f"nobody is planned for {slug}{' in ' + segment if segment else ''}; use --member")
            member = store.get(first["member"])
    entry, reason = entry_for(build, member, segment)
    compiled = build.compiled[(entry.segment, entry.lang, entry.variant)]
    composer = Composer(compiled, MailConfig.from_settings(settings), signer_for(settings), build.slug)
    try:
        _, message = composer.compose(member, entry.matches, now_for(settings))
    except AddressError as exc:
        raise click.ClickException(str(exc)) from exc
    folder = outbox_root(settings) / slug / "previews"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{member.id}.eml"
    path.write_bytes(message)
    unsubscribe, preferences, _ = composer.links(member.id)
    html, _ = render(compiled, member_values(compiled, member, entry.matches, unsubscribe, preferences))
    html_path = path.with_suffix(".html")
    html_path.write_text(html, encoding="utf-8")
    if reason:
        click.echo(f"note: this member is not in the plan ({reason.replace('_', ' ')}); this is what they would receive", err=True)
    jobs = ", ".join(m.reference for m in entry.matches) or "none"
    click.echo(f"{entry.segment} · {entry.lang} · variant {entry.variant} · matched jobs: {jobs}", err=True)
    click.echo(str(path))
    if open_it:
        click.launch(str(html_path))


@newsletter.command("new")
@click.argument("title")
@click.option("--lang", default=None, help="Language of the new file (default: the site's).")
@click.pass_context
def new(ctx, title, lang):
    """Write a new campaign file in content/newsletters/ with every field and a guide."""
    from mailing.kinds.newsletter.campaigns import new_file
    from ..cli import settings_from

    settings = settings_from(ctx)
    try:
        path = new_file(settings, title, lang or settings["DEFAULT_LANG"])
    except FileExistsError as exc:
        raise click.ClickException(f"{exc.filename} already exists; choose another title") from exc
    click.echo(path)


commands = [newsletter]
