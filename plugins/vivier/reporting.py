"""How the command line shows content problems to editors."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def print_problems(console: Console, problems, root: str | None, title: str) -> None:
    """One table, one row per problem: where, which field, what is wrong, what to write."""
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("file:line", style="bold", no_wrap=True)
    # Long words (a job reference, a path) wrap instead of ending in "…":
    # the fix must stay readable in an 80-column terminal.
    table.add_column("field", overflow="fold")
    table.add_column("problem", overflow="fold")
    table.add_column("for example", style="green", overflow="fold")
    for problem in problems:
        where = problem.format(root).split(": ", 1)[0]
        table.add_row(where, problem.field, problem.message, problem.example or "")
    console.print(table)
