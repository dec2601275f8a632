"""Private files outside the store: rejects and exports refused inside the repository unless git-ignored,
written 0600 in 0700 folders, cleaned by an erasure; backups and restores with SQLite's online backup API."""

from __future__ import annotations

import sqlite3
import stat

import pytest
from click.testing import CliRunner

from talentpool.backup import BackupError, backup, restore
from talentpool.importers import import_file
from talentpool.mappings import load_mapping
from talentpool.privacy import erase, erase_from_files
from talentpool.private import PrivatePathError, check_outside_git
from talentpool.store import Store
from tests.conftest import ROOT, TODAY
from tests.talentpool.conftest import DAY, make_member

CONF = str(ROOT / "pelicanconf.py")
HEADER = "Email;First name;Last name;Language;City;Country;Tags;Department;Job;Stage;Source;Created at;Last reply at;Stage changed at;Newsletter consent;Job alert consent;Unsubscribed at"


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def run(tmp_path):
    from vivier.cli import cli

    env = {"VIVIER_POOL": str(tmp_path / "store" / "pool.sqlite3"), "VIVIER_TODAY": TODAY}

    def invoke(*args, input=None):
        return CliRunner(env=env).invoke(cli, ["-s", CONF, *args], input=input, catch_exceptions=False)
    return invoke


def bad_export(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER + "\n"
        "eloise.marchal@example.org;Éloïse;Marchal;Français;Lyon;France;;;;Talent pool;Career site;2026-05-02;;;;;\n"
        "gaspard.roux@example.com;Gaspard;Roux;Klingon;Nantes;France;;;;Talent pool;Career site;2026-05-02;;;;;\n",
        encoding="utf-8")
    return path


def test_rejects_and_exports_inside_the_repository_are_refused_unless_git_ignored(run, tmp_path):
    for target in (ROOT / "rejects.csv", ROOT / "audiences" / "rejects.csv"):
        result = run("pool", "import", str(bad_export(tmp_path)), "--mapping", "teamtailor", "--keep-valid", "--rejects", str(target))
        assert result.exit_code == 1 and not target.exists()
        assert "inside the git repository" in result.stderr and "git does not ignore it" in result.stderr
    with pytest.raises(PrivatePathError):
        check_outside_git(ROOT / "export.json", "export")
    assert check_outside_git(ROOT / "var" / "exports" / "x.json", "export") == ROOT / "var" / "exports" / "x.json"  # ignored
    refused = run("pool", "export", "eloise.marchal@example.org", "-o", str(ROOT / "eloise.json"))
    assert refused.exit_code == 1 and not (ROOT / "eloise.json").exists()


def test_rejects_are_private_and_an_erasure_removes_the_persons_rows(run, tmp_path):
    rejects = tmp_path / "private" / "imports" / "rejects.csv"
    result = run("pool", "import", str(bad_export(tmp_path)), "--mapping", "teamtailor", "--keep-valid", "--rejects", str(rejects))
    assert result.exit_code == 0, result.output
    assert mode(rejects) == 0o600 and mode(rejects.parent) == 0o700 and mode(rejects.parent.parent) == 0o700
    assert "gaspard.roux@example.com" in rejects.read_text(encoding="utf-8")
    store_path = tmp_path / "store" / "pool.sqlite3"
    assert mode(store_path) == 0o600 and mode(store_path.parent) == 0o700
    erased = run("pool", "erase", "Gaspard.Roux@example.com", "--yes")
    assert erased.exit_code == 0 and f"{rejects}: 1 rejected row(s) removed" in erased.stdout
    text = rejects.read_text(encoding="utf-8")
    assert "gaspard" not in text.lower() and text.startswith("where,reason") and mode(rejects) == 0o600


def test_an_export_file_is_private_and_deleted_by_the_erasure(run, tmp_path):
    export = tmp_path / "requests" / "eloise.json"
    run("pool", "import", str(bad_export(tmp_path)), "--mapping", "teamtailor", "--keep-valid", "--rejects", str(tmp_path / "r.csv"))
    done = run("pool", "export", "eloise.marchal@example.org", "-o", str(export))
    assert done.exit_code == 0, done.stderr
    assert mode(export) == 0o600 and mode(export.parent) == 0o700 and "Éloïse" in export.read_text(encoding="utf-8")
    erased = run("pool", "erase", "eloise.marchal@example.org", "--yes")
    assert f"removed the export {export}" in erased.stdout and not export.exists()


def test_backup_while_another_process_writes_then_restore(tmp_path):
    path = tmp_path / "pool.sqlite3"
    with Store(path) as store:
        for i in range(50):
            store.add(make_member(email=f"membre{i}@example.org"))
        target = tmp_path / "backups" / "daily.sqlite3"
        backup(store, target, DAY)  # yesterday's, in the same rotating file
        # A writer holds an open transaction on another connection during the backup.
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE members SET city = 'Nantes'")
        copy = backup(store, target, DAY)
        other.execute("COMMIT")
        other.close()
        assert mode(copy) == 0o600 and mode(copy.parent) == 0o700
        assert not copy.with_name(copy.name + "-wal").exists()  # one self-contained file
        with Store(copy) as saved:
            assert saved.count() == 50 and {m.city for m in saved.iter_members()} == {"Lyon"}  # the committed state
        store.delete(store.find_by_email("membre3@example.org").id)
        store.add(make_member(email="later@example.org"))
        restore(store, copy)
        assert store.count() == 50 and store.find_by_email("membre3@example.org") and not store.find_by_email("later@example.org")
        with pytest.raises(BackupError, match="cannot overwrite the store"):
            backup(store, path, DAY)
    not_a_store = tmp_path / "notes.sqlite3"
    sqlite3.connect(not_a_store).execute("CREATE TABLE notes (x)")
    with Store(path) as store, pytest.raises(BackupError, match="not a Vivier member store"):
        restore(store, not_a_store)
    with Store(path) as store:
        assert store.count() == 50  # a refused restore changes nothing


def test_backup_and_restore_commands_and_an_erasure_reaches_the_backups(run, tmp_path):
    run("pool", "import", str(bad_export(tmp_path)), "--mapping", "teamtailor", "--keep-valid", "--rejects", str(tmp_path / "r.csv"))
    target = tmp_path / "backups" / "pool-mon.sqlite3"
    made = run("pool", "backup", str(target))
    assert made.exit_code == 0 and f"to {target}" in made.stdout and "(1 member(s))" in made.stdout
    inside = run("pool", "backup", str(ROOT / "pool-backup.bak"))
    assert inside.exit_code == 1 and not (ROOT / "pool-backup.bak").exists()
    erased = run("pool", "erase", "eloise.marchal@example.org", "--yes")
    assert f"erased from the backup {target}" in erased.stdout
    assert b"eloise" not in target.read_bytes().lower()
    restored = run("pool", "restore", str(target), "--yes")
    assert restored.exit_code == 0 and "0 member(s)" in restored.stdout  # the erasure is not undone by a restore
    assert run("pool", "restore", str(tmp_path / "r.csv"), "--yes").exit_code == 1


def test_erase_from_files_reports_and_forgets_files_that_are_gone(store, tmp_path):
    mapping = load_mapping("teamtailor", ROOT / "audiences" / "mappings")
    rejects = tmp_path / "rejects.csv"
    import_file(store, bad_export(tmp_path), mapping, DAY, keep_valid=True, rejects=rejects)
    rejects.unlink()
    erase(store, "gaspard.roux@example.com", DAY)
    assert erase_from_files(store, "gaspard.roux@example.com", None, DAY) == [
        f"the rejects {rejects} noted in the store is missing (moved or deleted?): no longer tracked; "
        "if it was moved, erase the person from that copy yourself"]
    assert store.connection.execute("SELECT COUNT(*) FROM private_files").fetchone()[0] == 0


def test_a_stores_wal_and_shm_files_are_private(tmp_path):
    path = tmp_path / "pool.sqlite3"
    with Store(path) as store:
        store.add(make_member())
        modes = {p.name: mode(p) for p in tmp_path.iterdir()}
    assert modes == {"pool.sqlite3": 0o600, "pool.sqlite3-wal": 0o600, "pool.sqlite3-shm": 0o600}
    path.chmod(0o644)  # a store made by an older Vivier is tightened when opened
    with Store(path):
        assert mode(path) == 0o600


def test_a_restore_is_seen_at_once_by_a_connection_already_open(tmp_path):
    """Other users of the store (the web application) see the restored content: no file is swapped under them."""
    path = tmp_path / "pool.sqlite3"
    with Store(path) as store, Store(path) as reader:
        store.add(make_member(email="avant@example.org"))
        copy = backup(store, tmp_path / "b.sqlite3", DAY)
        store.add(make_member(email="apres@example.org"))
        assert reader.count() == 2
        restore(store, copy)
        assert reader.count() == 1 and reader.find_by_email("avant@example.org")
