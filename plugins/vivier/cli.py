"""The `vivier` command line: thin; parses arguments and calls the packages.

Command groups live in `vivier/commands/*.py`, each exposing `commands`, a
list of click commands, so every part of Vivier adds its own without editing
this file.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import sys

import click
from rich.console import Console

from . import commands as commands_pkg
from .config import ConfigError, load_settings
from .console import error

console = Console(stderr=True)


class VivierGroup(click.Group):
    """Turns a store that cannot be opened into one error line (exit 1) in every command, not a traceback.

    Command modules are imported when a command is looked up, not at start-up:
    `vivier build` imports `commands/build.py` only, instead of every module
    of `vivier/commands/` and what they import (the member store, audiences,
    Rich tables; about 0.1-0.2 s of every build). A name is first looked for
    in the module of the same name (`site-check` in `sitecheck.py`); a plain
    command found there is the very command the full listing holds. A group
    (whose subcommands other modules may add), any other name and any
    listing (`--help`) import every module, as before.
    """

    _all_loaded = False

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is None and not self._all_loaded:
            _load_command_module(cmd_name.replace("-", "").replace("_", ""))
            command = super().get_command(ctx, cmd_name)
        # A group's subcommands may come from other modules (`unsubscribe.py` adds to `pool`): a group, or
        # a name no module of its own holds, imports every module first.
        if (command is None or isinstance(command, click.Group)) and not self._all_loaded:
            _load_command_modules()
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx):
        _load_command_modules()
        return super().list_commands(ctx)

    def invoke(self, ctx):
        from talentpool.store import StoreError

        try:
            return super().invoke(ctx)
        except StoreError as exc:
            error(str(exc))
            ctx.exit(1)


def _print_version(ctx, _param, value) -> None:
    """`--version`: the installed version, read from the package's metadata only when asked."""
    if value and not ctx.resilient_parsing:
        from . import __version__

        click.echo(f"vivier, version {__version__}")
        ctx.exit()


@click.group(cls=VivierGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-V", "--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
@click.option("-s", "--settings", "conf", type=click.Path(exists=True, dir_okay=False), envvar="VIVIER_SETTINGS",
              help="Settings file (default: $VIVIER_SETTINGS, which the web application reads too, else pelicanconf.py "
                   "of this folder or a parent).")
@click.option("-v", "--verbose", is_flag=True, help="Show debug logs.")
@click.pass_context
def cli(ctx, conf, verbose):
    """Vivier: career site and talent-pool newsletters from Markdown."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["conf"] = conf


def settings_errors() -> tuple[type[Exception], ...]:
    """The errors that name a bad or missing setting (exit code 2, no traceback)."""
    from careers.settings import SettingsError
    from mailing.community.settings import CommunitySettingsError
    from mailing.kinds.invitation.settings import InvitationSettingsError
    from mailing.settings import MailingSettingsError

    return (SettingsError, MailingSettingsError, InvitationSettingsError, CommunitySettingsError)


def settings_from(ctx, **overrides) -> dict:
    """The settings for this invocation (loaded once per command)."""
    root = ctx.find_root()
    try:
        return load_settings(root.obj.get("conf"), **overrides)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command()
@click.option("--today", help="Check as if today were this date (YYYY-MM-DD).")
@click.pass_context
def check(ctx, today):
    """Validate all content (every file, every field) without writing the site."""
    from careers.report import ContentError, get_report

    from .build import check_content
    from .reporting import print_problems

    if today:
        os.environ["VIVIER_TODAY"] = today
    settings = settings_from(ctx)
    try:
        check_content(settings)
    except ContentError as exc:
        print_problems(console, exc.problems, settings["PATH"], f"{len(exc.problems)} content problem(s)")
        error("content is not valid")
        sys.exit(1)
    except settings_errors() as exc:
        error(str(exc))
        sys.exit(2)
    report = get_report(settings)  # its warnings were logged as they were found
    console.print(f"[green]✓[/] content is valid ({len(report.warnings)} warning(s))", highlight=False)


_loaded_modules: set[str] = set()


def _load_command_module(name: str) -> None:
    """Add the commands of `vivier/commands/<name>.py`, if there is such a module (once)."""
    if name in _loaded_modules:
        return
    if name not in {info.name for info in pkgutil.iter_modules(commands_pkg.__path__)}:
        return
    module = importlib.import_module(f"{commands_pkg.__name__}.{name}")
    _loaded_modules.add(name)
    for command in getattr(module, "commands", []):
        cli.add_command(command)


def _load_command_modules() -> None:
    """Every command module, in name order (what `--help` lists)."""
    if VivierGroup._all_loaded:
        return
    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        _load_command_module(info.name)
    VivierGroup._all_loaded = True


def main(argv=None):
    return cli.main(args=argv, prog_name="vivier")


if __name__ == "__main__":
    main()
