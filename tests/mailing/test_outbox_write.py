"""The outbox's atomic writer leaves a file alone when its bytes did not change."""

from __future__ import annotations

import os

from mailing.plan.compiled import write_file as _write

OLD = 1_000_000_000


def test_unchanged_bytes_are_not_written_again_in_any_form(tmp_path):
    path = tmp_path / "campaign" / "compiled" / "fr.a.json"
    assert _write(path, '{"é": 1}') is True
    os.utime(path, (OLD, OLD))
    assert _write(path, '{"é": 1}') is False
    assert _write(path, '{"é": 1}'.encode("utf-8")) is False
    assert _write(path, [b'{"\xc3\xa9"', b": 1}"]) is False
    assert path.stat().st_mtime == OLD
    assert _write(path, [b'{"\xc3\xa9"', b": 2}"]) is True
    assert path.read_bytes() == '{"é": 2}'.encode("utf-8")
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_a_rebuild_keeps_unchanged_variants_and_removes_those_the_campaign_dropped(tmp_path, site, private_paths):
    import re
    import shutil

    from tests.conftest import copy_content, run_pelican

    content = copy_content(tmp_path)
    shutil.copy(os.environ["VIVIER_POOL"], tmp_path / "pool.sqlite3")
    env = {"VIVIER_POOL": str(tmp_path / "pool.sqlite3"), "VIVIER_OUTBOX": str(tmp_path / "outbox")}
    assert run_pelican(content, tmp_path / "out", env=env).returncode == 0
    compiled = tmp_path / "outbox" / "2026-12-data-cloud" / "compiled"
    before = sorted(p.name for p in compiled.iterdir())
    assert any(".b." in name for name in before)
    for path in compiled.iterdir():
        os.utime(path, (OLD, OLD))
    assert run_pelican(content, tmp_path / "out", env=env).returncode == 0  # nothing changed
    assert sorted(p.name for p in compiled.iterdir()) == before
    assert all(p.stat().st_mtime == OLD for p in compiled.iterdir())
    for campaign in (content / "newsletters").rglob("2026-12-data-cloud.md"):  # no more A/B test
        text = campaign.read_text(encoding="utf-8")
        campaign.write_text(re.sub(r"^Subject_B: .*\n", "", text, flags=re.M | re.I), encoding="utf-8")
    result = run_pelican(content, tmp_path / "out", env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    after = sorted(p.name for p in compiled.iterdir())
    assert after == [name for name in before if ".b." not in name]
