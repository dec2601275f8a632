"""Backups of the member store, as SQLite files: consistent while others read and write.

`backup(store, target)` copies the open store into a new private SQLite file
(0600 in a 0700 folder): an SQLite store page by page with SQLite's online
backup API, a PostgreSQL store row by row from one snapshot (`copying`). The
file is renamed into place once complete
(the temporaries an interrupted backup of the same file left, a full copy
each, are removed first; an erasure removes them too);
`restore(store, source)` checks that the file is a Vivier store, then copies
it over the open store (of either kind), which its other users see at once,
in one transaction that also applies again every opt-out made since the
backup (suppressions, unsubscribes, withdrawn consents, erasures). A backup is noted
in the store so that an erasure also erases the person from it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import sqlite3
from pathlib import Path

from .migrations import MIGRATIONS
from .models import normalise_email
from .private import FILE_MODE, make_private_dir, remove_temporaries, temporary_of
from .privacy import remember_file

log = logging.getLogger(__name__)


class BackupError(ValueError):
    """A backup or restore that cannot be done; the message says why and what to do."""


def backup(store, target: str | os.PathLike, today: dt.date) -> Path:
    """Copy the store into `target` (replaced atomically when it exists); returns its path."""
    target = Path(target).absolute()
    if not store.is_postgres and target == store.path.absolute():
        raise BackupError(f"{target}: a backup cannot overwrite the store it copies; choose another file")
    make_private_dir(target.parent)
    remember_file(store, target, "backup", today)  # noted first: a backup an erasure does not know of never exists
    for stale in remove_temporaries(target):  # a backup killed before its rename left a full copy there
        log.warning("%s: removed the unfinished copy %s left by an interrupted backup", target, stale.name)
    temporary = temporary_of(target)
    os.close(os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_TRUNC, FILE_MODE))  # SQLite's own files follow its mode
    os.chmod(temporary, FILE_MODE)
    if not store.connection.backup_file(temporary):  # no file-level copy: the rows, from one snapshot
        _copy_rows_into(store, temporary)
    try:
        os.replace(temporary, target)
    except FileNotFoundError:  # an erasure removed it meanwhile: this copy may still hold the erased person
        raise BackupError(f"{target}: the copy being written was removed by an erasure running at the same time; "
                          "run the backup again") from None
    return target


def check_backup(source: str | os.PathLike) -> int:
    """The number of members of a readable Vivier store file; BackupError naming the problem otherwise."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    try:
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source}: the file is damaged (integrity check failed); try an older backup")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            members = conn.execute("SELECT COUNT(*) FROM members").fetchone()[0] if "members" in tables else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source}: not a Vivier member store ({exc})") from None
    if members is None or "meta" not in tables or version < 1:
        raise BackupError(f"{source}: not a Vivier member store (no members table); nothing restored")
    if version > len(MIGRATIONS):
        raise BackupError(f"{source}: made by a newer Vivier (schema {version}, this one knows {len(MIGRATIONS)}); upgrade first")
    return members


def _copy_rows_into(store, temporary: Path) -> None:
    """A PostgreSQL store's rows into a new SQLite store file at `temporary`."""
    from .copying import copy_store
    from .store import Store

    with Store(temporary, create=True, backup=True) as copy:
        copy_store(store, copy)
        copy.connection.self_contained()


def restore(store, source: str | os.PathLike) -> tuple[int, int]:
    """Replace the store's whole content by the backup's, in one transaction; returns (members restored,
    opt-outs carried over).

    What people asked for after the backup was made is never undone: every suppression entry (erased,
    unsubscribed, bounced, complained), unsubscribe, withdrawn consent and recorded choice (a pause) of
    the store being replaced is applied again to the restored rows; a restored member whose address is
    suppressed and who is no longer in the store (erased or purged since) is deleted again; the private
    files noted since stay noted (a later erasure still cleans them). A backup whose suppression list is
    salted differently from a store that has one (a store made anew since) is refused: its hashes could
    not be matched. The backup is read from a private copy (opening it brings an older schema up to
    date, which never touches the backup itself).
    """
    from .copying import copy_store
    from .store import Store

    members = check_backup(source)
    source = Path(source)
    if not store.is_postgres and source.absolute() == store.path.absolute():
        raise BackupError(f"{source}: this is the store itself; name a backup file")
    working = temporary_of(source.absolute().parent / f"restore-{source.name}")
    shutil.copyfile(source, working)
    os.chmod(working, FILE_MODE)
    try:
        with Store(working, create=False, backup=True) as origin, store.transaction():
            kept = _opt_outs(store)
            if kept["suppression"] and origin.suppression_hash("") != store.suppression_hash(""):
                raise BackupError(
                    f"{source}: this backup was made by another store (its suppression list is salted differently), "
                    f"so the erasures and opt-outs recorded in {store.path} could not be applied to it; nothing was "
                    "restored. Restore it into a new, empty store and import your latest unsubscribes there")
            copy_store(origin, store)
            carried = _apply_opt_outs(store, kept)
        store.scrub()  # the replaced rows (and anyone deleted again) leave no copy in the database's files
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{working}{suffix}")
    return members, carried


def _opt_outs(store) -> dict:
    """What the store about to be replaced knows of people's wishes and of its private files."""
    conn = store.connection
    people, addresses = {}, set()
    for member in store.iter_members():
        addresses.add(normalise_email(member.email))
        if member.unsubscribed or member.withdrawn:
            people[member.id] = people[normalise_email(member.email)] = (member.unsubscribed, dict(member.withdrawn))
    return {
        "suppression": [dict(row) for row in conn.execute("SELECT hash, reason, at, detail FROM suppression").mappings()],
        "members": people, "addresses": addresses,
        "preferences": [dict(row) for row in conn.execute("SELECT member_id, key, value, at FROM preferences").mappings()],
        "files": [dict(row) for row in conn.execute("SELECT path, kind, written FROM private_files").mappings()],
    }


def _apply_opt_outs(store, kept: dict) -> int:
    """Apply `_opt_outs` of the replaced store to the restored rows; returns how many changes it made."""
    from .privacy import forget

    conn, changes = store.connection, 0
    for entry in kept["suppression"]:
        changes += conn.execute(
            "INSERT INTO suppression(hash, reason, at, detail) VALUES (:hash, :reason, :at, :detail)"
            " ON CONFLICT(hash) DO UPDATE SET reason = excluded.reason, at = excluded.at, detail = excluded.detail"
            " WHERE excluded.reason = 'erased' AND suppression.reason <> 'erased'", entry).rowcount
    reasons = {entry["hash"]: entry for entry in kept["suppression"]}
    hash_of = store.suppression_hasher()
    for member in list(store.iter_members()):
        key = normalise_email(member.email)
        entry = reasons.get(hash_of(member.email))
        if entry is not None and key not in kept["addresses"]:  # erased or purged since the backup
            forget(store, member.email)
            changes += 1
            continue
        unsubscribed, withdrawn = kept["members"].get(member.id) or kept["members"].get(key) or (None, {})
        if unsubscribed and (member.unsubscribed is None or member.unsubscribed > unsubscribed):
            store.unsubscribe(member.id, unsubscribed)
            changes += 1
        for scope, day in withdrawn.items():
            if member.withdrawn.get(scope) is None or member.withdrawn[scope] < day:
                store.unsubscribe(member.id, day, scope)
                changes += 1
    for row in kept["preferences"]:  # the latest choice (a pause, a rhythm) is the member's current one
        changes += conn.execute(
            "INSERT INTO preferences(member_id, key, value, at) SELECT :member_id, :key, :value, :at"
            " WHERE EXISTS (SELECT 1 FROM members WHERE id = :member_id)"
            " ON CONFLICT(member_id, key) DO UPDATE SET value = excluded.value, at = excluded.at"
            " WHERE preferences.value <> excluded.value", row).rowcount
    for row in kept["files"]:
        conn.execute("INSERT INTO private_files(path, kind, written) VALUES (:path, :kind, :written)"
                     " ON CONFLICT DO NOTHING", row)
    return changes
