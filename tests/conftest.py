"""Shared fixtures: real Pelican builds of real content, with "today" pinned."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-22"  # every test sees the same "today"
TEST_SECRET = "vivier-test-secret"  # VIVIER_SECRET of every test (public: tests only)

# One Playwright for the whole session: `browser`, `served_site` (tests/browser.py).
# Test modules use these fixtures by name and must not import them: an imported
# fixture is a new definition per module, which would start a second Playwright.
# A throwaway PostgreSQL cluster: `postgres_server`, `postgres_url`, `new_postgres_url` (tests/postgres.py).
pytest_plugins = ["tests.browser", "tests.postgres", "tests.backends"]


@pytest.fixture(scope="session", autouse=True)
def private_paths(tmp_path_factory):
    """Member store, outbox and staffing forecasts of the test session live in a temporary folder.

    The forecasts folder does not exist: no build or command of a test reads a
    developer's real var/forecasts (tests that need forecasts set their own)."""
    base = tmp_path_factory.mktemp("private")
    old = {k: os.environ.get(k) for k in ("VIVIER_POOL", "VIVIER_OUTBOX", "VIVIER_TODAY", "VIVIER_FORECASTS", "VIVIER_SECRET")}
    os.environ["VIVIER_POOL"] = str(base / "pool.sqlite3")
    os.environ["VIVIER_OUTBOX"] = str(base / "outbox")
    os.environ["VIVIER_FORECASTS"] = str(base / "forecasts")
    os.environ["VIVIER_TODAY"] = TODAY
    # A real `vivier send` refuses without it; the web app under test reads the same one.
    os.environ["VIVIER_SECRET"] = TEST_SECRET
    yield base
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def run_pelican(content: Path, output: Path, *extra: str, conf: Path | None = None, env: dict | None = None, today: str = TODAY):
    """Run the real `pelican` command as `make site` does; return the CompletedProcess."""
    # Pelican keeps only the last `-e` it is given: every KEY=VALUE pair of `extra`
    # joins the one `-e` that also turns the shared content cache off.
    overrides, options, taking = ["LOAD_CONTENT_CACHE=false", "CACHE_CONTENT=false"], [], False
    for arg in extra:
        if arg in ("-e", "--extra-settings"):
            taking = True
        elif taking and not arg.startswith("-"):
            overrides.append(arg)
        else:
            taking = False
            options.append(arg)
    cmd = [
        sys.executable, "-m", "pelican", str(content),
        "-s", str(conf or ROOT / "pelicanconf.py"),
        "-o", str(output),
        "--fatal", "errors",
        *options,
        "-e", *overrides,
    ]
    full_env = {**os.environ, "VIVIER_TODAY": today, "COLUMNS": "200", **(env or {})}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=full_env, timeout=300)


def settings_file(tmp_path: Path, content: Path, output: Path | None = None) -> Path:
    """A settings file for `vivier --settings`: pelicanconf.py's, on `content`, without the shared cache."""
    conf = tmp_path / "conf.py"
    lines = [
        "import sys", f"sys.path.insert(0, {str(ROOT)!r})", "from pelicanconf import *",
        f"PATH = {str(content)!r}", f"THEME = {str(ROOT / 'theme')!r}", f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]",
        "CACHE_CONTENT = False", "LOAD_CONTENT_CACHE = False",
    ]
    if output is not None:
        lines.append(f"OUTPUT_PATH = {str(output)!r}")
    conf.write_text("\n".join(lines) + "\n")
    return conf


def copy_content(tmp_path: Path) -> Path:
    """A private copy of the sample content that a test may break."""
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    return target


@pytest.fixture(scope="session")
def site(tmp_path_factory, private_paths) -> Path:
    """The sample site, built once per test session by the real pelican."""
    output = tmp_path_factory.mktemp("site") / "output"
    # As `make site` does: the fictional sample pool first, so newsletters
    # and invitations are planned for real members of the test store.
    loaded = subprocess.run(
        [sys.executable, "-m", "vivier", "pool", "load-sample"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    result = run_pelican(ROOT / "content", output)
    assert result.returncode == 0, result.stdout + result.stderr
    return output


@pytest.fixture
def content_copy(tmp_path) -> Path:
    return copy_content(tmp_path)
