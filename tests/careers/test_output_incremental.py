"""The output folder is brought up to date, not rebuilt: same bytes as a fresh build, fewer writes.

`careers/output.py` replaces DELETE_OUTPUT_DIRECTORY: files whose bytes did
not change are left alone, and once a build has succeeded every file it did
not produce is removed. The decisive check is that a rebuild after edits
gives exactly the folder a build into an empty folder gives.
"""

from __future__ import annotations

import filecmp
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from jinja2 import Environment
from pelican.writers import FileOverwriteFailedError

from careers import output
from tests.conftest import copy_content, run_pelican

OLD = 1_000_000_000  # 2001: a date no build of today writes


def _build(content: Path, out: Path):
    result = run_pelican(content, out)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _same_tree(left: Path, right: Path) -> list[str]:
    """Paths that differ between two folders (missing on either side, or other bytes)."""
    a, b = _files(left), _files(right)
    differ = sorted(a ^ b)
    differ += [p for p in sorted(a & b) if not filecmp.cmp(left / p, right / p, shallow=False)]
    return differ


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """A site built, its files dated 2001, then edited (one ad changed, one removed) and rebuilt in place."""
    base = tmp_path_factory.mktemp("incremental")
    content = copy_content(base)
    out = base / "out"
    _build(content, out)
    first = _files(out)
    for path in out.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))
    (out / "CNAME").write_text("carrieres.example.org\n")  # kept: OUTPUT_RETENTION
    (out / "emplois" / "poste-ferme-en-2025").mkdir(parents=True)
    (out / "emplois" / "poste-ferme-en-2025" / "index.html").write_text("<p>old</p>")  # a page no build makes
    edited = content / "jobs" / "developpeur-python-nantes.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nLe poste est ouvert aux personnes en reconversion.\n",
                      encoding="utf-8")
    (content / "jobs" / "chef-de-projet-digital.md").unlink()
    result = _build(content, out)
    fresh = base / "fresh"
    _build(content, fresh)
    return SimpleNamespace(out=out, fresh=fresh, first=first, result=result)


def test_a_rebuild_in_place_gives_exactly_what_a_fresh_build_gives(rebuilt):
    assert _same_tree(rebuilt.out, rebuilt.fresh) == ["CNAME"]  # the retained file only, every byte alike


def test_the_removed_job_s_page_and_folder_are_gone_and_stray_files_removed(rebuilt):
    gone = [p for p in rebuilt.first if "chef-de-projet-digital" in p]
    assert gone, "the first build wrote the job's page"
    for rel in gone:
        assert not (rebuilt.out / rel).exists(), rel
    assert not (rebuilt.out / "emplois" / "poste-ferme-en-2025").exists()  # its file removed, then the empty folder
    assert (rebuilt.out / "CNAME").read_text() == "carrieres.example.org\n"
    listing = (rebuilt.out / "emplois" / "index.html").read_text(encoding="utf-8")
    assert "chef-de-projet-digital" not in listing and "developpeur-python-nantes" in listing


def test_only_the_files_that_changed_are_written_again(rebuilt):
    def rewritten(rel):
        return (rebuilt.out / rel).stat().st_mtime != OLD

    page = next(p for p in _files(rebuilt.out) if p.endswith("developpeur-python-nantes/index.html") and not p.startswith("en/"))
    assert rewritten(page) and "personnes en reconversion" in (rebuilt.out / page).read_text(encoding="utf-8")
    untouched = [p for p in _files(rebuilt.out) if not rewritten(p)]
    # An event's calendar and an article do not depend on the edited jobs (Pelican copies the theme's
    # static files again on every build, which is its own doing and cheap).
    assert any(p.endswith(".ics") for p in untouched)
    assert any(p.startswith("articles/") and p.endswith("index.html") for p in untouched)
    assert len(untouched) > len(_files(rebuilt.out)) / 2


def test_a_file_no_step_records_is_removed_by_the_build_that_wrote_it(tmp_path):
    """The safe failure: output written behind the module's back does not survive, so it cannot go stale."""
    out, content = tmp_path / "out", tmp_path / "content"
    content.mkdir()
    settings = {"THEME": str(tmp_path / "theme"), "THEME_STATIC_PATHS": [], "THEME_STATIC_DIR": "theme",
                "OUTPUT_RETENTION": ["CNAME"]}
    output.reset(settings)
    output.write_output(settings, str(out), "a/index.html", "<p>a</p>")
    (out / "b").mkdir()
    (out / "b" / "index.html").write_text("<p>b</p>")  # behind the module's back
    (out / "CNAME").write_text("x")
    pelican = SimpleNamespace(settings=settings, output_path=str(out), path=str(content))
    assert output.sweep(pelican) == 1
    assert _files(out) == {"a/index.html", "CNAME"}


def test_an_output_folder_that_holds_the_content_is_never_swept(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "job.md").write_text("Title: x\n")
    settings = {"THEME": str(tmp_path), "THEME_STATIC_PATHS": [], "THEME_STATIC_DIR": "theme"}
    output.reset(settings)
    pelican = SimpleNamespace(settings=settings, output_path=str(tmp_path), path=str(tmp_path / "content"))
    assert output.sweep(pelican) == 0
    assert (tmp_path / "content" / "job.md").exists()


def test_unchanged_bytes_are_not_written_and_changed_ones_are(tmp_path):
    settings = {}
    output.reset(settings)
    assert output.write_output(settings, str(tmp_path), "x/feed.xml", "<feed/>") is True
    os.utime(tmp_path / "x" / "feed.xml", (OLD, OLD))
    assert output.write_output(settings, str(tmp_path), "x/feed.xml", b"<feed/>") is False
    assert (tmp_path / "x" / "feed.xml").stat().st_mtime == OLD
    assert output.write_output(settings, str(tmp_path), "x/feed.xml", "<feed>é</feed>") is True
    assert (tmp_path / "x" / "feed.xml").read_text(encoding="utf-8") == "<feed>é</feed>"
    record = output.produced(settings)
    assert (record.written, record.unchanged) == (2, 1)


def test_the_writer_keeps_pelican_s_rule_on_files_written_twice(tmp_path):
    settings = {"RELATIVE_URLS": False, "SITEURL": "", "FEED_DOMAIN": "", "PAGINATED_TEMPLATES": {}}
    output.reset(settings)
    writer = output.Writer(str(tmp_path), settings=settings)
    template = Environment().from_string("<p>{{ word }}</p>")
    context = {"localsiteurl": "", "SITEURL": ""}
    writer.write_file("page.html", template, context, word="un")
    assert (tmp_path / "page.html").read_text() == "<p>un</p>"
    with pytest.raises(FileOverwriteFailedError):
        writer.write_file("page.html", template, context, word="deux")
    writer.write_file("page.html", template, context, override_output=True, word="trois")
    assert (tmp_path / "page.html").read_text() == "<p>trois</p>"
    assert str(tmp_path / "page.html") in output.produced(settings).paths


def test_the_writer_thread_writes_in_order_and_reports_a_failed_write_at_the_end(tmp_path):
    settings = {}
    record = output.reset(settings)
    record.start_writer()
    assert output.write_output(settings, str(tmp_path), "a/x.html", "one") is None  # the thread decides
    output.write_output(settings, str(tmp_path), "a/x.html", "two")  # the same file again: the last one wins
    (tmp_path / "blocked").write_text("a file where a folder should be")
    output.write_output(settings, str(tmp_path), "blocked/y.html", "three")
    output.write_output(settings, str(tmp_path), "b/z.html", "four")
    with pytest.raises(NotADirectoryError):
        record.finish()
    assert (tmp_path / "a" / "x.html").read_text() == "two"
    assert record.writer is None and record.written == 2


def test_the_writer_thread_never_holds_more_bytes_than_its_bound_and_writes_every_file(tmp_path, monkeypatch):
    """A build renders faster than the file system takes new files: the queue is bounded in bytes, not only in
    files (a cold 5,000-job build held 98 MB of pages waiting). Writes are slowed down here so that it fills."""
    import threading
    import time

    monkeypatch.setattr(output._WriterThread, "MAX_BYTES", 10_000)
    real_write = output._write
    monkeypatch.setattr(output, "_write", lambda *a: time.sleep(0.002) or real_write(*a))
    settings = {}
    record = output.reset(settings)
    record.start_writer()
    writer, most = record.writer, [0]
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            most[0] = max(most[0], writer.waiting)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    pages = {f"p/{n}.html": str(n) * (1_000 + 37 * n) for n in range(60)}  # 1 kB to 3 kB each, 130 kB in all
    pages["big.html"] = "b" * 50_000  # bigger than the bound: it goes in alone
    for name, text in pages.items():
        output.write_output(settings, str(tmp_path), name, text)
        assert writer.waiting <= max(10_000, len(text))
    record.finish()
    stop.set()
    watcher.join()
    assert 3_000 < most[0] <= 50_000 and writer.waiting == 0  # it did fill up, and emptied
    assert {name: (tmp_path / name).read_text() for name in pages} == pages
    assert record.written == len(pages)


def test_a_new_build_stops_the_writer_a_failed_build_left_running(tmp_path):
    settings = {}
    record = output.reset(settings)
    record.start_writer()
    thread = record.writer
    output.write_output(settings, str(tmp_path), "page.html", "x")
    output.reset(settings)  # as the next build of `make serve` does
    assert not thread.is_alive()
    assert (tmp_path / "page.html").read_text() == "x"


def test_the_context_is_frozen_for_the_output_phase_and_thawed_when_the_next_build_starts():
    import gc

    import careers

    gc.unfreeze()
    careers.get_generators(SimpleNamespace(settings={"PATH": "content"}))  # a build of `make serve`
    careers.freeze_contexts([])
    assert gc.get_freeze_count() > 0  # the collector no longer walks what the build read
    careers.get_generators(SimpleNamespace(settings={"PATH": "content"}))  # the next build of `make serve`
    assert gc.get_freeze_count() == 0


def test_the_first_build_of_a_process_leaves_what_start_up_froze_and_collects_nothing(monkeypatch):
    """`vivier build` forks its pool-fit child (which freezes what the imports made) before the first build:
    thawing and collecting it then walked every object of the imports for nothing."""
    import gc

    import careers

    monkeypatch.setattr(careers, "_BUILDS_STARTED", [0])
    collections = []
    monkeypatch.setattr(gc, "collect", lambda *a: collections.append(a) or 0)
    gc.freeze()
    frozen = gc.get_freeze_count()
    careers.get_generators(SimpleNamespace(settings={"PATH": "content"}))
    assert gc.get_freeze_count() == frozen > 0 and collections == []
    careers.get_generators(SimpleNamespace(settings={"PATH": "content"}))  # the next one thaws and collects
    assert gc.get_freeze_count() == 0 and len(collections) == 1


def test_the_sweep_s_one_walk_spares_hidden_folders_retained_names_links_and_what_was_produced(tmp_path):
    """One walk removes files and the folders it leaves empty, bottom up, and nothing that is not ours."""
    out, content = tmp_path / "out", tmp_path / "content"
    content.mkdir()
    settings = {"THEME": str(tmp_path / "theme"), "THEME_STATIC_PATHS": [], "THEME_STATIC_DIR": "theme",
                "OUTPUT_RETENTION": ["CNAME", "keep-me"]}
    output.reset(settings)
    output.write_output(settings, str(out), "emplois/a/index.html", "<p>a</p>")
    stray = ["emplois/b/index.html", "emplois/b/deep/er/x.txt", "old.html", "tags/x/y/z/index.html"]
    kept = [".git/HEAD", "emplois/.well-known/t.txt", "keep-me/old.html", "CNAME"]
    for rel in stray + kept:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text("x")
    (out / "empty" / "nested").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "file.txt").write_text("not ours")
    (out / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)  # never followed
    pelican = SimpleNamespace(settings=settings, output_path=str(out), path=str(content))
    assert output.sweep(pelican) == len(stray)
    assert _files(out) == {"emplois/a/index.html", *kept}
    assert sorted(p.name for p in out.iterdir()) == [".git", "CNAME", "emplois", "keep-me", "linked"]
    assert (tmp_path / "outside" / "file.txt").read_text() == "not ours"
    assert sorted(p.name for p in (out / "emplois").iterdir()) == [".well-known", "a"]


def test_a_copied_file_is_copied_only_when_its_bytes_differ_and_goes_through_the_writer(tmp_path):
    """`copy_output` (the editor's bundle): the kernel copies it; a copy already in place is left alone
    (its inode kept), an edit of the source of the same size and date is copied again, a link is replaced."""
    source = tmp_path / "bundle.js"
    source.write_bytes(b"console.log('v1');\n" * 1000)
    target = tmp_path / "out" / "admin" / "bundle.js"
    assert output.copy_if_changed(str(source), str(target)) is True
    assert target.read_bytes() == source.read_bytes()
    inode = target.stat().st_ino
    assert output.copy_if_changed(str(source), str(target)) is False and target.stat().st_ino == inode

    stat = source.stat()
    source.write_bytes(b"console.log('v2');\n" * 1000)  # same size; and the same date, as npm may give
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert output.copy_if_changed(str(source), str(target)) is True and target.read_bytes() == source.read_bytes()

    target.unlink()
    target.symlink_to(source)
    assert output.copy_if_changed(str(source), str(target)) is True
    assert not target.is_symlink() and target.read_bytes() == source.read_bytes()
    assert [p.name for p in target.parent.iterdir()] == ["bundle.js"]  # no temporary file left

    settings = {}
    record = output.reset(settings)
    record.start_writer()
    output.copy_output(settings, str(tmp_path / "out"), "admin/bundle.js", str(source))
    output.copy_output(settings, str(tmp_path / "out"), "admin/other.js", str(source))
    record.finish()
    assert (record.written, record.unchanged) == (1, 1)
    assert record.paths == {str(target), str(tmp_path / "out" / "admin" / "other.js")}
    assert filecmp.cmp(source, tmp_path / "out" / "admin" / "other.js", shallow=False)
