"""The store's tests on both databases (pytest plugin, registered in tests/conftest.py).

A test or fixture that takes `store_location` runs twice: on an SQLite file in the test's
temporary folder (`[sqlite]`) and on a fresh PostgreSQL database of the session's throwaway
cluster (`[postgresql]`, tests/postgres.py), given as a `DatabaseUrl`. Pass it wherever a
store path goes (`Store(...)`, `VIVIER_POOL`, `POOL_PATH`). A test that reads the SQLite file
itself (PRAGMA, `iterdump`, `sqlite3.connect`) is marked `sqlite_only`.
"""

from __future__ import annotations

import pytest

from talentpool.location import DatabaseUrl

BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: reads the SQLite file itself; runs on the SQLite store only")


def pytest_generate_tests(metafunc):
    if "store_location" in metafunc.fixturenames:
        backends = ("sqlite",) if metafunc.definition.get_closest_marker("sqlite_only") else BACKENDS
        metafunc.parametrize("store_location", backends, indirect=True)


@pytest.fixture
def store_location(request, tmp_path):
    """Where this test's store lives: an SQLite file path, or a PostgreSQL database's URL."""
    if request.param == "sqlite":
        return tmp_path / "pool.sqlite3"
    return DatabaseUrl(request.getfixturevalue("postgres_url"))
