"""Pelican's content cache, kept honest: a file with problems is never served from it.

Our reader records metadata problems while it reads a file; a cached read
skips the reader, so a warm build would silently lose those problems (and
let a broken file through). After every build, the cached reads of files
with errors or warnings are dropped, so the next build reads them again.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)


def forget_files_with_problems(generators, report) -> int:
    """Drop the cached reads of every file the report names; returns how many were dropped."""
    paths = {os.path.abspath(p.path) for p in report.problems}
    dropped = 0
    if not paths:
        return dropped
    for generator in generators:
        readers = getattr(generator, "readers", None)
        cache = getattr(readers, "_cache", None)
        if not cache or not getattr(readers, "_cache_data_policy", False):
            continue
        stale = [key for key in cache if os.path.abspath(key) in paths]
        for key in stale:
            del cache[key]
        if stale:
            readers.save_cache()
            dropped += len(stale)
    if dropped:
        logger.debug("content cache: %d file(s) with problems will be read again", dropped)
    return dropped
