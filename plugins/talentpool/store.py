"""The member store: one SQLite file (WAL, busy timeout) or a PostgreSQL database, versioned schema.

Every write runs in a write-locked transaction, so two processes (or hosts, on
PostgreSQL) writing at the same time wait for each other instead of mixing
their changes. Nested `transaction()` blocks join the outer one: an import is
all-or-nothing. The SQL here and in the store's neighbours is portable; what
differs between the two databases lives in `talentpool.db`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from . import db as databases
from .location import DatabaseUrl
from .migrations import MIGRATIONS
from .models import Member, normalise_email
from .private import FILE_MODE, make_private_dir, restrict

log = logging.getLogger(__name__)

_LISTS = ("skills", "departments", "roles", "tags")
_DICTS = ("consents", "withdrawn")
_DATES = ("last_contact", "created", "stage_changed", "unsubscribed")
_COLUMNS = (
    "id", "email", "email_key", "first_name", "last_name", "language", "city", "country",
    *_LISTS[:3], "seniority", "stage", "source", "tags", *_DICTS, *_DATES,
)


def to_date(value) -> dt.date | None:
    """A date from a date, a datetime or an ISO string (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _instant(value: str) -> dt.date | dt.datetime:
    """A stored message time back as a date or an aware datetime."""
    return dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)


def _on_or_after(at: dt.date | dt.datetime, since: dt.date | dt.datetime) -> bool:
    """Compare a message time with a bound, whether either is a date or a datetime."""
    if isinstance(since, dt.datetime) and isinstance(at, dt.datetime):
        if (since.tzinfo is None) != (at.tzinfo is None):
            return at.replace(tzinfo=None) >= since.replace(tzinfo=None)
        return at >= since
    return to_date(at) >= to_date(since)


_scan = json.JSONDecoder().scan_once  # json.loads' own scanner, without its wrapper (about half its time)


def _loads(text: str):
    """`json.loads(text)`: the scanner's value when it reads the whole text, else json.loads itself
    (which then reads the same value or raises the same error)."""
    try:
        value, end = _scan(text, 0)
    except Exception:  # noqa: BLE001 - json.loads below raises the proper error
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


# Decoding is the cost of a whole-pool walk: the same JSON texts (departments,
# roles, tags, common skill sets, empty maps) come back on many rows, so each
# distinct text is parsed once; callers get fresh lists and dicts every time.
@functools.lru_cache(maxsize=1 << 16)
def list_of(text: str) -> tuple:
    return tuple(_loads(text))


@functools.lru_cache(maxsize=1 << 16)
def dates_of(text: str) -> tuple:
    return tuple((kind, dt.date.fromisoformat(day)) for kind, day in _loads(text).items())


# Two columns hold a text of their own on nearly every row: the skills (a pool of 100,000 synthetic
# members has 73,000 distinct lists) and the consents (their dates). Through the caches above each of
# them was a miss, which costs more than the parse (and pushed out what does repeat): they are parsed
# every time, to the same values (`member_from_row` 5.3 -> 3.4 µs at 100,000 members).
def fresh_list(text: str) -> list:
    """`list(list_of(text))`, parsed every time."""
    return list(_loads(text))


def fresh_dates(text: str) -> dict:
    """`dict(dates_of(text))`, parsed every time."""
    return {kind: _from_iso(day) for kind, day in _loads(text).items()}


_from_iso = dt.date.fromisoformat


def day_of(value) -> dt.date | None:
    if not value:
        return None
    return dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else to_date(value)


def _decode(data: dict) -> Member:
    """A Member from one row of `members` as a dict of column values."""
    data.pop("email_key", None)
    for key in _LISTS:
        data[key] = list(list_of(data[key]))
    for key in _DICTS:
        data[key] = dict(dates_of(data[key]))
    for key in _DATES:
        data[key] = day_of(data[key])
    return Member(**data)


# The whole-pool walk reads plain tuples of these columns, in the order of
# Member's fields, and builds each Member positionally (no dict per row).
ROW_COLUMNS = tuple(f.name for f in dataclasses.fields(Member))
if ROW_COLUMNS != ("id", "email", "first_name", "last_name", "language", "city", "country", "skills", "departments",
                   "roles", "seniority", "stage", "source", "tags", "consents", "last_contact", "created",
                   "stage_changed", "unsubscribed", "withdrawn"):  # pragma: no cover - guards member_from_row
    raise ImportError("Member's fields changed: update member_from_row and ROW_COLUMNS' check in talentpool/store.py")


def member_from_row(row: tuple) -> Member:
    """The Member of one `member_row_batches()` row (`ROW_COLUMNS`, then anything): equal to what `get()`
    decodes, fresh lists and dicts."""
    (member_id, email, first_name, last_name, language, city, country, skills, departments, roles,
     seniority, stage, source, tags, consents, last_contact, created, stage_changed, unsubscribed, withdrawn, *_) = row
    return Member(
        member_id, email, first_name, last_name, language, city, country,
        fresh_list(skills), [*list_of(departments)], [*list_of(roles)], seniority, stage, source, [*list_of(tags)],
        fresh_dates(consents), day_of(last_contact), day_of(created), day_of(stage_changed), day_of(unsubscribed),
        dict(dates_of(withdrawn)),
    )


_INSERT_MEMBER = f"INSERT INTO members ({', '.join(_COLUMNS)}) VALUES ({', '.join(':' + c for c in _COLUMNS)})"
_UPDATE_MEMBER = f"UPDATE members SET {', '.join(f'{c} = :{c}' for c in _COLUMNS[1:])} WHERE id = :id"
# One page of the whole-pool walk: ROW_COLUMNS, then the address key the next page starts after.
_MEMBER_PAGE = (f"SELECT {', '.join(ROW_COLUMNS)}, email_key FROM members WHERE email_key > :after"
                " ORDER BY email_key LIMIT :size")
_FIRST_MEMBER_PAGE = _MEMBER_PAGE.replace("email_key > :after", "email_key >= :after")
# The same pages up to an address key (one part of a walk in parts, `mailing.engine.walk`).
_MEMBER_PAGE_UNTIL = _MEMBER_PAGE.replace("email_key > :after", "email_key > :after AND email_key < :stop")
_FIRST_MEMBER_PAGE_UNTIL = _FIRST_MEMBER_PAGE.replace("email_key >= :after", "email_key >= :after AND email_key < :stop")


def _create_private(path: Path) -> None:
    """Create the database file 0600 when it does not exist yet; never open an existing one.

    Closing any descriptor of a database file drops every POSIX lock this process holds on it,
    including the locks of the SQLite connections it already has open (another thread's, a
    sender's channel): another process could then write under them and corrupt the store
    ("database disk image is malformed", seen with gunicorn workers writing during a send).
    """
    if path.exists():
        return
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:  # created by another thread or process meanwhile: it is not ours to open
        pass


class StoreError(RuntimeError):
    """The store file cannot be used: missing, not writable, not a database, damaged, or from a newer Vivier."""


class StoreMissing(StoreError):
    """No store at the configured path (only the commands that create a store may create it)."""


class StoreNotWritable(StoreError):
    """The file or its folder is read-only for this process: a permission problem, not a damaged store."""


SETTING_HINT = "VIVIER_POOL (or POOL_PATH in the settings)"
_BYTEWISE: set = set()  # the PostgreSQL stores this process found sorting text byte by byte
CREATED_BY = ("a store is created only by `vivier pool import FILE --mapping NAME` (your real pool), "
              "`vivier pool load-sample` (the fictional sample) or `vivier pool restore BACKUP`")


def _read_only(path: Path, text: str) -> bool:
    """Whether an SQLite error on `path` comes from a file or folder this process may not write."""
    if any(word in text.lower() for word in ("readonly", "read-only", "unable to open", "permission")):
        return True
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def unusable(path: Path | DatabaseUrl, exc: Exception, *, backup: bool = False) -> StoreError:
    """The StoreError for a database error on `path`, saying what is wrong and what to do about it."""
    what = "backup" if backup else "member store"
    if isinstance(path, DatabaseUrl):
        return StoreError(f"{path}: the PostgreSQL member store cannot be used ({databases.reason(exc)}); check that "
                          f"the server runs, that {SETTING_HINT} names the right host, database and user, and that "
                          "this user may read and write it")
    exc = databases.reason(exc)
    if _read_only(path, str(exc)):
        return StoreNotWritable(
            f"{path}: cannot write to this {what} (SQLite: {exc}): the file, its -wal/-shm files or its folder "
            f"{path.parent} are read-only for this account. Check their owner and mode (`ls -l`, and `lsattr` for "
            "an immutable flag), then run the command again. The file is not damaged: do not restore a backup over it")
    if backup:
        return StoreError(f"{path}: this backup is not a usable member store (SQLite: {exc}): it is damaged or "
                          "not a Vivier store; delete it (it cannot be restored) or make a new one with `vivier pool backup`")
    return StoreError(f"{path}: not a usable member store (SQLite: {exc}): the file is damaged or not a Vivier store; "
                      f"check {SETTING_HINT} names your store, or bring it back with `vivier pool restore BACKUP`")


class Store:
    """The talent pool on SQLite; `Store(path)` or `Store.open(path)`, usable as a context manager.

    `create=False` refuses a missing file (StoreMissing) instead of creating an empty store:
    everything but the commands meant to create a store opens it that way (`config.open_store`).
    `backup=True` words errors for a backup file rather than the configured store.
    """

    def __init__(self, path: str | os.PathLike | DatabaseUrl, *, create: bool = True, backup: bool = False):
        self._db = None
        self._depth = 0
        self._salt_value: str | None = None
        self._backup = backup
        if databases.is_url(path):
            self.path = path if isinstance(path, DatabaseUrl) else DatabaseUrl(path)
            self._open_database(create)
            return
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise StoreMissing(
                f"{self.path}: no member store there (the file does not exist), so nothing can be read or recorded; "
                f"check {SETTING_HINT} names your store; {CREATED_BY}")
        # Personal data: the file is 0600 in a 0700 folder. SQLite creates its -wal, -shm and
        # -journal files with the database file's permissions (no process-wide umask change,
        # which would also reach files other threads write, such as the public site's).
        make_private_dir(self.path.parent)
        _create_private(self.path)
        for suffix in ("", "-wal", "-shm", "-journal"):
            restrict(f"{self.path}{suffix}")
        self._open_database(create)

    def _open_database(self, create: bool) -> None:
        try:
            self._db = databases.connect(self.path)
            if self.is_postgres:
                self._check_postgres(create)
            self._migrate()
        except ValueError as exc:  # a URL the driver cannot read (a port that is not a number…)
            self.close()
            raise StoreError(f"{self.path}: not a usable PostgreSQL URL ({exc}); write it like "
                             "postgresql://USER@HOST:5432/DATABASE") from None
        except (databases.DatabaseError, StoreError) as exc:
            self.close()
            if isinstance(exc, StoreError):
                raise
            raise unusable(self.path, exc, backup=self._backup) from exc

    def _check_postgres(self, create: bool) -> None:
        if self.path not in _BYTEWISE and not self._db.sorts_bytewise():
            raise StoreError(
                f"{self.path}: this database does not sort text byte by byte (its locale or ICU collation orders "
                "accents and punctuation otherwise), as Vivier needs for dates and addresses; create the database with `createdb --template=template0 "
                "--encoding=UTF8 --locale=C.UTF-8 --locale-provider=libc NAME` (docs/operations.md)")
        _BYTEWISE.add(self.path)  # asked once per process (the web application opens the store per request)
        if not create and self._db.schema_version() == 0:
            raise StoreMissing(
                f"{self.path}: no member store in this database yet (it has no Vivier tables), so nothing can be "
                f"read or recorded; check {SETTING_HINT} names your store; {CREATED_BY}, or "
                "`vivier pool migrate-to URL` (a copy of an SQLite store)")

    @classmethod
    def open(cls, path: str | os.PathLike, **options) -> Store:
        return cls(path, **options)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def connection(self) -> databases.Database:
        """The open database (`execute(sql, params)`), for the store's neighbours: sample mark, backups, ledger."""
        return self._db

    @property
    def is_postgres(self) -> bool:
        return isinstance(self.path, DatabaseUrl)

    def reconnect_after_fork(self) -> None:
        """In a forked child: a connection of its own. The inherited one is the parent's (SQLite's locks,
        PostgreSQL's session): left untouched, never used or closed here (kept referenced, so that no
        collection closes it), and open in the parent until the child is reaped; the child leaves by `os._exit`."""
        self._inherited, self._db = self._db, databases.connect(self.path)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # --- transactions and schema -------------------------------------------

    @contextlib.contextmanager
    def transaction(self, *, claim: bool = False):
        """One write-locked transaction; nested blocks join the outer one. `claim=True` (the send
        ledger's claims only) lets claims run side by side where the database can lock rows."""
        if self._depth:
            self._depth += 1
            try:
                yield self._db
            finally:
                self._depth -= 1
            return
        self._guarded(self._db.begin_claim if claim else self._db.begin_write)
        self._depth = 1
        try:
            yield self._db
        except BaseException as exc:
            with contextlib.suppress(databases.DatabaseError):
                self._db.rollback()
            if isinstance(exc, databases.DatabaseError):
                raise self._unusable_or(exc) from exc
            raise
        else:
            self._guarded(self._db.commit)
        finally:
            self._depth = 0

    def _guarded(self, step) -> None:
        """Run a transaction's opening or closing step; on a database error (a lock not given in time, a lost
        connection, a failed commit) roll back, so that no transaction is left open, and raise what it means."""
        try:
            step()
        except databases.DatabaseError as exc:
            with contextlib.suppress(databases.DatabaseError):
                self._db.rollback()
            raise self._unusable_or(exc) from exc

    def _unusable_or(self, exc: databases.DatabaseError) -> Exception:
        """A read-only file, an unreachable server or a lock not given in time as the StoreError saying so;
        any other error as itself."""
        if self.is_postgres:
            if databases.lock_not_available(exc):
                return StoreError(f"{self.path}: waited {databases.BUSY_TIMEOUT_S} s for the store's write lock, which another "
                                  "process holds (a long import, a stuck session: see pg_stat_activity); run the "
                                  "command again")
            return unusable(self.path, exc) if databases.connection_lost(exc) else exc
        return unusable(self.path, exc, backup=self._backup) if _read_only(self.path, databases.reason(exc)) else exc

    @contextlib.contextmanager
    def snapshot(self):
        """A read-only transaction that sees the store as it was when it began (for a copy)."""
        self._guarded(self._db.begin_snapshot)
        try:
            yield self._db
        finally:
            with contextlib.suppress(databases.DatabaseError):
                self._db.rollback()

    @property
    def schema_version(self) -> int:
        return self._db.schema_version()

    def _migrate(self) -> None:
        """Bring the schema up to date, one migration at a time, under the write lock."""
        if self.schema_version == len(MIGRATIONS):
            return
        with self.transaction() as conn:
            version = self.schema_version
            if version > len(MIGRATIONS):
                raise StoreError(f"{self.path}: schema version {version} is newer than this Vivier ({len(MIGRATIONS)}); "
                                 "upgrade Vivier before using this store")
            for number, steps in enumerate(MIGRATIONS[version:], start=version + 1):
                for step in steps:
                    if callable(step):
                        step(conn)
                    else:
                        conn.execute(step)
                conn.set_schema_version(number)
                log.info("%s: schema migrated to version %d", self.path, number)

    # --- members -----------------------------------------------------------

    def _member(self, row) -> Member | None:
        if row is None:
            return None
        return _decode(dict(row._mapping))

    def _row(self, member: Member) -> dict:
        values = {
            "id": member.id, "email": member.email.strip(), "email_key": normalise_email(member.email),
            "first_name": member.first_name, "last_name": member.last_name, "language": member.language,
            "city": member.city, "country": member.country, "seniority": member.seniority,
            "stage": member.stage, "source": member.source,
        }
        for key in _LISTS:
            values[key] = json.dumps(list(getattr(member, key)), ensure_ascii=False)
        for key in _DICTS:
            values[key] = json.dumps({k: to_date(v).isoformat() for k, v in sorted(getattr(member, key).items())})
        for key in _DATES:
            day = to_date(getattr(member, key))
            values[key] = day.isoformat() if day else None
        return values

    def new_id(self) -> str:
        """A random member id: stable once stored, and says nothing about the person."""
        while True:
            candidate = "m-" + secrets.token_hex(6)
            if not self._db.execute("SELECT 1 FROM members WHERE id = :id", {"id": candidate}).first():
                return candidate

    def add(self, member: Member) -> Member:
        """Insert a new member (an id is drawn when it has none)."""
        with self.transaction() as conn:
            if not member.id:
                member.id = self.new_id()
            conn.execute(_INSERT_MEMBER, self._row(member))
        return member

    def update(self, member: Member) -> None:
        """Write back every field of an existing member."""
        with self.transaction() as conn:
            cursor = conn.execute(_UPDATE_MEMBER, self._row(member))
            if cursor.rowcount != 1:
                raise KeyError(f"no member with id {member.id!r}")

    def get(self, member_id: str) -> Member | None:
        return self._member(self._db.execute("SELECT * FROM members WHERE id = :id", {"id": member_id}).first())

    def find_by_email(self, email: str) -> Member | None:
        """The member with this address (matched trimmed and case-insensitively)."""
        key = normalise_email(email)
        return self._member(self._db.execute("SELECT * FROM members WHERE email_key = :key", {"key": key}).first())

    def iter_members(self) -> Iterator[Member]:
        """Every member, in a stable order (by address), streamed in batches."""
        for rows in self.member_row_batches():
            for row in rows:
                yield member_from_row(row)

    def member_row_batches(self, size: int = 5000, *, start: str = "", stop: str | None = None) -> Iterator[list[tuple]]:
        """Every member's row, `ROW_COLUMNS` then the address key (`member_from_row` decodes one), in
        `iter_members`' order, a list of up to `size` at a time: a whole-pool walk can test a rule
        on the row and decode only the members it keeps. Pages are read by address (keyset), so
        memory stays flat in the pool's size and no cursor stays open between pages. `start` and
        `stop`: only the address keys from `start` and before `stop` (`member_bounds`' parts)."""
        params = {"after": start, "size": size}
        page, rest = _FIRST_MEMBER_PAGE, _MEMBER_PAGE  # the first page from `start` (an empty address key included)
        if stop is not None:
            params["stop"] = stop
            page, rest = _FIRST_MEMBER_PAGE_UNTIL, _MEMBER_PAGE_UNTIL
        while rows := self._db.fetch_all(page, params):
            page = rest
            params["after"] = rows[-1][-1]
            yield rows
            if len(rows) < size:
                return

    def member_bounds(self, parts: int) -> list[str]:
        """The address keys cutting the pool into `parts` parts of about the same size, in walk order
        (`member_row_batches(start=…, stop=…)`): fewer when the pool has fewer members than parts."""
        count = self.count()
        keys: list[str] = []
        for part in range(1, max(1, parts)):
            skip = count * part // parts
            if skip == 0:  # no member before it: an empty part
                continue
            key = self._db.scalar("SELECT email_key FROM members ORDER BY email_key LIMIT 1 OFFSET :skip",
                                  {"skip": skip})
            if key is not None and (not keys or key > keys[-1]):
                keys.append(key)
        return keys

    def count(self) -> int:
        return self._db.scalar("SELECT COUNT(*) FROM members")

    def personal_tables(self) -> list[str]:
        """Every table that can hold something about a person: `members`, `suppression`, the member
        tables and the address tables."""
        return sorted({"members", "suppression", *self.member_tables(), *self.address_tables()})

    def member_tables(self) -> list[str]:
        """Every table with a `member_id` column (messages, and whatever later migrations add)."""
        return self._tables_with("member_id")

    def address_tables(self) -> list[str]:
        """Tables other than `members` keyed by an address (`email_key`): rows about a person who may not be a
        member yet. A pending sign-up of the talent-community form is one: it holds the address and the
        choices until the person confirms. Erase and export cover every such table, as every member table."""
        return [t for t in self._tables_with("email_key") if t != "members"]

    def _tables_with(self, column: str) -> list[str]:
        return [t for t in self._db.table_names() if column in self._db.column_names(t)]

    def rows_about(self, member_id: str) -> dict[str, list[dict]]:
        """Every row of every member table about this member (for an access request)."""
        found = {}
        for table in self.member_tables():
            rows = self._db.execute(f'SELECT * FROM "{table}" WHERE member_id = :id', {"id": member_id}).fetchall()
            if rows:
                found[table] = [dict(row._mapping) for row in rows]
        return found

    def delete(self, member_id: str) -> bool:
        """Remove a member and every row about them in any member table; True if they existed."""
        with self.transaction() as conn:
            for table in self.member_tables():
                conn.execute(f'DELETE FROM "{table}" WHERE member_id = :id', {"id": member_id})
            return conn.execute("DELETE FROM members WHERE id = :id", {"id": member_id}).rowcount == 1

    # --- consent and contact events ------------------------------------------

    def _change(self, member_id: str, change) -> Member:
        with self.transaction():
            member = self.get(member_id)
            if member is None:
                raise KeyError(f"no member with id {member_id!r}")
            change(member)
            self.update(member)
        return member

    def unsubscribe(self, member_id: str, at, scope: str = "all") -> Member:
        """Record an opt-out: from everything (`all`) or from one consent kind."""
        day = to_date(at)

        def change(member: Member) -> None:
            if scope == "all":
                member.unsubscribed = min(filter(None, (member.unsubscribed, day)))
            else:
                member.withdrawn[scope] = max(filter(None, (member.withdrawn.get(scope), day)))
        return self._change(member_id, change)

    def give_consent(self, member_id: str, kind: str, at) -> Member:
        """Record a consent the person gave themselves (an opt-in); lifts a full unsubscription."""
        day = to_date(at)

        def change(member: Member) -> None:
            member.consents[kind] = max(filter(None, (member.consents.get(kind), day)))
            member.withdrawn.pop(kind, None)
            member.unsubscribed = None
            member.last_contact = max(filter(None, (member.last_contact, day)))
        return self._change(member_id, change)

    def record_contact(self, member_id: str, at) -> Member:
        """An action by the person (reply, click, meeting), which restarts the retention clock."""
        day = to_date(at)
        return self._change(member_id, lambda m: setattr(m, "last_contact", max(filter(None, (m.last_contact, day)))))

    # --- marketing messages ------------------------------------------------

    def record_message(self, member_id: str, kind: str, plan_id: str, at) -> bool:
        """Count a marketing message actually sent; once per (member, kind, plan). True if new."""
        stamp = at.isoformat()
        if self._read_once:
            self._read_once.clear()
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO messages(member_id, kind, plan_id, at) VALUES (:member, :kind, :plan, :at)"
                " ON CONFLICT DO NOTHING",
                {"member": member_id, "kind": kind, "plan": str(plan_id), "at": stamp},
            )
            return cursor.rowcount == 1

    def messages_since(self, member_id: str, since) -> list[tuple]:
        """(kind, plan_id, at) of the messages sent to a member on or after `since`, oldest first."""
        rows = self._db.execute("SELECT kind, plan_id, at FROM messages WHERE member_id = :id ORDER BY at, kind, plan_id",
                                {"id": member_id})
        found = [(kind, plan_id, _instant(at)) for kind, plan_id, at in rows]
        return [item for item in found if _on_or_after(item[2], since)]

    # Set by `reading_once`: (what, argument) -> what was read.
    _read_once: dict | None = None

    @contextlib.contextmanager
    def reading_once(self):
        """Within this block `messages_by_member` reads the messages once per date and gives every caller the
        same dict (recording a message forgets it). For a build's planning, which writes nothing: every kind
        reads them before its walk, and in one walk of the pool for every kind (issue 21) their copies were
        alive together, 7 copies of some 30 MB at 1,000,000 members. Callers must not change what it gives."""
        if self._read_once is not None:
            yield
            return
        self._read_once = {}
        try:
            yield
        finally:
            self._read_once = None

    def messages_by_member(self, since) -> dict[str, list[tuple]]:
        """Every member's messages since a date, in one query (for whole-pool evaluation)."""
        memo = self._read_once
        if memo is None:
            return self._messages_by_member(since)
        found = memo.get(("messages_by_member", since))
        if found is None:
            found = memo[("messages_by_member", since)] = self._messages_by_member(since)
        return found

    def _messages_by_member(self, since) -> dict[str, list[tuple]]:
        bound = to_date(since).isoformat()
        result: dict[str, list[tuple]] = {}
        rows = self._db.execute("SELECT member_id, kind, plan_id, at FROM messages WHERE at >= :bound"
                                " ORDER BY at, member_id, kind, plan_id",
                                {"bound": bound})
        for member_id, kind, plan_id, at in rows:
            instant = _instant(at)
            if _on_or_after(instant, since):
                result.setdefault(member_id, []).append((kind, plan_id, instant))
        return result

    # --- suppression list (erased or opted-out people an import must not bring back)

    def _salt(self) -> str:
        # Written once by the first migration and never changed: read it once per connection.
        if self._salt_value is None:
            self._salt_value = self._db.scalar("SELECT value FROM meta WHERE key = 'suppression_salt'")
        return self._salt_value

    def suppression_hash(self, email: str) -> str:
        """Salted SHA-256 of the normalised address: matchable, not reversible by a lookup table."""
        return hashlib.sha256(f"{self._salt()}:{normalise_email(email)}".encode()).hexdigest()

    def suppression_hasher(self):
        """`suppression_hash` as a function for a whole-pool walk (the salted prefix built once)."""
        prefix, sha256 = f"{self._salt()}:", hashlib.sha256
        return lambda email: sha256(f"{prefix}{normalise_email(email)}".encode()).hexdigest()

    def suppress(self, email: str, reason: str, at, detail: str = "") -> bool:
        """Put an address on the list (the first reason stays, except that an erasure overrides any
        other: a restore or an import must know the person asked to be erased); True if it was not there yet."""
        conflict = ("ON CONFLICT(hash) DO UPDATE SET reason = excluded.reason, at = excluded.at, detail = excluded.detail"
                    " WHERE suppression.reason <> excluded.reason" if reason == "erased" else "ON CONFLICT DO NOTHING")
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO suppression(hash, reason, at, detail) VALUES (:hash, :reason, :at, :detail) " + conflict,
                {"hash": self.suppression_hash(email), "reason": reason, "at": to_date(at).isoformat(),
                 "detail": detail[:300]},
            )
            return cursor.rowcount == 1

    def suppression_entry(self, email: str) -> dict | None:
        """{reason, at, detail} of a suppressed address (for an access request and the send summary), or None."""
        row = self._db.execute(
            "SELECT reason, at, detail FROM suppression WHERE hash = :hash", {"hash": self.suppression_hash(email)}
        ).first()
        return {"reason": row[0], "at": row[1], "detail": row[2]} if row else None

    def reload(self) -> None:
        """Forget what this Store read once and kept (the salt): its whole content was replaced."""
        self._salt_value = None

    def scrub(self) -> None:
        """After an erasure: leave no copy of deleted rows in the database's own files (SQLite's
        write-ahead log, PostgreSQL's dead row versions). Done once the outermost transaction is over."""
        if not self._depth:
            self._db.scrub(self.personal_tables)

    def durable_commits(self) -> None:
        """Make every later commit of this connection survive a power cut.

        SQLite's WAL with NORMAL (the default here) loses the last commits on power loss;
        the send ledger must not: a `sent` lost would be sent again.
        """
        self._db.durable_commits()

    def suppression_reason(self, email: str) -> str | None:
        """Why this address may never be re-added (`erased`, `unsubscribed`), or None."""
        return self._db.scalar("SELECT reason FROM suppression WHERE hash = :hash", {"hash": self.suppression_hash(email)})

    def suppression_lookup(self, reasons=None):
        """A function email -> suppression reason (or None) for a whole-pool walk, limited to `reasons`;
        one query, and no hashing at all when nothing is suppressed for those reasons. Within `reading_once`
        every caller asking for the same reasons gets the same function, which remembers its last answer:
        in one walk of the pool for every kind, each kind asks about the same member in turn."""
        memo = self._read_once
        if memo is None:
            return self._suppression_lookup(reasons)
        key = ("suppression_lookup", tuple(reasons) if reasons else None)
        found = memo.get(key)
        if found is None:
            found = memo[key] = self._suppression_lookup(reasons)
        return found

    def _suppression_lookup(self, reasons=None):
        if reasons:
            rows = self._db.execute("SELECT hash, reason FROM suppression WHERE reason IN :reasons",
                                    {"reasons": list(reasons)}, lists=("reasons",))
        else:
            rows = self._db.execute("SELECT hash, reason FROM suppression")
        found = dict(rows.fetchall())
        if not found:
            return lambda email: None
        hash_of = self.suppression_hasher()
        last = [None, None]  # the last address asked about, its answer

        def lookup(email):
            if email == last[0] and email is not None:
                return last[1]
            answer = found.get(hash_of(email))
            last[0], last[1] = email, answer
            return answer
        return lookup
