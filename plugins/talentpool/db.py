"""Where the member store's rows live: one SQLite file (the embedded default) or a PostgreSQL database.

Both run through SQLAlchemy Core. The code above this module writes portable SQL:
named `:parameters`, `INSERT … ON CONFLICT … DO NOTHING / DO UPDATE`, no rowid, no
PRAGMA, identifiers that are not reserved words (or quoted). What truly differs
between the two databases is a method of the backend here, never a test of the
dialect spread over the callers:

| what | SQLite | PostgreSQL |
| --- | --- | --- |
| opening | the file, 0600, WAL, busy timeout, secure delete | a connection to the URL's database (bytewise text order checked) |
| `begin_write()` | `BEGIN IMMEDIATE` (one writer at a time) | `BEGIN` + a transaction advisory lock (the same: one writer), `lock_timeout` |
| `begin_claim()` | as `begin_write()` | `BEGIN` + the advisory lock *shared*: claims run side by side, each row taken with `FOR UPDATE SKIP LOCKED` |
| `schema_version()` | `PRAGMA user_version` | the `meta` row `schema_version` |
| `durable_commits()` | `synchronous = FULL` | `synchronous_commit = on` |
| `scrub()`, after an erasure | WAL checkpoint (secure delete zeroed the pages) | `VACUUM FULL` of the personal tables |
| `backup_file()` | SQLite's online backup API | none: `talentpool.backup` copies the rows |
| the daily run's lock (`mailing.daily.store_lock`) | a lock file beside the store | `try_session_lock()`: a session advisory lock (every host sees it) |
| `fetch_all()`, `execute_many()` (a whole-pool walk's pages, many rows written) | the sqlite3 cursor itself (SQLAlchemy's result and parameter handling cost as much as SQLite) | through SQLAlchemy, as `execute` |

A URL names PostgreSQL (`postgresql://…`, `postgresql+psycopg://…`); anything else is
the path of an SQLite file.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import sqlite3
from pathlib import Path

from .location import DatabaseUrl, is_url


class _SqlAlchemy:
    """`sa`, imported when first used: SQLAlchemy is a tenth of a second of every `vivier` command's start,
    and a build opens the store only in the children that plan mail and count the pool fit (its import there
    runs beside the site's rendering). The first attribute read puts the real module in its place."""

    def __getattr__(self, name):
        import sqlalchemy
        import sqlalchemy.pool  # noqa: F401 — `sa.pool.NullPool`

        globals()["sa"] = sqlalchemy
        return getattr(sqlalchemy, name)


sa = _SqlAlchemy()


def import_driver() -> None:
    """SQLAlchemy imported now: before a fork, so that the children share it instead of each importing it."""
    sa.exc  # noqa: B018 — the first attribute read imports it

BUSY_TIMEOUT_S = 30
# Texts whose order tells whether a database sorts byte by byte, as SQLite does (dates, addresses):
# upper before lower case, punctuation and digits by their code, accents after every ASCII letter.
ORDER_PROBES = ("B", "a", "a-b", "ab", "a_b", "2026-12-03", "2026-12-03T10:00", "2026-12-03 10:00", "é", "z", "Z")



def __getattr__(name: str):
    if name == "DatabaseError":  # what every driver error arrives as: SQLAlchemy's DBAPIError (imported then)
        globals()["DatabaseError"] = sa.exc.DBAPIError  # found directly from now on
        return sa.exc.DBAPIError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.lru_cache(maxsize=4096)
def _text(sql: str, lists: tuple[str, ...] = ()) -> sa.TextClause:
    """The statement of an SQL text, parsed once (the same texts run millions of times); `lists`
    names the parameters that take a list of values (`IN :names`)."""
    statement = sa.text(sql)
    return statement.bindparams(*(sa.bindparam(name, expanding=True) for name in lists)) if lists else statement


class Database:
    """One open connection to the store's database, in autocommit: `begin_write()`, `begin_claim()` and
    `begin_snapshot()` open the transactions, and every other statement is its own."""

    def __init__(self, engine: sa.Engine):
        self.conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    # --- statements ------------------------------------------------------------------------

    def execute(self, sql, params=None, *, lists: tuple[str, ...] = ()):
        """Run one statement: SQL text with `:named` parameters, or a SQLAlchemy Core statement;
        `params` a dict (or a list of dicts: one statement per dict); `lists` names the parameters
        given a list of values, written `IN :name` in the text."""
        statement = _text(sql, tuple(lists)) if isinstance(sql, str) else sql
        return self.conn.execute(statement, params if params is not None else {})

    def scalar(self, sql, params=None):
        """The first column of the first row (None when there is none)."""
        return self.execute(sql, params).scalar()

    def fetch_all(self, sql: str, params: dict):
        """Every row of one query (SQL text with `:named` parameters, no lists), fetched at once:
        sequences indexable by position, as `execute(...).fetchall()` gives. The whole-pool walk
        reads its pages with it (`Store.member_row_batches`)."""
        return self.execute(sql, params).fetchall()

    def execute_many(self, sql: str, rows: list[dict]) -> None:
        """One statement (SQL text with `:named` parameters, no lists) run for each dict of `rows`, as
        `execute(sql, rows)` does; for writing many rows at once (invitation rounds, job alerts)."""
        if rows:
            self.execute(sql, rows)

    def table_names(self) -> list[str]:
        return sorted(sa.inspect(self.conn).get_table_names())

    def column_names(self, table: str) -> list[str]:
        return [column["name"] for column in sa.inspect(self.conn).get_columns(table)]

    def has_table(self, table: str) -> bool:
        return sa.inspect(self.conn).has_table(table)

    # --- transactions ------------------------------------------------------------------------

    def begin_write(self) -> None:
        raise NotImplementedError

    def begin_claim(self) -> None:
        self.begin_write()

    def begin_snapshot(self) -> None:
        """A read transaction that sees one state of the whole database until it ends."""
        raise NotImplementedError

    def commit(self) -> None:
        self.conn.exec_driver_sql("COMMIT")

    def rollback(self) -> None:
        self.conn.exec_driver_sql("ROLLBACK")

    # --- what differs ---------------------------------------------------------------------------

    def schema_version(self) -> int:
        raise NotImplementedError

    def set_schema_version(self, number: int) -> None:
        raise NotImplementedError

    def durable_commits(self) -> None:
        raise NotImplementedError

    def scrub(self, tables) -> None:
        """After an erasure: leave no copy of the deleted rows in the database's own files; `tables()`
        lists those that may have held them (asked only by a database that works table by table)."""
        raise NotImplementedError

    def number_rows(self, table: str, column: str) -> None:
        """Number a table's existing rows 1, 2, … in the order they were written (a migration's step)."""
        raise NotImplementedError

    def backup_file(self, path: Path) -> bool:
        """Copy the whole database into the SQLite file `path`, consistent while others write, when the
        database can do it itself; False when it cannot (the caller copies the rows instead)."""
        return False

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


class SqliteDatabase(Database):
    def __init__(self, path: Path):
        self.path = path
        super().__init__(_sqlite_engine(str(path)))

    @property
    def dbapi(self) -> sqlite3.Connection:
        """The sqlite3 connection itself (for SQLite's online backup API)."""
        return self.conn.connection.dbapi_connection

    def fetch_all(self, sql: str, params: dict) -> list[tuple]:
        """`Database.fetch_all` through the sqlite3 cursor itself, plain tuples: SQLAlchemy's result
        wrapper took a quarter of reading a page (about 1 s of six walks of 100,000 members). sqlite3
        reads the same `:named` parameters; its errors arrive as SQLAlchemy's, as from `execute`."""
        try:
            return self.dbapi.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise sa.exc.DBAPIError.instance(sql, params, exc, sqlite3.Error, hide_parameters=True) from exc

    def execute_many(self, sql: str, rows: list[dict]) -> None:
        """`Database.execute_many` through the sqlite3 cursor's `executemany` itself: SQLAlchemy's turning each
        dict into its parameters took as long as SQLite's writing of the rows."""
        if not rows:
            return
        try:
            self.dbapi.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise sa.exc.DBAPIError.instance(sql, rows, exc, sqlite3.Error, hide_parameters=True) from exc

    def begin_write(self) -> None:
        self.conn.exec_driver_sql("BEGIN IMMEDIATE")

    def begin_snapshot(self) -> None:
        self.conn.exec_driver_sql("BEGIN")  # WAL: the first read fixes what the transaction sees

    def backup_file(self, path: Path) -> bool:
        copy = sqlite3.connect(str(path))  # SQLite's online backup API, page by page
        try:
            self.dbapi.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        finally:
            copy.close()
        return True

    def self_contained(self) -> None:
        """Leave one file with no -wal beside it (a backup's form)."""
        self.conn.exec_driver_sql("PRAGMA journal_mode = DELETE")

    def schema_version(self) -> int:
        return self.conn.exec_driver_sql("PRAGMA user_version").scalar()

    def set_schema_version(self, number: int) -> None:
        self.conn.exec_driver_sql(f"PRAGMA user_version = {int(number)}")

    def durable_commits(self) -> None:
        # WAL with NORMAL (the default here) loses the last commits on a power cut; FULL does not.
        self.conn.exec_driver_sql("PRAGMA synchronous = FULL")

    def number_rows(self, table: str, column: str) -> None:
        self.conn.exec_driver_sql(f'UPDATE "{table}" SET "{column}" = rowid')

    def scrub(self, tables) -> None:
        # Secure delete zeroed the freed pages; fold the write-ahead log (which still holds the old
        # pages) back into the file and empty it, so that no byte of the person stays on disk.
        self.conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _sqlite_connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    # Deleted rows are overwritten, not left in free pages: an erasure leaves no byte behind.
    conn.execute("PRAGMA secure_delete = ON")
    return conn


@functools.lru_cache(maxsize=64)
def _sqlite_engine(path: str) -> sa.Engine:
    # One engine per file and process (its compiled-statement cache is reused by every Store);
    # no pool: a Store's connection is opened with it and closed with it, as with sqlite3 alone.
    # hide_parameters: an error never quotes a row's values (a member's address and name) into logs.
    return sa.create_engine("sqlite://", creator=functools.partial(_sqlite_connect, path), poolclass=sa.pool.NullPool,
                            hide_parameters=True)


class PostgresDatabase(Database):
    def __init__(self, url: DatabaseUrl):
        self.url = url
        super().__init__(_postgres_engine(url))
        # One lock key per database: every process and host using this store agrees on it.
        self.lock_key = _lock_key(f"vivier-store:{url.name}")

    def begin_write(self) -> None:
        self.conn.exec_driver_sql("BEGIN")
        # As SQLite's busy timeout: a writer waits for another one so long, then gives up (LockNotAvailable).
        self.conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{BUSY_TIMEOUT_S}s'")
        self.conn.execute(_text("SELECT pg_advisory_xact_lock(:key)"), {"key": self.lock_key})

    def begin_snapshot(self) -> None:
        self.conn.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def begin_claim(self) -> None:
        # Claims share the lock with one another (each takes its ledger row with FOR UPDATE SKIP
        # LOCKED) and exclude every other writer, as SQLite's single writer does: an unsubscribe
        # committed before the claim is seen by it, one made after waits for it.
        self.conn.exec_driver_sql("BEGIN")
        self.conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{BUSY_TIMEOUT_S}s'")
        self.conn.execute(_text("SELECT pg_advisory_xact_lock_shared(:key)"), {"key": self.lock_key})

    def schema_version(self) -> int:
        if not self.has_table("meta"):
            return 0
        value = self.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
        return int(value) if value is not None else 0

    def set_schema_version(self, number: int) -> None:
        self.execute("INSERT INTO meta(key, value) VALUES ('schema_version', :value)"
                     " ON CONFLICT(key) DO UPDATE SET value = excluded.value", {"value": str(int(number))})

    def durable_commits(self) -> None:
        self.conn.exec_driver_sql("SET synchronous_commit = on")

    def number_rows(self, table: str, column: str) -> None:
        # A PostgreSQL store starts at a schema that has the column (migration 9 and later): its
        # tables are empty when the migration adds it, so there is no earlier order to keep.
        if self.scalar(f'SELECT COUNT(*) FROM "{table}"'):
            raise RuntimeError(f"{table}: rows written before their order was kept; copy an SQLite store instead")

    def scrub(self, tables) -> None:
        # The deleted versions of the rows stay in the table and index files until a vacuum; a plain
        # one only marks their space free, FULL writes each table and index anew without them (and
        # holds each table's lock meanwhile: a second or two for a large pool's members).
        preparer = self.conn.dialect.identifier_preparer
        self.conn.exec_driver_sql("VACUUM FULL " + ", ".join(preparer.quote(t) for t in tables()))

    def sorts_bytewise(self) -> bool:
        """Whether the database's default collation orders text as SQLite and Python do (asked of the
        server itself: a libc or ICU locale, whatever its name, orders accents and punctuation otherwise)."""
        ordered = self.execute("SELECT value FROM unnest(CAST(:probes AS text[])) AS value ORDER BY value",
                               {"probes": list(ORDER_PROBES)}).scalars().all()
        return ordered == sorted(ORDER_PROBES)

    def try_session_lock(self, name: str) -> bool:
        """A lock held by this connection until it closes, seen by every host; False if taken."""
        return bool(self.scalar("SELECT pg_try_advisory_lock(:key)", {"key": _lock_key(name)}))


def _lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key from a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@functools.lru_cache(maxsize=16)
def _postgres_engine(url: DatabaseUrl) -> sa.Engine:
    # No pool: processes fork (gunicorn) and each Store holds its connection for its own life.
    return sa.create_engine(url.full, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 10}, hide_parameters=True)


def connect(location) -> Database:
    """The open database of a store location: a DatabaseUrl (PostgreSQL) or a file path (SQLite)."""
    if isinstance(location, DatabaseUrl) or is_url(location):
        return PostgresDatabase(location if isinstance(location, DatabaseUrl) else DatabaseUrl(location))
    return SqliteDatabase(Path(location))


def reason(exc: BaseException) -> str:
    """The driver's own words for a database error, without SQLAlchemy's statement dump nor PostgreSQL's
    DETAIL line (which quotes the row's values: an address)."""
    original = getattr(exc, "orig", None) or exc
    return " ".join(str(original).split("\nDETAIL:")[0].split()) or type(original).__name__


def lock_not_available(exc: BaseException) -> bool:
    """Whether a PostgreSQL error is the lock timeout of `begin_write` / `begin_claim`."""
    import psycopg.errors

    return isinstance(getattr(exc, "orig", None), psycopg.errors.LockNotAvailable)


def connection_lost(exc: BaseException) -> bool:
    """Whether a database error says the server cannot be reached or went away (class 08, a shutdown, or
    no answer at all), not a deadlock, a cancel or a constraint."""
    import psycopg

    original = getattr(exc, "orig", None)
    if getattr(exc, "connection_invalidated", False):
        return True
    if not isinstance(original, psycopg.OperationalError):
        return False
    state = getattr(original, "sqlstate", None)
    return state is None or state.startswith("08") or state in ("57P01", "57P02", "57P03")
