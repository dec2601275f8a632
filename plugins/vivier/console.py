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


def plain_table(title: str, columns: list[tuple[str, str]], rows) -> str:
    """A boxed table of plain text, laid out in one pass: for tables of thousands of rows.

    `columns` are (heading, "left" or "right"). Rich lays out each cell with
    its styles and wrapping: about 3 s for the 5,000 rows of a large site's
    pool-fit table, where this takes a few hundredths. Cells are printed as
    they are, never wrapped nor cut (a terminal narrower than the table wraps
    the line; a log keeps it whole).
    """
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max([len(heading), *(len(row[i]) for row in rows)]) for i, (heading, _) in enumerate(columns)]

    def line(cells, aligns):
        return "│ " + " │ ".join(cell.rjust(w) if a == "right" else cell.ljust(w)
                                 for cell, w, a in zip(cells, widths, aligns)) + " │"

    rule = "─┬─".join("─" * w for w in widths)
    inner = len(rule) + 2
    lines = [title.center(inner + 2).rstrip(), "┌─" + rule + "─┐", line([h for h, _ in columns], ["left"] * len(columns)),
             "├─" + "─┼─".join("─" * w for w in widths) + "─┤"]
    aligns = [a for _, a in columns]
    lines.extend(line(row, aligns) for row in rows)
    lines.append("└─" + "─┴─".join("─" * w for w in widths) + "─┘")
    return "\n".join(lines)
