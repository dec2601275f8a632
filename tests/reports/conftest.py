"""The simulated quarter, made once per session for every report test that reads it."""

from __future__ import annotations

import pytest

from tests.reports.quarter import simulate


@pytest.fixture(scope="session")
def quarter(tmp_path_factory, private_paths):
    return simulate(tmp_path_factory.mktemp("quarter"))
