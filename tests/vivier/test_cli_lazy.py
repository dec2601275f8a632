"""`vivier` imports a command's module only when the command is looked up (issue 21: start-up of a build).

The straightforward way, importing every module of `vivier/commands/` at
start-up, is done here in a fresh interpreter and compared with what the lazy
look-up finds: the same command objects under the same names.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

EVERY_MODULE = """
import importlib, json, pkgutil
from vivier import commands as pkg
seen = {}
for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
    module = importlib.import_module(f"{pkg.__name__}.{info.name}")
    for command in getattr(module, "commands", []):
        seen.setdefault(command.name, []).append(f"{module.__name__}:{command.callback.__qualname__}")
print(json.dumps(seen))
"""

TREE = """
import json, sys
import click
from vivier.cli import cli


def tree(command, ctx):
    found = {"callback": f"{command.callback.__module__}:{command.callback.__qualname__}" if command.callback else None}
    if isinstance(command, click.Group):
        found["sub"] = {name: tree(command.get_command(ctx, name), ctx) for name in command.list_commands(ctx)}
    return found


ctx = click.Context(cli)
names = sys.argv[1:]
if names:  # as `vivier NAME ...` does: one look-up, then the subcommands of what it found
    print(json.dumps({name: tree(cli.get_command(ctx, name), ctx) for name in names}))
else:  # the full listing
    print(json.dumps({name: tree(cli.get_command(ctx, name), ctx) for name in cli.list_commands(ctx)}))
"""

LAZY = """
import json, sys
import click
from vivier.cli import cli
names = sys.argv[1:]
ctx = click.Context(cli)
found = {}
for name in names:
    before = sorted(m for m in sys.modules if m.startswith("vivier.commands."))
    command = cli.get_command(ctx, name)
    found[name] = [command and f"{command.callback.__module__}:{command.callback.__qualname__}", before]
found["__lazy__"] = sorted(m for m in sys.modules if m.startswith("vivier.commands."))
found["__listed__"] = cli.list_commands(ctx)
found["__after__"] = sorted(m for m in sys.modules if m.startswith("vivier.commands."))
print(json.dumps(found))
"""


def run(code: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_command_found_lazily_is_the_one_the_full_import_finds():
    every = run(EVERY_MODULE)
    assert every, "no command module found"
    # One module per name: the order modules are imported in cannot pick another command.
    assert {name: places for name, places in every.items() if len(places) > 1} == {}
    for name, (place,) in every.items():
        lazy = run(LAZY, name)
        assert lazy[name][0] == place, name
        assert set(lazy["__listed__"]) >= set(every) | {"check"}


def test_every_command_and_subcommand_found_lazily_is_the_one_the_full_listing_holds():
    """A group's subcommands may be added by another module (`pool unsubscribe`, from unsubscribe.py)."""
    full = run(TREE)
    assert "unsubscribe" in full["pool"]["sub"]
    for name in full:
        assert run(TREE, name) == {name: full[name]}, name


def test_build_imports_only_its_own_command_module():
    lazy = run(LAZY, "build")
    assert lazy["build"] == ["vivier.commands.build:build", []]
    assert lazy["__lazy__"] == ["vivier.commands.build"]
    # Listing (what --help does) then imports every module.
    assert "vivier.commands.pool" in lazy["__after__"]


def test_a_name_in_another_module_and_an_unknown_name():
    lazy = run(LAZY, "replies", "site-check", "no-such-command")
    assert lazy["replies"][0] == "vivier.commands.report:replies"
    assert lazy["site-check"][0] == "vivier.commands.sitecheck:site_check"
    assert lazy["no-such-command"][0] is None


def test_help_lists_every_command():
    result = subprocess.run([sys.executable, "-m", "vivier", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    for name in run(EVERY_MODULE):
        assert f"  {name} " in result.stdout, name
