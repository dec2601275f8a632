"""The consoles every `vivier` command prints through.

Tables go to a console as wide as the terminal (160 columns when the output is a
pipe or a log, so addresses are not wrapped). Error lines are never wrapped: a
path or an address cut by a newline cannot be searched for in a log or a cron mail.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console


def out(stderr: bool = False) -> Console:
    """A console on stdout (or stderr) for tables and progress."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, highlight=False, width=None if stream.isatty() else 160)


def error(message: str) -> None:
    """Print one error line on stderr, marked ✗, unwrapped."""
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]✗[/] {message}")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error on stderr and exit with `code`."""
    error(message)
    sys.exit(code)
