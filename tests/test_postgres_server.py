"""The throwaway PostgreSQL server of the tests (tests/postgres.py) is real, private and stops by itself."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from tests.postgres import PostgresUnavailable, start_cluster
from tests.postgres_watchdog import start_ticks

ROOT = Path(__file__).resolve().parent.parent


def wait_until(condition, seconds: float = 30.0) -> bool:
    """Poll `condition` until it holds or `seconds` pass (a bound, not a speed assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def gone(pid: int) -> bool:
    return start_ticks(pid) is None


def query(url: str, sql: str, **params):
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(sa.text(sql), params)
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


def test_url_reaches_a_fresh_empty_database_over_loopback(postgres_url):
    url = sa.make_url(postgres_url)
    assert (url.drivername, url.username, url.host) == ("postgresql+psycopg", "postgres", "127.0.0.1")
    [(database, server_address, tables)] = query(
        postgres_url, "SELECT current_database(), host(inet_server_addr()), "
        "(SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema'))")
    assert database == url.database
    assert server_address == "127.0.0.1"
    assert tables == 0


def test_database_collation_is_c_utf8_and_orders_text_bytewise(postgres_url):
    [(collate, ctype, encoding)] = query(
        postgres_url, "SELECT datcollate, datctype, pg_encoding_to_char(encoding) "
        "FROM pg_database WHERE datname = current_database()")
    assert (collate, ctype, encoding) == ("C.UTF-8", "C.UTF-8", "UTF8")
    words = ["a", "B", "2026-12-03T10:00", "2026-12-03", "2026-12-03 09:00", "é", "e", "Z", "z", "ß", "_x"]
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE words (w text)"))
            conn.execute(sa.text("INSERT INTO words VALUES (:w)"), [{"w": w} for w in words])
            ordered = [w for (w,) in conn.execute(sa.text("SELECT w FROM words ORDER BY w"))]
            b_before_a = conn.execute(sa.text("SELECT 'B' < 'a'")).scalar()
    finally:
        engine.dispose()
    # Python compares code points, the same order as UTF-8 bytes; a linguistic collation would not.
    assert ordered == sorted(words)
    assert b_before_a is True
    assert ordered.index("2026-12-03") < ordered.index("2026-12-03 09:00") < ordered.index("2026-12-03T10:00")


def test_each_url_is_its_own_empty_database(postgres_url, new_postgres_url):
    other = new_postgres_url()
    assert sa.make_url(other).database != sa.make_url(postgres_url).database
    query(postgres_url, "CREATE TABLE members (id int)")
    query(postgres_url, "INSERT INTO members VALUES (1)")
    assert query(postgres_url, "SELECT count(*) FROM members") == [(1,)]
    assert query(other, "SELECT count(*) FROM pg_tables WHERE tablename = 'members'") == [(0,)]


def test_drop_database_ends_connections_left_open(postgres_server):
    name = postgres_server.create_database()
    left_open = psycopg.connect(postgres_server.url(name).replace("postgresql+psycopg", "postgresql"))
    try:
        postgres_server.drop_database(name)
        with postgres_server.connect() as admin:
            assert admin.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,)).fetchone() == (0,)
        with pytest.raises(psycopg.OperationalError):
            left_open.execute("SELECT 1")
    finally:
        left_open.close()


def test_server_listens_on_loopback_and_its_own_socket_only(postgres_server):
    with postgres_server.connect() as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        assert conn.execute("SHOW unix_socket_directories").fetchone() == (str(postgres_server.socket_dir),)
        assert conn.execute("SHOW fsync").fetchone() == ("off",)
        assert int(conn.execute("SHOW max_connections").fetchone()[0]) >= 200
    assert (postgres_server.socket_dir / f".s.PGSQL.{postgres_server.port}").is_socket()
    with psycopg.connect(host=str(postgres_server.socket_dir), port=postgres_server.port,
                         user="postgres", dbname="postgres") as over_socket:
        assert over_socket.execute("SELECT inet_server_addr()").fetchone() == (None,)


def test_server_runs_as_postgres_when_tests_run_as_root(postgres_server):
    pid = postgres_server.postmaster_pid()
    uid = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("Uid:"))
    expected = pwd.getpwnam("postgres").pw_uid if os.geteuid() == 0 else os.geteuid()
    assert uid == expected


def test_stop_ends_server_and_watchdog_and_removes_the_folder():
    cluster = start_cluster()
    pid, watchdog = cluster.postmaster_pid(), cluster.watchdog
    with cluster.connect() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    cluster.stop()
    assert not cluster.base.exists()
    assert watchdog.poll() is not None
    assert wait_until(lambda: gone(pid))  # pg_ctl saw it stop; its exit may be reaped a moment later


CHILD = textwrap.dedent("""
    import json, sys, time
    sys.path.insert(0, sys.argv[1])
    from tests.postgres import start_cluster
    cluster = start_cluster()
    print(json.dumps({"base": str(cluster.base), "port": cluster.port, "pid": cluster.postmaster_pid(),
                      "watchdog": cluster.watchdog.pid}), flush=True)
    time.sleep(600)
""")


def test_cluster_stops_when_the_process_that_started_it_is_killed():
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(ROOT)], stdout=subprocess.PIPE, text=True)
    try:
        started = json.loads(child.stdout.readline())
    finally:
        child.kill()  # kill -9: no teardown, no atexit
        child.wait()
        child.stdout.close()
    base, pid = Path(started["base"]), started["pid"]
    assert wait_until(lambda: gone(pid) and not base.exists()), f"postmaster {pid} or {base} left behind"
    assert wait_until(lambda: gone(started["watchdog"]))
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=started["port"], user="postgres", connect_timeout=5).close()


def test_missing_binaries_fail_with_the_fix_unless_postgres_tests_are_off(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.postgres.find_bindir", lambda: None)
    with pytest.raises(PostgresUnavailable, match=r"make test.*installs Debian's `postgresql`"):
        start_cluster()
    # The fixture itself, in a pytest of its own: a failure by default, a skip when turned off.
    (tmp_path / "conftest.py").write_text(
        "import tests.postgres\ntests.postgres.find_bindir = lambda: None\npytest_plugins = ['tests.postgres']\n")
    (tmp_path / "test_uses_postgres.py").write_text("def test_store(postgres_url):\n    pass\n")

    def run(**env):
        environment = {k: v for k, v in os.environ.items() if k != "VIVIER_TEST_POSTGRES"}
        environment.update(PYTHONPATH=str(ROOT), **env)
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q", str(tmp_path)],
                              cwd=tmp_path, env=environment, capture_output=True, text=True)

    failed = run()
    assert failed.returncode == 1, failed.stdout
    assert "1 error" in failed.stdout and "installs Debian's `postgresql`" in failed.stdout
    skipped = run(VIVIER_TEST_POSTGRES="0")
    assert skipped.returncode == 0, skipped.stdout
    assert "1 skipped" in skipped.stdout and "VIVIER_TEST_POSTGRES=0" in skipped.stdout
