"""Run the content checks of a build without writing the site."""

from __future__ import annotations

from careers.build import read_all


def check_content(settings: dict) -> None:
    """Read and validate every content file; raise ContentError listing all problems."""
    read_all(settings)
