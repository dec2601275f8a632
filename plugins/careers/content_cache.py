"""Pelican's content cache, kept honest: a file with problems is never served from it.

Our reader records metadata problems while it reads a file; a cached read
skips the reader, so a warm build would silently lose those problems (and
let a broken file through). After every build, the cached reads of files
with errors or warnings filed while our reader read them are dropped, so
the next build reads them again. Problems found after reading (a job ad's
fields, rules and wording, checked by its generator on every build, cached
read or not) are found again without it: dropping those files too made a
site with a few warnings convert them and save the whole cache on every build.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)


def forget_files_with_problems(generators, report) -> int:
    """Drop the cached reads of every file our reader filed a problem for; returns how many were dropped."""
    paths = report.read_with_problems
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
