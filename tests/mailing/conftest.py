"""A real build of the sample site with the sample pool loaded: public pages, outbox, previews."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import ROOT, TODAY, run_pelican


@pytest.fixture(scope="session")
def newsletter_build(tmp_path_factory):
    base = tmp_path_factory.mktemp("newsletters")
    env = {**os.environ, "VIVIER_POOL": str(base / "pool.sqlite3"), "VIVIER_OUTBOX": str(base / "outbox"), "VIVIER_TODAY": TODAY}
    loaded = subprocess.run([sys.executable, "-m", "vivier", "pool", "load-sample"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    output = base / "output"
    result = run_pelican(ROOT / "content", output, env={k: env[k] for k in ("VIVIER_POOL", "VIVIER_OUTBOX")})
    assert result.returncode == 0, result.stdout + result.stderr
    return SimpleNamespace(output=output, outbox=Path(env["VIVIER_OUTBOX"]), pool=Path(env["VIVIER_POOL"]), env=env)
