"""The private area on a real `make site`: a real store is never touched, the sample store is, and an
erasure leaves no byte of the person anywhere (store with its WAL, outbox, exports, backups)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from talentpool.sample import is_sample_store
from talentpool.store import Store
from tests.conftest import ROOT, TODAY, settings_file
from tests.talentpool.conftest import DATA

pytestmark = pytest.mark.slow


def rows(path: Path) -> list[str]:
    """Every row of every table, as SQL text (what the store holds, byte for byte)."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def vivier(env: dict, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vivier", "-s", env["CONF"], *args], cwd=ROOT, env=env, input=input,
                          capture_output=True, text=True, timeout=300)


def make_site(env: dict, base: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "site", f"CONF={env['CONF']}", f"OUTPUT={base / 'output'}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def area(tmp_path_factory):
    """A real store (two imported people) and its outbox, then `make site` with VIVIER_POOL pointing at it."""
    base = tmp_path_factory.mktemp("private-area")
    env = {**os.environ, "VIVIER_TODAY": TODAY, "COLUMNS": "200", "CONF": str(settings_file(base, ROOT / "content")),
           "VIVIER_POOL": str(base / "real" / "pool.sqlite3"), "VIVIER_OUTBOX": str(base / "real" / "outbox"),
           "VIVIER_SAMPLE_POOL": str(base / "sample" / "pool.sqlite3")}
    imported = vivier(env, "pool", "import", str(DATA / "teamtailor.csv"), "--mapping", "teamtailor")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    marker = base / "real" / "outbox" / "2026-11-real-campaign" / "manifest.jsonl"
    marker.parent.mkdir(parents=True)
    marker.write_text('{"member": "m-real"}\n', encoding="utf-8")
    before = rows(base / "real" / "pool.sqlite3"), tree(base / "real" / "outbox")
    built = make_site(env, base)
    assert built.returncode == 0, built.stdout + built.stderr
    return base, env, before, built


def test_make_site_keeps_a_real_store_and_its_outbox_exactly(area):
    base, env, (store_rows, outbox_files), built = area
    assert rows(base / "real" / "pool.sqlite3") == store_rows
    assert tree(base / "real" / "outbox") == outbox_files
    assert f"VIVIER_POOL={base / 'real' / 'pool.sqlite3'} is not a sample store; it is left untouched" in built.stderr
    # The sample was built instead, from its own marked store, and its newsletters were planned.
    with Store(base / "sample" / "pool.sqlite3") as sample:
        assert is_sample_store(sample) and sample.count() == 320
    manifest = base / "sample" / "sample-outbox" / "2026-12-data-cloud" / "manifest.jsonl"
    assert len(manifest.read_text(encoding="utf-8").splitlines()) > 10


def test_the_sample_is_never_loaded_into_a_real_store(area):
    base, env, (store_rows, _), _ = area
    refused = vivier(env, "pool", "load-sample")
    assert refused.returncode == 1
    assert "is a real talent pool" in refused.stderr and "never loaded into it" in refused.stderr
    assert rows(base / "real" / "pool.sqlite3") == store_rows
    # Nor a real export into the sample store.
    sample_env = {**env, "VIVIER_POOL": env["VIVIER_SAMPLE_POOL"]}
    wrong = vivier(sample_env, "pool", "import", str(DATA / "teamtailor.csv"), "--mapping", "teamtailor")
    assert wrong.returncode == 1 and "fictional sample store" in wrong.stderr


def test_private_files_are_0600_in_0700_folders(area):
    base, env, _, _ = area
    with Store(base / "sample" / "pool.sqlite3"), Store(base / "real" / "pool.sqlite3"):  # -wal and -shm exist while open
        written = [base / "sample", *(base / "sample").rglob("*"), base / "real", *(base / "real").glob("pool.sqlite3*")]
        modes = {path: stat.S_IMODE(path.stat().st_mode) for path in written}
    assert {p.name for p in written} >= {"pool.sqlite3", "pool.sqlite3-wal", "pool.sqlite3-shm", "sample-outbox", "previews"}
    assert len(written) > 50
    # (the real outbox was written by this test, not by Vivier)
    assert {str(p): oct(m) for p, m in modes.items() if m != (0o700 if p.is_dir() else 0o600)} == {}


def test_a_purge_is_not_undone_by_a_rebuild(area):
    base, env, _, _ = area
    sample_env = {**env, "VIVIER_POOL": env["VIVIER_SAMPLE_POOL"], "VIVIER_OUTBOX": str(base / "sample" / "sample-outbox")}
    with Store(base / "sample" / "pool.sqlite3") as sample:
        before = {m.id for m in sample.iter_members()}

    def outbox_text() -> str:
        return "".join(p.read_text(encoding="utf-8", errors="replace") + p.name
                       for p in (base / "sample" / "sample-outbox").rglob("*") if p.is_file())

    planned = outbox_text()
    # A year on, members planned today are past retention too.
    purged = vivier(sample_env, "pool", "purge", "--today", "2027-12-01")
    assert purged.returncode == 0, purged.stderr
    with Store(base / "sample" / "pool.sqlite3") as sample:
        left = sample.count()
        gone = before - {m.id for m in sample.iter_members()}
    assert left < 320 and len(gone) == 320 - left
    # Nor does the outbox keep them until some later build.
    assert len([member_id for member_id in gone if member_id in planned]) >= 1
    assert "file(s) about them removed or rewritten" in purged.stdout
    assert [member_id for member_id in gone if member_id in outbox_text()] == []
    rebuilt = make_site(sample_env, base)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "already loaded, nothing changed" in rebuilt.stdout
    with Store(base / "sample" / "pool.sqlite3") as sample:
        assert sample.count() == left


def test_an_erasure_leaves_no_byte_of_the_person_in_the_private_area(area):
    base, env, _, _ = area
    sample_env = {**env, "VIVIER_POOL": env["VIVIER_SAMPLE_POOL"], "VIVIER_OUTBOX": str(base / "sample" / "sample-outbox")}
    outbox = base / "sample" / "sample-outbox"
    previews = sorted((outbox / "2026-12-data-cloud" / "previews").glob("*.eml"))
    member_id = previews[0].stem
    with Store(base / "sample" / "pool.sqlite3") as sample:
        member = sample.get(member_id)
    planned = [p for p in outbox.rglob("manifest.jsonl") if member_id in p.read_text(encoding="utf-8")]
    assert planned and member is not None
    exported = vivier(sample_env, "pool", "export", member.email, "-o", str(base / "exports" / "access-request.json"))
    assert exported.returncode == 0, exported.stderr
    backed = vivier(sample_env, "pool", "backup", str(base / "backups" / "daily.sqlite3"))
    assert backed.returncode == 0, backed.stderr
    needles = [member.email.lower().encode(), member_id.encode(), f"{member.first_name} {member.last_name}".lower().encode()]

    def holding() -> list[str]:
        return sorted(p.relative_to(base).as_posix() for p in base.rglob("*")
                      if p.is_file() and any(n in p.read_bytes().lower() for n in needles))

    assert {"exports/access-request.json", "backups/daily.sqlite3"} <= set(holding())
    erased = vivier(sample_env, "pool", "erase", member.email, "--yes")
    assert erased.returncode == 0, erased.stderr
    assert f"removed 2026-12-data-cloud/previews/{member_id}.eml" in erased.stdout
    for manifest in planned:
        assert f"{manifest.relative_to(outbox).as_posix()}: 1 line(s) removed" in erased.stdout
    assert "removed the export" in erased.stdout and "erased from the backup" in erased.stdout
    assert holding() == []
    # The plans still hold everyone else, and stay readable.
    for manifest in planned:
        lines = manifest.read_text(encoding="utf-8").splitlines()
        assert lines and all(json.loads(line)["member"] != member_id for line in lines)
