"""A store that is missing or cannot be written is refused loudly (never an empty store created behind the
user's back, never a confirmation of an unsubscribe that was not recorded), and an erasure also reaches the
unfinished copies a crashed backup or export left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mailing.tokens import Signer
from mailing.webapp import create_app
from mailing.webapp.serve import running
from talentpool.store import Store, StoreMissing, StoreNotWritable
from tests.conftest import ROOT, TODAY
from tests.talentpool.conftest import make_member
from tests.webapp.gunicorn import GUNICORN, gunicorn
from vivier.config import load_settings

CONF = str(ROOT / "pelicanconf.py")
SECRET = "guard-test-secret"
EMAIL = "lea.garnier@example.org"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def cli(env: dict, *args):
    from vivier.cli import cli as vivier

    return CliRunner(env={"VIVIER_TODAY": TODAY, **env}).invoke(vivier, ["-s", CONF, *args])


def everything_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def holding(folder: Path, needle: str) -> list[Path]:
    """Every file under `folder` whose bytes hold `needle` (case-insensitive)."""
    return [path for path in everything_under(folder) if needle.encode().lower() in path.read_bytes().lower()]


@contextmanager
def immutable(path: Path):
    """`chattr +i` (works as root too, unlike chmod); skips the test where the file system has no such flag."""
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True) if _has_chattr() else None
    if done is None or done.returncode != 0:
        pytest.skip(f"chattr +i is not available here ({done.stderr.strip() if done else 'no chattr'})")
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def _has_chattr() -> bool:
    return any(os.access(os.path.join(folder, "chattr"), os.X_OK) for folder in os.environ.get("PATH", "").split(":"))


def pool_with_lea(path: Path) -> None:
    with Store(path) as store:
        store.add(make_member(id="m-lea", email=EMAIL, first_name="Léa", last_name="Garnier"))
        store.add(make_member(id="m-owen", email="owen.hart@example.com", first_name="Owen", last_name="Hart"))


# --- 1. a missing store is never created by a command that only uses it ------------------------------------


def test_store_missing_is_refused_without_creating_anything(tmp_path):
    from talentpool import config

    where = tmp_path / "typo" / "pool.sqlite3"
    with pytest.raises(StoreMissing) as refused:
        config.open_store({"POOL_PATH": str(where)})
    assert str(where) in str(refused.value) and "VIVIER_POOL" in str(refused.value)
    assert "vivier pool import" in str(refused.value) and "vivier pool load-sample" in str(refused.value)
    assert not (tmp_path / "typo").exists()
    with config.open_store({"POOL_PATH": str(where)}, create=True) as store:  # what import / load-sample do
        assert store.count() == 0
    assert where.is_file()


@pytest.mark.parametrize("args", [
    ("pool", "erase", EMAIL, "--yes"),
    ("pool", "purge"),
    ("pool", "export", EMAIL),
    ("pool", "backup", "BACKUP"),
    ("pool", "renewals"),
    ("audience", "list"),
    ("report", "kpis"),
    ("daily",),
])
def test_cli_commands_refuse_a_missing_store_with_one_clear_error_and_create_nothing(tmp_path, args):
    where = tmp_path / "typo" / "pool.sqlite3"
    args = [str(tmp_path / "backups" / "b.sqlite3") if arg == "BACKUP" else arg for arg in args]
    result = cli({"VIVIER_POOL": str(where), "VIVIER_OUTBOX": str(tmp_path / "outbox")}, *args)
    assert result.exit_code != 0, result.output
    assert f"{where}: no member store there" in result.output
    assert "VIVIER_POOL" in result.output and "vivier pool import" in result.output
    assert "Traceback" not in result.output
    assert not where.exists() and not (tmp_path / "typo").exists()


def test_pool_restore_still_creates_the_store(tmp_path):
    where = tmp_path / "new" / "pool.sqlite3"
    result = cli({"VIVIER_POOL": str(where)}, "pool", "restore", "--yes", str(tmp_path / "nothing.sqlite3"))
    assert result.exit_code != 0 and not where.exists()  # a restore of no file creates nothing either
    pool_with_lea(tmp_path / "b.sqlite3")
    restored = cli({"VIVIER_POOL": str(where)}, "pool", "restore", "--yes", str(tmp_path / "b.sqlite3"))
    assert restored.exit_code == 0, restored.output
    assert "2 member(s)" in restored.output and where.is_file()


def test_web_app_answers_503_and_records_nothing_when_the_store_is_missing(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("VIVIER_SECRET", SECRET)
    settings = load_settings(ROOT / "pelicanconf.py")
    where = tmp_path / "vlmissing" / "pool.sqlite3"
    settings["POOL_PATH"] = str(where)
    token = Signer(SECRET.encode()).make("unsubscribe", "m-lea", "2026-11-talents")
    with running(create_app(settings)) as base:
        answer = httpx.post(f"{base}/desabonnement", params={"t": token}, data=ONE_CLICK)
        health = httpx.get(f"{base}/healthz")
    assert answer.status_code == 503
    assert "Demande non enregistrée" in answer.text and "enregistré" not in answer.text.replace("non enregistrée", "")
    assert health.status_code == 503
    assert not (tmp_path / "vlmissing").exists()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert str(where) in logged and "VIVIER_POOL" in logged


@pytest.mark.skipif(not os.path.exists(GUNICORN), reason="gunicorn is a dependency: make test-deps installs it")
def test_gunicorn_with_a_missing_store_never_confirms_an_unsubscribe(tmp_path):
    where = tmp_path / "vlmissing" / "pool.sqlite3"
    token = Signer(SECRET.encode()).make("unsubscribe", "m-lea", "2026-11-talents")
    log = tmp_path / "gunicorn.log"
    with gunicorn({"VIVIER_POOL": str(where), "VIVIER_SECRET": SECRET}, log) as base:
        answer = httpx.post(f"{base}/desabonnement", params={"t": token}, data=ONE_CLICK)
        health = httpx.get(f"{base}/healthz")
    assert answer.status_code == 503 and "Demande non enregistrée" in answer.text
    assert health.status_code == 503
    assert not (tmp_path / "vlmissing").exists()
    text = log.read_text()
    assert f"{where}: no member store there" in text and "Traceback" not in text


# --- 2. an interrupted backup or export leaves a copy; erasure and the next backup remove it ------------------

CRASH = """
import datetime as dt, os, signal, sys
from pathlib import Path
from talentpool.store import Store

def killed(*args, **kwargs):  # the process dies just before the rename, as with kill -9
    os.kill(os.getpid(), signal.SIGKILL)

what, store_path, target = sys.argv[1:4]
with Store(store_path) as store:  # the store exists
    os.replace = killed
    if what == "backup":
        from talentpool.backup import backup
        backup(store, target, dt.date(2026, 11, 22))
    else:
        from talentpool.privacy import remember_file
        from talentpool.private import write_private
        remember_file(store, target, "export", dt.date(2026, 11, 22))
        write_private(target, store.find_by_email(sys.argv[4]).to_dict().__repr__())
"""


def crash_while_writing(what: str, store: Path, target: Path) -> None:
    done = subprocess.run([sys.executable, "-c", CRASH, what, str(store), str(target), EMAIL],
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT / "plugins")}, capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_erasure_removes_the_copies_left_by_a_killed_backup_and_export(tmp_path):
    private = tmp_path / "srv"
    store = private / "pool.sqlite3"
    pool_with_lea(store)
    env = {"VIVIER_POOL": str(store), "VIVIER_OUTBOX": str(private / "outbox")}
    assert cli(env, "pool", "backup", str(private / "backups" / "pool-mon.sqlite3")).exit_code == 0
    crash_while_writing("backup", store, private / "backups" / "pool-tue.sqlite3")
    crash_while_writing("export", store, private / "exports" / "lea.json")
    leftovers = sorted(p.name for p in everything_under(private) if p.name.endswith(".tmp"))
    assert [name.split(".")[1] for name in leftovers] == ["lea", "pool-tue"]  # full copies, as a crash leaves them
    assert len(holding(private, EMAIL)) == 4  # the store, the backup and both leftovers

    result = cli(env, "pool", "erase", EMAIL, "--yes")
    assert result.exit_code == 0, result.output
    assert holding(private, EMAIL) == []  # not one byte of the address anywhere under the private area
    assert not any(p.name.endswith(".tmp") for p in everything_under(private))
    assert "unfinished copy of the backup" in result.output and "unfinished copy of the export" in result.output
    assert f"the backup {private / 'backups' / 'pool-tue.sqlite3'} noted in the store is missing" in result.output
    assert f"erased from the backup {private / 'backups' / 'pool-mon.sqlite3'}" in result.output


def test_a_backup_removes_the_leftover_of_an_interrupted_backup_of_the_same_file(tmp_path):
    store = tmp_path / "srv" / "pool.sqlite3"
    pool_with_lea(store)
    target = tmp_path / "srv" / "backups" / "pool-mon.sqlite3"
    crash_while_writing("backup", store, target)
    assert len(list(target.parent.glob(".pool-mon.sqlite3.*.tmp"))) == 1
    result = cli({"VIVIER_POOL": str(store)}, "pool", "backup", str(target))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.parent.iterdir()) == ["pool-mon.sqlite3"]


# --- 3. a file that cannot be written is named and explained; no restore is suggested --------------------------


def test_erase_with_a_read_only_backup_says_what_was_erased_and_that_it_is_incomplete(tmp_path):
    private = tmp_path / "srv"
    store = private / "pool.sqlite3"
    pool_with_lea(store)
    env = {"VIVIER_POOL": str(store), "VIVIER_OUTBOX": str(private / "outbox")}
    first, locked = private / "backups" / "pool-mon.sqlite3", private / "backups" / "pool-tue.sqlite3"
    for target in (first, locked):
        assert cli(env, "pool", "backup", str(target)).exit_code == 0
    with immutable(locked):
        result = cli(env, "pool", "erase", EMAIL, "--yes")
        assert result.exit_code == 1
        assert f"erased {EMAIL} (member m-lea)" in result.output and f"erased from the backup {first}" in result.output
        assert "erasure of lea.garnier@example.org is INCOMPLETE" in result.output
        assert f"{locked}: cannot write to this backup" in result.output and "read-only" in result.output
        assert "VIVIER_POOL" not in result.output and "pool restore" not in result.output
        assert f"run `vivier pool erase {EMAIL} --yes` again" in result.output
        assert holding(private, EMAIL) == [locked]
    finished = cli(env, "pool", "erase", EMAIL, "--yes")
    assert finished.exit_code == 0, finished.output
    assert f"erased from the backup {locked}" in finished.output
    assert holding(private, EMAIL) == []


def test_a_read_only_store_is_a_permission_problem_not_a_restore(tmp_path, monkeypatch):
    store = tmp_path / "srv" / "pool.sqlite3"
    pool_with_lea(store)
    monkeypatch.setenv("VIVIER_SECRET", SECRET)
    settings = load_settings(ROOT / "pelicanconf.py")
    settings["POOL_PATH"] = str(store)
    token = Signer(SECRET.encode()).make("unsubscribe", "m-lea", "2026-11-talents")
    with immutable(store):
        with pytest.raises(StoreNotWritable) as refused:
            with Store(store, create=False) as opened:
                opened.unsubscribe("m-lea", TODAY)
        assert str(store) in str(refused.value) and "owner and mode" in str(refused.value)
        assert "pool restore" not in str(refused.value).replace("do not restore", "")
        result = cli({"VIVIER_POOL": str(store)}, "pool", "erase", EMAIL, "--yes")
        assert result.exit_code == 1 and f"{store}: cannot write to this member store" in result.output
        assert "`vivier pool restore" not in result.output
        with running(create_app(settings)) as base:
            answer = httpx.post(f"{base}/desabonnement", params={"t": token}, data=ONE_CLICK)
        assert answer.status_code == 503 and "Demande non enregistrée" in answer.text
    with Store(store, create=False) as opened:
        assert opened.get("m-lea").unsubscribed is None and opened.get("m-lea") is not None


def test_a_damaged_store_still_points_at_the_setting_and_a_restore(tmp_path):
    store = tmp_path / "pool.sqlite3"
    store.write_bytes(b"this is not a database, just some bytes " * 200)
    result = cli({"VIVIER_POOL": str(store)}, "pool", "purge")
    assert result.exit_code == 1
    assert f"{store}: not a usable member store" in result.output and "damaged" in result.output
    assert "VIVIER_POOL" in result.output and "vivier pool restore BACKUP" in result.output


def test_a_build_without_a_store_builds_the_site_plans_no_mail_and_creates_no_store(tmp_path):
    # An editor's or a CI build with no pool (or a mistyped VIVIER_POOL): the pages are published, no
    # mail is planned to an empty pool, nothing is created, an earlier outbox is left as it is, and it says so.
    from tests.conftest import run_pelican

    where = tmp_path / "typo" / "pool.sqlite3"
    outbox = tmp_path / "outbox"
    earlier = outbox / "2026-11-old-plan"
    earlier.mkdir(parents=True)
    (earlier / "plan.json").write_text('{"plan_id": "2026-11-old-plan", "message_kind": "newsletter", "format": 2}')
    result = run_pelican(ROOT / "content", tmp_path / "output",
                         env={"VIVIER_POOL": str(where), "VIVIER_OUTBOX": str(outbox), "VIVIER_MAIL_PLANNING": "on"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "output" / "index.html").is_file()
    assert "no member store here: no mail was planned" in result.stdout + result.stderr
    assert not where.exists() and not (tmp_path / "typo").exists()
    assert sorted(p.name for p in outbox.iterdir()) == ["2026-11-old-plan"]  # nothing planned, nothing withdrawn
    assert not (earlier / "withdrawn.json").exists()


def test_an_import_dry_run_never_creates_a_store(tmp_path):
    header = ("Email;First name;Last name;Language;City;Country;Tags;Department;Job;Stage;Source;Created at;"
              "Last reply at;Stage changed at;Newsletter consent;Job alert consent;Unsubscribed at")
    export = tmp_path / "export.csv"
    export.write_text(header + "\nnoemie.vasseur@example.org;Noémie;Vasseur;Français;Lyon;France;;;;Talent pool;"
                      "Career site;2026-05-02;;;;;\n", encoding="utf-8")
    where = tmp_path / "typo" / "pool.sqlite3"
    result = cli({"VIVIER_POOL": str(where)}, "pool", "import", str(export), "--mapping", "teamtailor", "--dry-run")
    assert result.exit_code == 1, result.output
    assert "a dry run compares the file with an existing store and creates nothing" in result.output
    assert not where.exists() and not (tmp_path / "typo").exists()
    created = cli({"VIVIER_POOL": str(where)}, "pool", "import", str(export), "--mapping", "teamtailor")
    assert created.exit_code == 0 and where.exists(), created.output  # the real import creates it


def test_without_vivier_pool_every_command_uses_the_sample_store_where_make_site_put_it(tmp_path, monkeypatch):
    from talentpool import config

    monkeypatch.delenv("VIVIER_POOL", raising=False)
    monkeypatch.setenv("VIVIER_SAMPLE_POOL", str(tmp_path / "s2" / "pool.sqlite3"))
    settings = {"PROJECT_ROOT": str(tmp_path)}
    assert config.path(settings, "POOL_PATH") == config.sample_path(settings) == tmp_path / "s2" / "pool.sqlite3"
    monkeypatch.setenv("VIVIER_POOL", str(tmp_path / "real.sqlite3"))  # a real store is chosen explicitly
    assert config.path(settings, "POOL_PATH") == tmp_path / "real.sqlite3"
    assert config.path({**settings, "POOL_PATH": "x.sqlite3"}, "POOL_PATH") == tmp_path / "x.sqlite3"
