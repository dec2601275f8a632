"""The checks of one job ad, replayed for an ad that did not change (issue 21: a rebuild after one edit).

A rebuild after one edited ad checked all 5,000 again: the header's typed
values (the schema), the title, the rules of `check_job`, must-haves,
sign-off and placeholders were a third of reading them. Here an ad whose file
has the stamp the last build saw (Pelican's own test, `CHECK_MODIFIED_METHOD`,
through its `FileStampDataCacher`) and whose every other input is unchanged
gets the typed values and the problems the last build found, in the same
order, with the same messages and lines.

The other inputs, hashed into one version: the plugins' code and data files
(`page_cache.code_digest`), Python's and the libraries' versions, every
upper-case setting (`page_cache.settings_digest`), and again, strictly, the
settings the checks read (`READ_SETTINGS`: one of them that JSON cannot
write turns the replay off for the build), "today" (the sign-off's dates),
the working folder (a sign-off message names the file relative to it when
PROJECT_ROOT is not set), the rules file and the skill vocabulary (its
path and every spelling, in order). Only a cached read is replayed (a file
our reader converted just now, or that it reported a problem for, is
checked), and only the problems of an ad that nothing had reported on
before its checks, all filed for the ad itself, are kept. The values are
kept pickled, so what a build does to a job afterwards (places completed,
labels) never reaches the cache. The checks across ads (translations, apply
references, places, closed ads without Modified) run on every build. When
the build saves, the checks of an ad it did not read (deleted, renamed) are
dropped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import sys
from importlib import metadata

from . import page_cache

logger = logging.getLogger(__name__)

CACHE_NAME = "JobsGenerator-Checks"
# The settings the per-ad checks read, themselves or through the values `JobsGenerator._apply` sets before them
# (the schema, check_job, must-haves, sign-off, title and wording rules, the vocabulary's file).
READ_SETTINGS = ("PATH", "DEFAULT_LANG", "CAREERS_LANGUAGES", "JOBS_DEPARTMENTS", "JOBS_REQUIRE_SALARY",
                 "JOBS_SALARY_MAX_RATIO", "JOBS_MUST_HAVE_MAX", "JOBS_MUST_HAVE_MAX_WORDS", "JOBS_REQUIRE_SIGN_OFF",
                 "PROJECT_ROOT", "JOBS_DEFAULT_CURRENCY", "JOBS_VALID_DAYS", "JOBS_INTERVIEW_STEPS", "TIMEZONE",
                 "JOBS_RULES_FILE", "POOL_SKILLS_PATH")
# What parses and compares the values besides our code: YAML (rules, vocabulary), Pelican's dates; Python's own
# version covers `unicodedata` (the folding of skills that sign-offs hash) and `re`.
LIBRARIES = ("pelican", "pyyaml", "python-dateutil", "markdown")


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
        self._seen: set[str] = set()
        self.replayed = self.checked = 0

    last_replayed = False  # whether the last `run` replayed (the values are then not applied to the job yet)

    def run(self, path: str, report, check, cached_read: bool = True, clean: bool = True) -> dict:
        """The typed values of the ad at `path`: `check()` (which files its problems in `report`), or the
        last build's answer, its problems filed again.

        `cached_read`: the ad came from Pelican's content cache (else it is checked); `clean`: nothing was
        reported on it before its checks (else they are not kept: told what was already reported, they are
        not those of a clean read, and such an ad is read and checked again on every build anyway)."""
        self.last_replayed = False
        if self._cache is None:
            return check()
        self._seen.add(path)
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
        if clean and all(problem.path == path for problem in problems):
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
        # Every ad is read on every build: the checks of an ad no longer there (deleted, renamed) are dropped,
        # or the cache would keep every ad the site ever had.
        gone = [path for path in self._cache._cache if path not in self._seen]
        for path in gone:
            del self._cache._cache[path]
        if self._changed or gone:
            self._cache.save_cache()
            self._changed = False


def _version(settings, today, rules_file: str, vocabulary) -> str:
    """Everything besides the ad itself that its checks read; raises when one of them cannot be described."""
    digest = hashlib.sha256()
    digest.update(page_cache.code_digest())
    digest.update(_library_versions().encode())
    digest.update(page_cache.settings_digest(settings))
    read = {name: settings.get(name) for name in READ_SETTINGS}
    digest.update(json.dumps(read, sort_keys=True, ensure_ascii=False, default=_not_plain).encode())
    digest.update(json.dumps([repr(today), os.getcwd()]).encode())
    with open(rules_file, "rb") as handle:
        digest.update(hashlib.sha256(handle.read()).digest())
    if not isinstance(getattr(vocabulary, "skills", None), dict):
        raise TypeError(f"a skill vocabulary of type {type(vocabulary).__name__}")
    words = [str(vocabulary.path or ""), list(vocabulary.skills.items())]  # in order: later spellings win lookups
    digest.update(json.dumps(words, ensure_ascii=False, default=_not_plain).encode())
    return digest.hexdigest()


def _not_plain(value):
    raise TypeError(f"a {type(value).__qualname__} value")


def _library_versions() -> str:
    found = [sys.version]
    for library in LIBRARIES:
        try:
            found.append(f"{library}={metadata.version(library)}")
        except metadata.PackageNotFoundError:
            found.append(f"{library} absent")
    return ";".join(found)


class ProblemIndex:
    """Which fields of each file have problems in the report, and which files have errors, kept up to date.

    The loop over the ads asked the whole report, for each ad, which of its
    fields were already reported and whether it had errors, and again for
    each published one: quadratic, 2 s at 5,000 ads with one warning each
    (a site whose ads are not signed off yet). The report only grows during
    a build (problems are appended): each question reads only the problems
    filed since the last one. A report that shrank or was replaced is read
    again from its start.
    """

    def __init__(self, report):
        self._report = report
        self._problems = None
        self._done = 0
        self._fields: dict[str, set[str]] = {}
        self._errors: set[str] = set()

    def _catch_up(self) -> None:
        problems = self._report.problems
        if problems is not self._problems or len(problems) < self._done:
            self._problems, self._done = problems, 0
            self._fields, self._errors = {}, set()
        for problem in problems[self._done:]:
            self._fields.setdefault(problem.path, set()).add(problem.field)
            if problem.severity == "error":
                self._errors.add(problem.path)
        self._done = len(problems)

    def fields(self, path) -> set[str]:
        """`{p.field for p in report.problems if p.path == path}`."""
        self._catch_up()
        return set(self._fields.get(str(path), ()))

    def has_errors_for(self, path) -> bool:
        """`report.has_errors_for(path)`."""
        self._catch_up()
        return str(path) in self._errors
