"""The collector is paused while the job ads are read (talentpool.collector), and running again afterwards."""

from __future__ import annotations

import gc

from careers.jobs import JobsGenerator
from tests.conftest import ROOT


def test_job_ads_are_read_with_the_collector_paused_and_it_runs_again_after(tmp_path, monkeypatch):
    from vivier.build import read_all
    from vivier.config import load_settings

    seen = []
    read = JobsGenerator._read
    monkeypatch.setattr(JobsGenerator, "_read", lambda self, path, report: seen.append(gc.isenabled()) or read(self, path, report))
    monkeypatch.setenv("VIVIER_POOL", str(tmp_path / "no-store.sqlite3"))
    settings = load_settings(ROOT / "pelicanconf.py", VIVIER_TODAY="2026-11-22", CACHE_CONTENT=False, LOAD_CONTENT_CACHE=False)
    assert gc.isenabled()
    read_all(settings)
    assert len(seen) > 10 and not any(seen)
    assert gc.isenabled()
