"""The checks of one job ad, replayed for an ad that did not change (issue 21: a rebuild after one edit).

A rebuild after one edited ad checked all 5,000 again: the header's typed
values (the schema), the title, the rules of `check_job`, must-haves,
sign-off and placeholders were a third of reading them. Here an ad whose file
has the stamp the last build saw (Pelican's own test, `CHECK_MODIFIED_METHOD`,
through its `FileStampDataCacher`) and whose every other input is unchanged
gets the typed values and the problems the last build found, in the same
order, with the same messages and lines.

The other inputs, hashed into one version: the plugins' code and data files
(`page_cache.code_digest`), every upper-case setting
(`page_cache.settings_digest`), "today" (the sign-off's dates), the rules file
and the skill vocabulary. A setting that cannot be described turns the
replay off for the build. Only a cached read is replayed (a file our reader
converted just now, or that it reported a problem for, is checked), and only
problems filed for the ad itself are kept. The values are kept pickled, so
what a build does to a job afterwards (places completed, labels) never
reaches the cache. The checks across ads (translations, apply references,
places) run on every build.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle

from . import page_cache

logger = logging.getLogger(__name__)

CACHE_NAME = "JobsGenerator-Checks"


class JobChecks:
    """Per-ad checks run once, then replayed while the ad and everything else they read stay the same."""

    def __init__(self, settings, today, rules_file: str, vocabulary):
        from pelican.cache import FileStampDataCacher

        self._cache = None
        if not (settings.get("CACHE_CONTENT") and settings.get("LOAD_CONTENT_CACHE")):
            return
        try:
            self._version = _version(settings, today, rules_file, vocabulary)
        except (page_cache.Uncacheable, OSError, TypeError, ValueError) as exc:
            logger.debug("job checks: every ad is checked (%s)", exc)
            return
        self._cache = FileStampDataCacher(settings, CACHE_NAME, True, True)
        self._changed = False
        self.replayed = self.checked = 0

    last_replayed = False  # whether the last `run` replayed (the values are then not applied to the job yet)

    def run(self, path: str, report, check, cached_read: bool = True) -> dict:
        """The typed values of the ad at `path`: `check()` (which files its problems in `report`), or the
        last build's answer, its problems filed again."""
        self.last_replayed = False
        if self._cache is None:
            return check()
        if cached_read:
            found = self._cache.get_cached_data(path, None)
            if found is not None and found[0] == self._version:
                _, values, problems = found
                report.problems.extend(problems)
                self.replayed += 1
                self.last_replayed = True
                return pickle.loads(values)
        known = len(report.problems)
        values = check()
        problems = tuple(report.problems[known:])
        self.checked += 1
        if all(problem.path == path for problem in problems):
            try:
                kept = pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001 — a value that cannot be kept: checked again next time
                logger.debug("job checks: %s not kept (%s)", path, exc)
            else:
                self._cache.cache_data(path, (self._version, kept, problems))
                self._changed = True
        return values

    def save(self) -> None:
        if self._cache is None:
            return
        logger.info("job checks: %d ad(s) replayed, %d checked", self.replayed, self.checked)
        if self._changed:
            self._cache.save_cache()
            self._changed = False


def _version(settings, today, rules_file: str, vocabulary) -> str:
    digest = hashlib.sha256()
    digest.update(page_cache.code_digest())
    digest.update(page_cache.settings_digest(settings))
    digest.update(repr(today).encode())
    with open(rules_file, "rb") as handle:
        digest.update(hashlib.sha256(handle.read()).digest())
    digest.update(json.dumps([str(getattr(vocabulary, "path", "")), sorted(getattr(vocabulary, "skills", {}).items())],
                             ensure_ascii=False).encode())
    return digest.hexdigest()
