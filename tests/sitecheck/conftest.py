"""Helpers for the site-check tests: copies of the built sample site with one
defect injected, small hand-written output trees, and the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT

PUBLIC = "https://carrieres.cardamome.example"
FAST = "html,a11y"  # the Java and browser checks, left out where a test needs neither


def site_check(output: Path, *args: str):
    """`vivier site-check OUTPUT ARGS…`, run in-process; returns click's Result."""
    from vivier.cli import cli

    return CliRunner().invoke(cli, ["-s", str(ROOT / "pelicanconf.py"), "site-check", str(output), *args], catch_exceptions=False)


def page_html(body: str, *, lang: str = "fr", title: str = "Essai", head: str = "") -> str:
    """A small valid HTML page with one h1, a main landmark and a skip link."""
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}
</head>
<body>
<a href="#main">Aller au contenu</a>
<main id="main">
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"""


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def mini_site(tmp_path):
    """Write a hand-made output tree: mini_site({"index.html": "...", ...}) -> its folder."""
    return lambda files: write_tree(tmp_path / "output", files)


@pytest.fixture
def site_copy(site, tmp_path) -> Path:
    """A private copy of the built sample site, for a test to break."""
    target = tmp_path / "output"
    shutil.copytree(site, target)
    return target


def inject(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace `old` by `new` in a built file; fail loudly when `old` is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
