"""The page cache's own edges (careers/page_cache.py): what its key holds and the file it keeps between builds."""

from __future__ import annotations

from pathlib import Path

from careers import page_cache


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
