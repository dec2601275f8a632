"""Our Writer leaves each page's folder to `store` (the writer thread), not to Pelican's `os.makedirs` (issue 21).

The straightforward path is Pelican's own Writer, which makes the folder in
the build's thread before writing: both must leave the same files, and the
build's thread must no longer wait for a folder to be made.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pelican.writers
import pytest
from jinja2 import Environment
from pelican.settings import DEFAULT_CONFIG
from pelican.writers import Writer as PelicanWriter

from careers import output

SETTINGS = {**DEFAULT_CONFIG, "RELATIVE_URLS": False, "SITEURL": "", "FEED_DOMAIN": "", "PAGINATED_TEMPLATES": {}, "SITENAME": "S",
            "FEED_MAX_ITEMS": None, "OUTPUT_PATH": "", "TIMEZONE": "Europe/Paris"}
# (page, override_output): the second write of a page replaces the first, as Pelican allows once.
PAGES = [("index.html", False), ("emplois/ingenieur-data/index.html", False), ("en/jobs/data-engineer/index.html", False),
         ("emplois/ingenieur-data/index.html", True), ("a/b/c/d/e/index.html", False)]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _write_everything(writer, template):
    context = {"localsiteurl": "", "SITEURL": ""}
    for number, (name, override) in enumerate(PAGES):
        writer.write_file(name, template, context, override_output=override, word=f"n{number}")


def _made_by(monkeypatch) -> list[tuple[str, str]]:
    calls = []
    real = os.makedirs

    def recording(name, mode=0o777, exist_ok=False):
        calls.append((threading.current_thread().name, str(name)))
        return real(name, mode, exist_ok)

    monkeypatch.setattr(os, "makedirs", recording)
    return calls


@pytest.mark.parametrize("thread", [True, False], ids=["writer thread", "no writer thread"])
def test_the_same_files_as_pelican_s_writer_with_folders_made_by_store(tmp_path, monkeypatch, thread):
    template = Environment().from_string("<p>{{ word }}</p>")
    _write_everything(PelicanWriter(str(tmp_path / "pelican"), settings=dict(SETTINGS)), template)

    settings = dict(SETTINGS)
    record = output.reset(settings)
    if thread:
        record.start_writer()
    calls = _made_by(monkeypatch)
    _write_everything(output.Writer(str(tmp_path / "ours"), settings=settings), template)
    record.finish()
    assert _files(tmp_path / "ours") == _files(tmp_path / "pelican")
    assert len(_files(tmp_path / "ours")) == 4
    made_here = [name for who, name in calls if who == threading.current_thread().name]
    if thread:
        assert made_here == []  # the build's thread never waited for a folder
        assert {who for who, _ in calls} == {"careers-output-writer"}
    else:
        assert made_here  # made by `store`, in this thread, as the files are written


def test_pelican_s_own_writer_still_makes_its_folders(tmp_path):
    settings = dict(SETTINGS)
    output.reset(settings)
    template = Environment().from_string("<p>{{ word }}</p>")
    output.Writer(str(tmp_path / "ours"), settings=settings).write_file("x/index.html", template,
                                                                        {"localsiteurl": ""}, word="a")
    assert isinstance(pelican.writers.os, output._PelicanWritersOs)  # installed by our Writer
    # Pelican's writer (a plugin may use it) writes with open(): it needs Pelican's makedirs, which it still gets.
    PelicanWriter(str(tmp_path / "plain"), settings=dict(SETTINGS)).write_file("y/z/index.html", template,
                                                                              {"localsiteurl": ""}, word="b")
    assert (tmp_path / "plain" / "y" / "z" / "index.html").read_text() == "<p>b</p>"
    assert pelican.writers.os.path is os.path and pelican.writers.os.sep == os.sep


def test_a_feed_written_by_our_writer_equals_pelican_s(tmp_path):
    import datetime as dt
    from types import SimpleNamespace

    date = dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
    item = SimpleNamespace(title="Offre", url="emplois/x/", summary="<p>s</p>", get_content=lambda url: "<p>c</p>",
                           date=date, modified=date, author="", tags=["data"])
    context = {"SITENAME": "S", "SITEURL": "https://example.org", "FEED_DOMAIN": "https://example.org"}
    plain = PelicanWriter(str(tmp_path / "pelican"), settings=dict(SETTINGS, SITEURL="https://example.org"))
    plain.write_feed([item], context, "feeds/a/atom.xml")
    settings = dict(SETTINGS, SITEURL="https://example.org")
    record = output.reset(settings)
    record.start_writer()
    output.Writer(str(tmp_path / "ours"), settings=settings).write_feed([item], context, "feeds/a/atom.xml")
    record.finish()
    assert _files(tmp_path / "ours") == _files(tmp_path / "pelican")
