"""A real, throwaway PostgreSQL server for the tests (pytest plugin, registered in tests/conftest.py).

Fixtures:

- `postgres_server` (session): one cluster for the whole session, started from
  Debian's `postgresql` binaries (the newest /usr/lib/postgresql/*/bin) in a
  fresh temporary folder with `initdb --locale=C.UTF-8 --encoding=UTF8
  --auth=trust` (bytewise text ordering, as the store expects). It listens on
  127.0.0.1 only, on a free port, and on a unix socket in that folder; its
  superuser is `postgres`. fsync, synchronous_commit and full_page_writes are
  off (nothing to keep), max_connections is 200. Run as root (`make test` in
  CI), the cluster runs as Debian's `postgres` system user (PostgreSQL refuses
  root). It stops by itself: at the end of the session (`pg_ctl stop -m fast`,
  then the folder is removed), and when pytest is killed, even with `kill -9`,
  a watchdog process (tests/postgres_watchdog.py) stops it and removes the folder.
- `postgres_url` (function): a fresh, empty database of that cluster (UTF8,
  C.UTF-8 collation), as a SQLAlchemy URL
  `postgresql+psycopg://postgres@127.0.0.1:PORT/DBNAME`; dropped after the test
  (its leftover connections are terminated first).
- `new_postgres_url` (function): a callable returning one more such database on
  each call, all dropped after the test (for tests that need several stores).

Without PostgreSQL's binaries the fixtures fail, saying that `make test`
installs Debian's `postgresql`; VIVIER_TEST_POSTGRES=0 skips every test that
uses them instead. Outside pytest, `start_cluster()` returns a `Cluster`
(`.url()`, `.create_database()`, `.drop_database()`, `.stop()`).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from tests.postgres_watchdog import start_ticks

WATCHDOG = Path(__file__).with_name("postgres_watchdog.py")
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"  # Debian's account for the server, used when the tests run as root
DISABLED = "VIVIER_TEST_POSTGRES"
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    # A throwaway cluster: nothing needs to survive a crash.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "logging_collector": "off",
}
_names = itertools.count(1)


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server binaries are not installed."""


def find_bindir() -> Path | None:
    """The bin folder of the newest PostgreSQL installed by Debian's packages, or None."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    versions = [Path(p).parent for p in found if Path(p).parent.parent.name.isdigit()]
    return max(versions, key=lambda b: int(b.parent.name), default=None)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """A running throwaway cluster; `stop()` stops it and removes its folder."""

    bindir: Path
    base: Path  # the temporary folder: data/, the unix socket and server.log
    port: int
    run_as: str | None  # system user running the server (when we are root), else None
    watchdog: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def log(self) -> Path:
        return self.base / "server.log"

    @property
    def socket_dir(self) -> Path:
        return self.base

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL of database `dbname`, over TCP on 127.0.0.1."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        """An autocommit psycopg connection (TCP, 127.0.0.1) to database `dbname`."""
        return psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=dbname,
                               autocommit=True, connect_timeout=10)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty UTF8 database with C.UTF-8 collation; return its name."""
        name = name or f"vivier_test_{os.getpid()}_{next(_names)}"
        with self.connect() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' '
                         "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        return name

    def drop_database(self, name: str) -> None:
        """Terminate the database's leftover connections, then drop it."""
        with self.connect() as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            force = " WITH (FORCE)" if conn.info.server_version >= 130000 else ""
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"{force}')

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return _run(self.run_as, [str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
                    cwd=self.base if self.base.exists() else "/", check=check)

    def stop(self) -> None:
        """Stop the server (fast shutdown), remove its folder and end the watchdog."""
        try:
            if (self.data / "postmaster.pid").exists():
                if self.pg_ctl("-m", "fast", "-w", "-t", "60", "stop", check=False).returncode != 0:
                    self.pg_ctl("-m", "immediate", "-w", "-t", "30", "stop", check=False)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
            if self.watchdog is not None:
                self.watchdog.terminate()
                self.watchdog.wait()


def _run(run_as: str | None, command: list[str], *, cwd, check: bool = True) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool (as `run_as` when given), its output captured, never pytest's streams."""
    if run_as:
        command = ["runuser", "-u", run_as, "--", *command]
    result = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed (exit {result.returncode}):\n{result.stdout}")
    return result


def _temp_parent(run_as: str | None) -> str:
    """Where the cluster's folder goes: the usual temporary folder, unless the server's
    system user could not reach it or the socket's path would be too long for a unix socket."""
    parent = Path(tempfile.gettempdir()).resolve()
    reachable = not run_as or all(os.stat(p).st_mode & 0o001 for p in (parent, *parent.parents))
    return str(parent) if reachable and len(str(parent)) <= 60 else "/tmp"


def start_cluster(*, watch_pid: int | None = None, attempts: int = 3) -> Cluster:
    """Start a throwaway cluster; a watchdog stops it when process `watch_pid` (default: this one) ends.

    Raises PostgresUnavailable when Debian's PostgreSQL binaries are missing."""
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "PostgreSQL's server binaries are missing (no /usr/lib/postgresql/*/bin/initdb): "
            "`make test` installs Debian's `postgresql` package (or: apt-get install postgresql); "
            f"set {DISABLED}=0 to skip the PostgreSQL tests instead")
    run_as = SYSTEM_USER if os.geteuid() == 0 else None
    base = Path(tempfile.mkdtemp(prefix="vivier-pg-", dir=_temp_parent(run_as)))
    cluster = None
    try:
        if run_as:
            account = pwd.getpwnam(run_as)
            os.chown(base, account.pw_uid, account.pw_gid)
        cluster = Cluster(bindir=bindir, base=base, port=0, run_as=run_as)
        # Watching from before the server starts: a pytest killed at any point leaves nothing behind.
        watched = watch_pid or os.getpid()
        cluster.watchdog = subprocess.Popen(
            [sys.executable, "-I", str(WATCHDOG), str(watched), start_ticks(watched) or "",
             str(bindir / "pg_ctl"), str(cluster.data), str(base), *([run_as] if run_as else [])],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd="/", start_new_session=True, close_fds=True)
        _run(run_as, [str(bindir / "initdb"), "-D", str(cluster.data), "-U", SUPERUSER, "--auth=trust",
                      "--locale=C.UTF-8", "--encoding=UTF8", "--no-sync"], cwd=base)
        for attempt in range(attempts):
            cluster.port = free_port()
            settings = {**SETTINGS, "port": str(cluster.port),
                        "unix_socket_directories": f"'{cluster.socket_dir}'"}
            with open(cluster.data / "postgresql.auto.conf", "a") as conf:
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
            started = cluster.pg_ctl("-l", str(cluster.log), "-w", "-t", "60", "start", check=False)
            if started.returncode == 0:
                break
            log = cluster.log.read_text(errors="replace") if cluster.log.exists() else ""
            # Another process took the free port between our check and the start: try another one.
            if attempt + 1 == attempts or not re.search(r"could not bind|Address already in use", log):
                raise RuntimeError(f"PostgreSQL did not start (pg_ctl exit {started.returncode}):\n"
                                   f"{started.stdout}\n{log[-3000:]}")
        return cluster
    except BaseException:
        if cluster is None:
            shutil.rmtree(base, ignore_errors=True)
        else:
            cluster.stop()
        raise


@pytest.fixture(scope="session")
def postgres_server():
    """The session's throwaway PostgreSQL cluster (see the module's docstring)."""
    if os.environ.get(DISABLED) == "0":
        pytest.skip(f"{DISABLED}=0: PostgreSQL tests skipped")
    try:
        cluster = start_cluster()
    except PostgresUnavailable as missing:
        pytest.fail(str(missing), pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def new_postgres_url(postgres_server):
    """A callable: each call creates one more empty database and returns its SQLAlchemy URL."""
    created: list[str] = []

    def new() -> str:
        created.append(postgres_server.create_database())
        return postgres_server.url(created[-1])

    yield new
    for name in created:
        postgres_server.drop_database(name)


@pytest.fixture
def postgres_url(new_postgres_url):
    """SQLAlchemy URL of a fresh, empty database, dropped after the test."""
    return new_postgres_url()
