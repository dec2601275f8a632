"""The page cache's own edges (careers/page_cache.py): what its key holds and the file it keeps between builds."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from careers import page_cache
from tests.conftest import ROOT, copy_content, run_pelican, settings_file


def _cache(tmp_path: Path) -> page_cache.PageCache:
    for folder in ("theme", "content", "cache"):
        (tmp_path / folder).mkdir(exist_ok=True)
    settings = {"CACHE_PATH": str(tmp_path / "cache"), "THEME": str(tmp_path / "theme"), "PATH": str(tmp_path / "content"),
                "VIVIER_TODAY": "2026-11-22"}
    return page_cache.PageCache(settings, dict(settings))


def test_a_damaged_keys_file_is_ignored_not_fatal(tmp_path):
    """A keys file damaged on disk costs a full render; it never fails the build (a damaged pickle can raise anything)."""
    cache = _cache(tmp_path)
    cache.current = {str(tmp_path / "out" / "index.html"): (b"k" * 32, 10, 20)}
    cache.fragments = {b"f" * 32: "<article>card</article>"}
    cache.save()
    path = Path(cache.path)
    assert page_cache._load(str(path)) == (cache.current, cache.fragments, {})
    good = path.read_bytes()
    for damaged in (good[: len(good) // 2], good[:-1] + bytes([good[-1] ^ 1]), b"",
                    # protocol 4, BYTES8 of 2**48 bytes: unpickled, a MemoryError
                    b"\x80\x04\x8e\xff\xff\xff\xff\xff\xff\x00\x00"):
        path.write_bytes(damaged)
        assert page_cache._load(str(path)) == ({}, {}, {})


def _site(tmp_path: Path) -> Path:
    """The sample content and a copy of the theme whose job card calls a filter of the settings file."""
    content = copy_content(tmp_path)
    theme = tmp_path / "theme-copy"
    shutil.copytree(ROOT / "theme", theme)
    card = theme / "templates" / "partials" / "job_card.html"
    card.write_text(card.read_text(encoding="utf-8").replace("{{ item.title }}", "{{ item.title|shout }}", 1), encoding="utf-8")
    return content, theme


def _build(tmp_path: Path, conf: Path, content: Path, out: Path, cached: bool) -> None:
    extra = ["-e", f'CACHE_PATH="{tmp_path / "cache"}"', f'CAREERS_TEMPLATE_CACHE_PATH="{tmp_path / "templates-cache"}"']
    if cached:
        extra += ["CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true"]
    env = {"VIVIER_OUTBOX": str(tmp_path / f"outbox-{out.name}"), "VIVIER_POOL": str(tmp_path / "no-store.sqlite3")}
    result = run_pelican(content, out, *extra, conf=conf, env=env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


def _differences(left: Path, right: Path) -> list[str]:
    files = lambda folder: {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}  # noqa: E731
    a, b = files(left), files(right)
    return sorted(a ^ b) + [p for p in sorted(a & b) if not filecmp.cmp(left / p, right / p, shallow=False)]


def test_a_filter_of_the_settings_is_an_input_of_the_pages_using_it(tmp_path):
    """JINJA_FILTERS' functions are code outside the theme and plugins: editing one renders the pages (and cards) using it.

    (Pelican pickles the settings into its content cache, so a site's filter is a function of a module it imports.)
    """
    content, theme = _site(tmp_path)
    filters = tmp_path / "site_filters_h35.py"
    filters.write_text("def shout(text):\n    return text.upper()\n")
    conf = settings_file(tmp_path, content)
    conf.write_text(conf.read_text() + f"THEME = {str(theme)!r}\nsys.path.insert(0, {str(tmp_path)!r})\n"
                    "from site_filters_h35 import shout\nJINJA_FILTERS = {'shout': shout}\n")
    _build(tmp_path, conf, content, tmp_path / "out", cached=True)
    assert "DÉVELOPPEUR" in (tmp_path / "out" / "emplois" / "index.html").read_text(encoding="utf-8")
    filters.write_text("def shout(text):\n    return text.swapcase()\n")
    _build(tmp_path, conf, content, tmp_path / "out", cached=True)
    _build(tmp_path, conf, content, tmp_path / "fresh", cached=False)
    assert _differences(tmp_path / "out", tmp_path / "fresh") == []
