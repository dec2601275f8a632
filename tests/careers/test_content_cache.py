"""Warm builds (Pelican's content cache) read job ads from the cache, yet never hide a problem."""

from __future__ import annotations

import os

from tests.conftest import run_pelican


def _cached(tmp_path):
    cache = tmp_path / "cache"
    return ("-e", "LOAD_CONTENT_CACHE=true", "CACHE_CONTENT=true", f'CACHE_PATH="{cache}"'), cache


def test_warm_builds_keep_reporting_a_broken_file_and_see_edits(tmp_path, content_copy):
    cached, cache = _cached(tmp_path)
    output = tmp_path / "output"
    first = run_pelican(content_copy, output, *cached)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (cache / "JobsGenerator-Readers").is_file()  # job ads are cached like articles

    job = content_copy / "jobs" / "data-scientist-lyon.md"
    article = content_copy / "articles" / "equipe-data-nantes.md"
    good_job, good_article = job.read_text(encoding="utf-8"), article.read_text(encoding="utf-8")
    job.write_text(good_job.replace("Title: ", "Title: Référence — ", 1).replace("Date: 2026", "Date: 2026-13-45 x", 1),
                   encoding="utf-8")
    article.write_text(good_article.replace("Date: 2026", "Date: jamais 2026", 1), encoding="utf-8")
    for attempt in ("cold read", "warm read"):  # the second run finds the same files in the cache
        broken = run_pelican(content_copy, output, *cached)
        text = broken.stdout + broken.stderr
        assert broken.returncode != 0, attempt
        assert "data-scientist-lyon.md" in text and "equipe-data-nantes.md" in text, (attempt, text[-2000:])

    job.write_text(good_job.replace("Title: ", "Title: Référence — ", 1), encoding="utf-8")
    article.write_text(good_article, encoding="utf-8")
    os.utime(job)
    fixed = run_pelican(content_copy, output, *cached)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    page = next(p for p in output.rglob("index.html") if "data-scientist-lyon" in str(p) and "/en/" not in str(p))
    assert "Référence — " in page.read_text(encoding="utf-8")


def test_an_ad_warned_after_reading_stays_cached_and_is_warned_again(tmp_path, content_copy):
    """A closed ad without Modified is warned by the jobs generator, cached read or not: its read stays cached."""
    import pickle

    cached, cache = _cached(tmp_path)
    job = content_copy / "jobs" / "architecte-cloud-azure-nantes.md"
    job.write_text("".join(line for line in job.read_text(encoding="utf-8").splitlines(keepends=True)
                           if not line.startswith("Modified:")), encoding="utf-8")
    for attempt in ("cold read", "warm read"):
        result = run_pelican(content_copy, tmp_path / "output", *cached)
        assert result.returncode == 0, (attempt, result.stdout[-2000:] + result.stderr[-2000:])
        shown = result.stdout + result.stderr
        assert "architecte-cloud-azure-nantes.md" in shown and "without Modified" in shown, attempt
        with open(cache / "JobsGenerator-Readers", "rb") as handle:  # GZIP_CACHE = False (pelicanconf.py)
            kept = pickle.load(handle)
        assert str(job) in kept, attempt  # not dropped: the next build reads it from the cache, and warns again


def test_the_ads_cache_is_written_again_only_when_an_ad_was_read_afresh(tmp_path, content_copy):
    """A build that served every ad from Pelican's cache leaves that cache's file alone; one that read an
    edited ad writes it, with the edit, which the next build serves."""
    import pickle

    cached, cache = _cached(tmp_path)
    output = tmp_path / "output"
    assert run_pelican(content_copy, output, *cached).returncode == 0
    stored = cache / "JobsGenerator-Readers"
    stamp = (stored.stat().st_ino, stored.stat().st_mtime_ns)
    assert run_pelican(content_copy, output, *cached).returncode == 0
    assert (stored.stat().st_ino, stored.stat().st_mtime_ns) == stamp  # nothing read afresh: not written

    job = content_copy / "jobs" / "data-scientist-lyon.md"
    job.write_text(job.read_text(encoding="utf-8").replace("Title: ", "Title: Référence — ", 1), encoding="utf-8")
    assert run_pelican(content_copy, output, *cached).returncode == 0
    assert (stored.stat().st_ino, stored.stat().st_mtime_ns) != stamp
    with open(stored, "rb") as handle:
        kept = pickle.load(handle)
    assert "Référence — " in kept[str(job)][1][1]["title"]  # (stamp, (content, metadata)): the edit is kept
    stamp = (stored.stat().st_ino, stored.stat().st_mtime_ns)
    again = run_pelican(content_copy, output, *cached)
    assert again.returncode == 0 and (stored.stat().st_ino, stored.stat().st_mtime_ns) == stamp
    page = next(p for p in output.rglob("index.html") if "data-scientist-lyon" in str(p) and "/en/" not in str(p))
    assert "Référence — " in page.read_text(encoding="utf-8")
