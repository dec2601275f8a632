"""Compiled variants a rebuild leaves alone (`mailing.plan.kept`): never stale, written again on any change.

Unit tests write variants twice through `write_all_compiled` with a `Kept`
record, counting the real encodings; then real Pelican builds into one outbox
with the cache on: after an edit no email shows, the compiled files are not
written again, and after an edit every card shows, the outbox equals the one a
build without any cache writes.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from mailing.plan import kept as kept_module
from mailing.plan.compiled import CompiledEncoder, write_all_compiled
from mailing.plan.kept import Kept
from tests.conftest import copy_content, run_pelican
from tests.mailing.test_mail_memo import outbox_files, sample_pool  # noqa: F401 (a fixture)
from tests.mailing.fixtures import plain_cards
from tests.mailing.test_mail_rebuild_fast import _variants


class Encodings:
    """Counts the variants really encoded (`CompiledEncoder.chunks`)."""

    def __init__(self, monkeypatch):
        self.calls = 0
        real = CompiledEncoder.chunks

        def counted(encoder, compiled):
            self.calls += 1
            return real(encoder, compiled)

        monkeypatch.setattr(CompiledEncoder, "chunks", counted)


def write(folder: Path, variants, record: Path) -> Kept:
    kept = Kept(record)
    write_all_compiled(folder, variants, kept)
    kept.save()
    return kept


def json_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((folder / "compiled").glob("*.json"))}


def expected(variants) -> dict[str, bytes]:
    return {f"{c.key}.json": json.dumps(c.to_json(), ensure_ascii=False).encode("utf-8") for c in variants}


def test_an_unchanged_variant_is_not_encoded_again_and_its_file_is_left_alone(tmp_path, monkeypatch):
    variants, record = _variants(), tmp_path / "cache" / "record.json"
    write(tmp_path, variants, record)
    assert json_files(tmp_path) == expected(variants)
    stats = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (tmp_path / "compiled").glob("*.json")}
    encodings = Encodings(monkeypatch)
    write(tmp_path, _variants(), record)  # the next build: equal variants, other objects
    assert encodings.calls == 0
    assert {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (tmp_path / "compiled").glob("*.json")} == stats
    assert json_files(tmp_path) == expected(variants)
    assert oct(record.stat().st_mode & 0o777) == "0o600"
    assert "@" not in record.read_text(encoding="utf-8")  # digests and paths, nothing of a member


def _edit_card(variants):
    plain_cards(*variants)
    card = variants[0].html.regions["matched"].items[2]
    card[0] = card[0].replace("<", "<!-- edited -->", 1)  # the list every segment of the language shares


def _other_candidate(variants):
    variants[1].candidates = [dataclasses.replace(variants[1].candidates[0], title="Un autre titre")] + variants[1].candidates[1:]


@pytest.mark.parametrize("change", [
    _edit_card,
    lambda v: setattr(v[0], "subject", v[0].subject + " !"),
    lambda v: setattr(v[0], "strings", {**v[0].strings, "greeting": "Salut,"}),
    lambda v: setattr(v[0], "archive_url", v[0].archive_url + "?v=2"),
    lambda v: setattr(v[0], "if_nothing", "skip"),
    lambda v: v[0].text.body.__setitem__(0, v[0].text.body[0] + " "),
    lambda v: v[0].html.regions["matched"].prefix.append("<hr>"),
    _other_candidate,
], ids=["card", "subject", "strings", "archive", "if_nothing", "text", "prefix", "candidate"])
def test_any_change_of_what_the_file_holds_writes_it_again(tmp_path, monkeypatch, change):
    record = tmp_path / "record.json"
    write(tmp_path, _variants(), record)
    variants = _variants()
    change(variants)
    encodings = Encodings(monkeypatch)
    write(tmp_path, variants, record)
    assert encodings.calls >= 1
    assert json_files(tmp_path) == expected(variants)
    assert json_files(tmp_path) != expected(_variants())  # the change is one the file shows


@pytest.mark.parametrize("touch", ["bytes", "mtime", "mode", "deleted", "symlink"])
def test_a_file_touched_since_it_was_written_is_written_again(tmp_path, monkeypatch, touch):
    variants, record = _variants(), tmp_path / "record.json"
    write(tmp_path, variants, record)
    path = tmp_path / "compiled" / f"{variants[0].key}.json"
    if touch == "bytes":
        path.write_bytes(path.read_bytes() + b" ")
    elif touch == "mtime":
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**9))
    elif touch == "mode":
        path.chmod(0o644)
    elif touch == "deleted":
        path.unlink()
    else:
        target = tmp_path / "elsewhere.json"
        shutil.copy(path, target)
        path.unlink()
        path.symlink_to(target)
    encodings = Encodings(monkeypatch)
    write(tmp_path, _variants(), record)
    assert encodings.calls == 1
    assert json_files(tmp_path) == expected(variants)
    assert not path.is_symlink() and oct(path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": "another", "files": {}}', b'[1, 2]',
                                    b'{"format": "vivier-compiled-kept-1", "files": {"x": [1, 2]}}'])
def test_a_damaged_record_is_ignored_and_every_variant_written(tmp_path, monkeypatch, damage):
    variants, record = _variants(), tmp_path / "record.json"
    write(tmp_path, variants, record)
    record.write_bytes(damage)
    for path in (tmp_path / "compiled").glob("*.json"):
        path.write_bytes(b"{}")
        os.utime(path, ns=(0, 0))
    encodings = Encodings(monkeypatch)
    write(tmp_path, _variants(), record)
    assert encodings.calls == len(variants)
    assert json_files(tmp_path) == expected(variants)


def test_other_code_writes_every_variant_again(tmp_path, monkeypatch):
    variants, record = _variants(), tmp_path / "record.json"
    write(tmp_path, variants, record)
    monkeypatch.setattr("mailing.memo.code_fingerprint", lambda: "another encoder")
    encodings = Encodings(monkeypatch)
    write(tmp_path, _variants(), record)
    assert encodings.calls == len(variants)


def test_a_piece_that_is_not_text_is_written_the_long_way(tmp_path, monkeypatch):
    record = tmp_path / "record.json"
    variants = _variants()
    odd = plain_cards(copy.deepcopy(variants[0]))
    odd.html.regions["matched"].items[0] = [b"bytes are not text"]
    kept = Kept(record)
    assert kept.key(odd, b"[]") is None
    assert kept.key(variants[0], b"[]") is not None


def test_with_the_cache_off_nothing_is_recorded(tmp_path):
    assert Kept.for_settings({"CACHE_PATH": str(tmp_path), "LOAD_CONTENT_CACHE": False, "CACHE_CONTENT": False}) is None
    read_only = Kept.for_settings({"CACHE_PATH": str(tmp_path), "LOAD_CONTENT_CACHE": True, "CACHE_CONTENT": False})
    write_all_compiled(tmp_path / "plan", _variants(), read_only)
    read_only.save()
    assert not (tmp_path / kept_module.RECORD).exists()


# --- Real builds into one outbox --------------------------------------------------------------------


def build(tmp_path: Path, content: Path, pool: Path, name: str, *, cache: Path | None) -> Path:
    """A build into `tmp_path/name/outbox`, over that folder's own copy of the pool: the same name
    builds again in place, as an editor's next build does (store and outbox as the last build left them)."""
    work = tmp_path / name
    work.mkdir(exist_ok=True)
    if not (work / "pool.sqlite3").exists():
        shutil.copy(pool, work / "pool.sqlite3")
    extra = ("-e", "LOAD_CONTENT_CACHE=true", "CACHE_CONTENT=true", f'CACHE_PATH="{cache}"') if cache else ()
    env = {"VIVIER_POOL": str(work / "pool.sqlite3"), "VIVIER_OUTBOX": str(work / "outbox"), "VIVIER_SECRET": "memo-test"}
    result = run_pelican(content, work / "output", *extra, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return work / "outbox"


def compiled_stats(outbox: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(outbox).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in outbox.glob("*/compiled/*.json")}


def test_rebuilds_in_place_leave_unchanged_variants_and_equal_rebuilds_without_a_cache(tmp_path, sample_pool):  # noqa: F811
    """The same builds, edits between them, in two places: with the cache, and without any (every variant
    encoded and compared each time). The outboxes are equal after each build."""
    content = copy_content(tmp_path)
    cache = tmp_path / "cache"

    def both() -> Path:
        cached = build(tmp_path, content, sample_pool, "cached", cache=cache)
        assert outbox_files(cached) == outbox_files(build(tmp_path, content, sample_pool, "plain", cache=None))
        return cached

    outbox = both()
    before = compiled_stats(outbox)
    assert len(before) >= 10

    # An edit no email shows (a sentence in a job ad's body): no compiled variant is written again.
    job_file = content / "jobs" / "data-scientist-lyon.md"
    job_file.write_text(job_file.read_text(encoding="utf-8") + "\nUne phrase du corps de l'annonce.\n", encoding="utf-8")
    both()
    assert compiled_stats(outbox) == before

    # The title of a job every campaign offers: every French variant is written again (the English ones
    # show the ad's English version, which did not change, and are left alone).
    text = job_file.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("Title: "))
    job_file.write_text(text.replace(title, "Title: Scientifique des données (titre modifié)", 1), encoding="utf-8")
    both()
    after = compiled_stats(outbox)
    rewritten = {name for name in before if after.get(name) != before[name]}
    assert {name for name in before if name.startswith("2026-12-data-cloud/") and ".fr." in name} <= rewritten
    assert not any(".en." in name for name in rewritten)
    assert "Scientifique des données (titre modifié)".encode() in b"".join(
        p.read_bytes() for p in outbox.glob("2026-12-data-cloud/compiled/*.json"))
