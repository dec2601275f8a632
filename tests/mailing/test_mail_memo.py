"""The mail memo (`mailing.memo`): what it remembers is what the uncached steps compute, and never stale.

Unit tests on the two remembered steps (MJML compilation, quality gates),
then real Pelican builds with the cache on: a second build writes the same
outbox as the first, and an edited campaign or job card shows in the next
cached build exactly as in a build without any cache.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mailing import gates, memo, pipeline
from mailing.pipeline import compile_mjml

from tests.conftest import ROOT, TODAY, copy_content, run_pelican
from tests.mailing.fixtures import campaign, compiled_sample, plain_cards, settings, theme
from tests.mailing.test_card_prototypes import many_jobs, tricky_jobs, view_for

MJML = (ROOT / "theme" / "mail")


def cached_settings(tmp_path: Path, *, read=True, write=True, theme_path: Path | None = None, **extra) -> dict:
    """The fixture settings of a build with Pelican's cache in `tmp_path/cache` (a new dict: a new build)."""
    values = settings()
    values.update(CACHE_PATH=str(tmp_path / "cache"), LOAD_CONTENT_CACHE=read, CACHE_CONTENT=write,
                  PROJECT_ROOT=str(ROOT), THEME=str(ROOT / "theme"))
    if theme_path is not None:
        values["MAILING_THEME"] = str(theme_path)
    values.update(extra)
    return values


def entries(tmp_path: Path) -> dict[str, bytes]:
    folder = tmp_path / "cache" / memo.FOLDER
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


def mjml_source(**campaign_values) -> str:
    t = theme()
    view = view_for(tricky_jobs() + many_jobs(5))
    view.update(campaign_values)
    return pipeline.normalise_newlines(t.render_mjml("newsletter.mjml", view))


class Counting:
    """Counts the real (uncached) computations of a step."""

    def __init__(self, monkeypatch, module, name):
        self.calls = 0
        real = getattr(module, name)

        def counted(*args, **kwargs):
            self.calls += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)


# --- MJML compilation ----------------------------------------------------------------------------


def test_compiled_mjml_from_the_memo_equals_the_uncached_compilation(tmp_path, monkeypatch):
    source = mjml_source()
    expected = compile_mjml(source)
    counting = Counting(monkeypatch, pipeline, "_compile_mjml")
    first = memo.for_settings(cached_settings(tmp_path))
    assert compile_mjml(source, first) == expected and counting.calls == 1
    assert len(entries(tmp_path)) == 1
    again = memo.for_settings(cached_settings(tmp_path))  # the next build: read from disk
    assert again is not first
    assert compile_mjml(source, again) == expected and counting.calls == 1
    assert again.hits == 1


def test_a_broken_template_keeps_its_problems_through_the_memo(tmp_path):
    source = mjml_source().replace("<mj-body", '<mj-body colour="red"', 1)  # an attribute MJML does not know
    expected = compile_mjml(source)
    assert expected[1], "the structure check must report the unknown attribute"
    compile_mjml(source, memo.for_settings(cached_settings(tmp_path)))
    assert compile_mjml(source, memo.for_settings(cached_settings(tmp_path))) == expected


def test_another_template_text_is_compiled_again(tmp_path, monkeypatch):
    counting = Counting(monkeypatch, pipeline, "_compile_mjml")
    one, other = mjml_source(), mjml_source(subject="Un autre objet pour la même campagne")
    assert one != other
    compile_mjml(one, memo.for_settings(cached_settings(tmp_path)))
    assert compile_mjml(other, memo.for_settings(cached_settings(tmp_path))) == compile_mjml(other)
    assert counting.calls == 3  # one, other, and other uncached: never one's answer for other


def test_a_changed_theme_file_or_code_changes_every_key(tmp_path, monkeypatch):
    mail_theme = tmp_path / "mail"
    shutil.copytree(MJML, mail_theme)
    counting = Counting(monkeypatch, pipeline, "_compile_mjml")
    source = mjml_source()
    compile_mjml(source, memo.for_settings(cached_settings(tmp_path, theme_path=mail_theme)))
    compile_mjml(source, memo.for_settings(cached_settings(tmp_path, theme_path=mail_theme)))
    assert counting.calls == 1
    strings = mail_theme / "strings" / "fr.yml"
    strings.write_text(strings.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    compile_mjml(source, memo.for_settings(cached_settings(tmp_path, theme_path=mail_theme)))
    assert counting.calls == 2  # any theme file is part of every key

    package = tmp_path / "package"
    shutil.copytree(Path(pipeline.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = memo.code_fingerprint(str(package))
    assert before == memo.code_fingerprint(str(package))
    (package / "gates.py").write_text((package / "gates.py").read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    memo.code_fingerprint.cache_clear()
    assert memo.code_fingerprint(str(package)) != before
    folder = tmp_path / "cache" / memo.FOLDER
    compile_mjml(source, memo.Memo(folder, salt="code A"))
    compile_mjml(source, memo.Memo(folder, salt="code A"))
    assert counting.calls == 3
    compile_mjml(source, memo.Memo(folder, salt="code B"))
    assert counting.calls == 4


def test_the_code_fingerprint_covers_the_package_mjml_and_python():
    fingerprint = memo.code_fingerprint()
    assert fingerprint == memo.code_fingerprint() and len(fingerprint) == 64
    import mjml
    from importlib.metadata import version

    assert version("mjml-python") and mjml.__file__  # read by _mjml_fingerprint
    assert "mjml unavailable" not in memo._mjml_fingerprint()


# --- Quality gates -------------------------------------------------------------------------------


def _bad_card(compiled):
    """The variant with its second filled card edited in place (the same list object) to link over http."""
    card = plain_cards(compiled).html.regions["matched"].items[1]
    card[0] = card[0].replace('href="https://', 'href="http://carrieres.cardamome.example/x/" data-x="https://', 1)
    return compiled


def test_the_gates_from_the_memo_equal_the_uncached_gates(tmp_path, monkeypatch):
    good, _ = compiled_sample()
    bad = _bad_card(compiled_sample(segment="nantes")[0])
    expected_good, expected_bad = gates.check(good, settings()), gates.check(bad, settings())
    assert expected_good == [] and any("is not an absolute https:// link" in p for p in expected_bad)
    counting = Counting(monkeypatch, gates, "_check")
    for _ in range(2):
        cache = memo.for_settings(cached_settings(tmp_path))
        assert gates.check(good, cached_settings(tmp_path)) == expected_good
        assert gates.check(bad, cached_settings(tmp_path)) == expected_bad
    assert counting.calls == 2  # the second build read both answers


def test_a_card_edited_in_place_is_checked_again(tmp_path):
    compiled, _ = compiled_sample()
    assert gates.check(compiled, cached_settings(tmp_path)) == []
    assert gates.check(compiled, cached_settings(tmp_path)) == []  # remembered
    _bad_card(compiled)  # the very same lists, one piece changed
    problems = gates.check(compiled, cached_settings(tmp_path))
    assert any("is not an absolute https:// link" in p for p in problems)
    assert problems == gates.check(compiled, settings())


@pytest.mark.parametrize("change", ["subject", "preheader", "lang", "matches", "problems", "region", "body", "text"])
def test_any_part_the_gates_read_changes_the_key(tmp_path, change):
    compiled, _ = compiled_sample()
    limits = {"MAILING_MAX_HTML_BYTES": gates.worst_case_bytes(compiled) + 1000}  # the number of matches counts
    assert gates.check(compiled, cached_settings(tmp_path, **limits)) == []
    edited = copy.deepcopy(compiled)
    if change == "subject":
        edited.subject = "x" * 200
    elif change == "preheader":
        edited.preheader = "court"
    elif change == "lang":
        edited.lang = "en"
    elif change == "matches":
        edited.matches = 40
    elif change == "problems":
        edited.problems = ["mjml-python could not compile the template: test"]
    elif change == "region":
        edited.html.regions["matched"].prefix[0] += '<img src="https://x.example/a.png">'
    elif change == "body":
        edited.html.body[0] = edited.html.body[0].replace('lang="fr"', 'lang="de"', 1)
    else:
        edited.text.body[0] += " http://plain.example/ "
    expected = gates.check(edited, {**settings(), **limits})
    assert expected, f"the edited {change} must fail a gate"
    assert gates.check(edited, cached_settings(tmp_path, **limits)) == expected
    assert gates.check(compiled, cached_settings(tmp_path, **limits)) == []


def test_a_changed_limit_is_checked_again_and_other_settings_are_not_read(tmp_path, monkeypatch):
    compiled, _ = compiled_sample()
    counting = Counting(monkeypatch, gates, "_check")
    assert gates.check(compiled, cached_settings(tmp_path)) == []
    assert gates.check(compiled, cached_settings(tmp_path, MAILING_SUBJECT_MAX=10)) == gates.check(
        compiled, {**settings(), "MAILING_SUBJECT_MAX": 10}) != []
    assert gates.check(compiled, cached_settings(tmp_path, MAILING_FROM_NAME="Autre")) == []
    assert counting.calls == 3  # the default limits, the short subject limit, the uncached check
    seen = {}
    real = gates._check

    def spy(variant, limits):
        seen.update(limits)
        return real(variant, limits)

    monkeypatch.setattr(gates, "_check", spy)
    gates.check(compiled, settings())
    assert set(seen) == set(gates.SETTINGS)  # the key holds every setting the gates may read


def test_a_variant_whose_pieces_are_not_text_is_checked_without_the_memo(tmp_path):
    compiled, _ = compiled_sample()
    odd = plain_cards(copy.deepcopy(compiled))
    odd.html.regions["matched"].items[0] = [None]
    with pytest.raises(TypeError):
        gates.check(odd, settings())
    with pytest.raises(TypeError):
        gates.check(odd, cached_settings(tmp_path))


# --- The store itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage", "empty", "other key", "directory"])
def test_a_damaged_entry_is_recomputed_not_trusted(tmp_path, monkeypatch, damage):
    source = mjml_source()
    expected = compile_mjml(source)
    compile_mjml(source, memo.for_settings(cached_settings(tmp_path)))
    (name, data), = entries(tmp_path).items()
    path = tmp_path / "cache" / memo.FOLDER / name
    if damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":  # still valid JSON, but not what was written
        path.write_bytes(data.replace(b"<html", b"<htmm", 1))
    elif damage == "garbage":
        path.write_bytes(os.urandom(300))
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "other key":  # a valid entry of another key under this name
        payload = json.dumps({"key": "0" * 64, "value": ["<p>not this</p>", []]}).encode()
        path.write_bytes(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    else:
        path.unlink()
        path.mkdir()
    counting = Counting(monkeypatch, pipeline, "_compile_mjml")
    assert compile_mjml(source, memo.for_settings(cached_settings(tmp_path))) == expected
    assert counting.calls == 1
    if damage != "directory":  # rewritten whole: the next build reads it
        assert compile_mjml(source, memo.for_settings(cached_settings(tmp_path))) == expected
        assert counting.calls == 1


def test_with_caching_off_nothing_is_read_or_written(tmp_path, monkeypatch):
    source, compiled = mjml_source(), compiled_sample()[0]
    off = cached_settings(tmp_path, read=False, write=False)
    assert memo.for_settings(off) is None
    compile_mjml(source, memo.for_settings(off))
    gates.check(compiled, off)
    assert not (tmp_path / "cache").exists()

    # Entries of an earlier build, poisoned with a valid checksum: a build that may not read never sees them.
    compile_mjml(source, memo.for_settings(cached_settings(tmp_path)))
    (name, _), = entries(tmp_path).items()
    path = tmp_path / "cache" / memo.FOLDER / name
    payload = json.dumps({"key": name[: -len(memo.SUFFIX)], "value": ["<p>poison</p>", []]}).encode()
    path.write_bytes(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    assert compile_mjml(source, memo.for_settings(cached_settings(tmp_path)))[0] == "<p>poison</p>"  # the test is real
    write_only = memo.for_settings(cached_settings(tmp_path, read=False))
    assert compile_mjml(source, write_only) == compile_mjml(source)
    assert write_only.hits == 0

    read_only = memo.for_settings(cached_settings(tmp_path, write=False))
    before = entries(tmp_path)
    compile_mjml(mjml_source(subject="Jamais écrit"), read_only)
    gates.check(compiled, cached_settings(tmp_path, write=False))
    assert entries(tmp_path) == before


def test_unused_entries_go_after_a_build_and_the_folder_stays_bounded(tmp_path, monkeypatch):
    first = cached_settings(tmp_path)
    one, two = mjml_source(), mjml_source(subject="Deux")
    compile_mjml(one, memo.for_settings(first))
    compile_mjml(two, memo.for_settings(first))
    memo.finish_build(first)
    assert len(entries(tmp_path)) == 2
    second = cached_settings(tmp_path)
    compile_mjml(two, memo.for_settings(second))
    memo.finish_build(second)
    assert len(entries(tmp_path)) == 1  # only what the last build used
    assert compile_mjml(two, memo.for_settings(cached_settings(tmp_path))) == compile_mjml(two)
    assert not [p for p in (tmp_path / "cache" / memo.FOLDER).iterdir() if p.name.startswith(".tmp")]

    monkeypatch.setattr(memo, "MAX_ENTRIES", 4)
    folder = tmp_path / "bounded"
    for n in range(9):
        cache = memo.Memo(folder, salt="s")
        cache.put(cache.key("test", str(n)), n)
    assert len(list(folder.iterdir())) <= 4 + 1


# --- Real builds ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_pool(tmp_path_factory):
    base = tmp_path_factory.mktemp("memo-pool")
    pool = base / "pool.sqlite3"
    env = {**os.environ, "VIVIER_POOL": str(pool), "VIVIER_TODAY": TODAY}
    loaded = subprocess.run([sys.executable, "-m", "vivier", "pool", "load-sample"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    return pool


def build(tmp_path: Path, content: Path, pool: Path, name: str, *, cache: Path | None):
    """One build from a fresh copy of the pool (builds remember what they planned in it)."""
    work = tmp_path / name
    work.mkdir()
    shutil.copy(pool, work / "pool.sqlite3")
    extra = ("-e", "LOAD_CONTENT_CACHE=true", "CACHE_CONTENT=true", f'CACHE_PATH="{cache}"') if cache else ()
    env = {"VIVIER_POOL": str(work / "pool.sqlite3"), "VIVIER_OUTBOX": str(work / "outbox"), "VIVIER_SECRET": "memo-test"}
    result = run_pelican(content, work / "output", *extra, env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return work / "outbox"


def outbox_files(outbox: Path) -> dict[str, bytes]:
    """Every file of an outbox; previews without their Date: header (the time of the build)."""
    files = {}
    for path in sorted(p for p in outbox.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".eml":
            data = b"\n".join(line for line in data.split(b"\n") if not line.startswith(b"Date: "))
        files[path.relative_to(outbox).as_posix()] = data
    return files


def memo_inodes(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in (cache / memo.FOLDER).iterdir()}


def test_cached_builds_write_the_same_outbox_and_show_every_edit(tmp_path, sample_pool):
    content = copy_content(tmp_path)
    cache = tmp_path / "cache"
    cold = outbox_files(build(tmp_path, content, sample_pool, "cold", cache=cache))
    remembered = memo_inodes(cache)
    assert len(remembered) >= 10  # compiled MJML and gate answers of every variant
    warm = outbox_files(build(tmp_path, content, sample_pool, "warm", cache=cache))
    assert memo_inodes(cache) == remembered  # every answer read, none written again
    assert warm == cold
    assert any(name.endswith(".json") and "/compiled/" in name for name in warm)

    # Members' data never reaches the memo: compiled variants are per segment, not per member.
    with sqlite3.connect(sample_pool) as db:
        people = db.execute("SELECT id, email, first_name, last_name FROM members").fetchall()
    assert len(people) > 100
    stored = "\n".join(json.dumps(json.loads((cache / memo.FOLDER / name).read_bytes().partition(b"\n")[2])["value"],
                                  ensure_ascii=False) for name in remembered)
    site_text = "\n".join(p.read_text(encoding="utf-8") for p in content.rglob("*.md"))
    for member_id, email, first, last in people:
        assert member_id not in stored and email not in stored
        if f"{first} {last}" not in site_text:  # a fictional member may share a name with a published profile
            assert f"{first} {last}" not in stored

    # Edit a campaign's intro and subject, and the title of a job every campaign offers.
    campaign_file = content / "newsletters" / "2026-12-data-cloud.md"
    text = campaign_file.read_text(encoding="utf-8")
    campaign_file.write_text(text.replace("\n\n", "\n\nUne phrase ajoutée pour ce test.\n\n", 1), encoding="utf-8")
    job_file = content / "jobs" / "data-scientist-lyon.md"
    text = job_file.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("Title: "))
    job_file.write_text(text.replace(title, "Title: Scientifique des données (titre modifié)", 1), encoding="utf-8")
    edited = outbox_files(build(tmp_path, content, sample_pool, "edited", cache=cache))
    fresh = outbox_files(build(tmp_path, content, sample_pool, "fresh", cache=None))
    assert edited == fresh  # the cached build equals a build that never saw a cache
    compiled = b"".join(v for k, v in edited.items() if k.startswith("2026-12-data-cloud/compiled/"))
    assert "Une phrase ajoutée pour ce test.".encode() in compiled
    assert "Scientifique des données (titre modifié)".encode() in compiled
    assert set(memo_inodes(cache)) != set(remembered)  # new answers for the edited variants, the unused ones gone
