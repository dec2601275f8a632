"""`vivier new KIND "Title"`: a new content file with every field, ready to fill."""

from __future__ import annotations

import importlib

import click

# Each module provides new_file(settings, title, lang) -> pathlib.Path.
KINDS = {
    "article": "careers.reader",
    "job": "careers.jobs",
    "event": "careers.events",
    "ambassador": "careers.ambassadors",
}


@click.command("new")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("title")
@click.option("--lang", default=None, help="Language of the new file (default: the site's).")
@click.pass_context
def new(ctx, kind, title, lang):
    """Write a new KIND file (job, event, ambassador, article) named after TITLE."""
    from ..cli import settings_from

    settings = settings_from(ctx)
    module = importlib.import_module(KINDS[kind])
    try:
        path = module.new_file(settings, title, lang or settings["DEFAULT_LANG"])
    except FileExistsError as exc:
        raise click.ClickException(f"{exc.filename} already exists; choose another title") from exc
    click.echo(path)


commands = [new]
