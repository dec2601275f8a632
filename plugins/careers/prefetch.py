"""Job ads converted on both cores: a child converts the last files while the build reads the first.

Converting Markdown is most of a cold build's reading (about 4 s of 5.3 s at
5,000 job ads) and ran on one core. Before the jobs generator reads its
files, `start` forks a child that runs our reader (`VivierMarkdownReader.read`)
on the last 58 % of the files Pelican's cache does not hold, in order,
and keeps for each file what the read produced: the HTML and metadata, the
problems it filed in the build's report, the records it logged, and the
text (for the wording check), and the wording check's problems
(`job_rules.wording_problems`, filed later by the parent in their place: the
check took 0.6 s of the parent's time at 5,000 ads, the child's share of it
now runs beside). The parent reads the first files as before;
when it comes to a file of the child's share, the reader takes the child's
result instead of converting (`take`): the problems are filed and the
records logged at that moment, so the report and the log are in the order
of a read in one process, and Pelican caches the result as usual.

Only a result for the same file (same size and modification time as when
the child read it) is taken. A file the child could not read, or all of
them if the child failed, is simply read by the parent: this module only
ever saves time. It is not used with fewer than `MINIMUM` files to convert,
when forking is not safe (`careers.forking`), or with
`JOBS_PARALLEL_READING = False`.
"""

from __future__ import annotations

import contextlib
import logging
import os

from . import forking
from .reader import VivierMarkdownReader
from .report import get_report

logger = logging.getLogger(__name__)

MINIMUM = 200  # below this, forking costs about what it saves
# The child's share of the files. This process converts its share and then checks every ad (schema,
# wording, title: about a third of the conversion time, measured at 5,000 ads), so both finish together
# when the child converts a bit more than half: (convert + check) / (2 × convert + check).
CHILD_SHARE = 0.58


def _stamp(path: str):
    info = os.stat(path)
    return info.st_mtime_ns, info.st_size


class Prefetch:
    """The child's results for its files, fetched on the first `take`."""

    def __init__(self, paths: list[str], child: forking.Child):
        self.paths = set(paths)
        self._child = child
        self._results: dict | None = None

    def _fetch(self) -> dict:
        if self._results is None:
            child, self._child = self._child, None
            try:
                answer = child.join()
            except forking.ChildFailed as exc:
                logger.debug("job ads read in one process: the reading child ended without an answer (%s)", exc)
                answer = {"result": None}
            self._results = answer.get("result") or {}
        return self._results

    def take(self, path: str, settings):
        """(content, metadata, text, wording) of `path` from the child, its problems filed and records logged;
        else None. `wording`: (language, problems) of the wording check, or None."""
        if path not in self.paths:
            return None
        self.paths.discard(path)
        result = self._fetch().pop(path, None)
        if result is None:
            return None
        stamp, content, metadata, problems, records, text, wording = result
        try:
            if _stamp(path) != stamp:
                return None
        except OSError:
            return None
        get_report(settings).problems.extend(problems)
        forking.replay(records)
        return content, metadata, text, wording

    def close(self) -> None:
        """Reap the child if no file of its share was read (a build that stopped early)."""
        if self._child is not None:
            self._fetch()
        self._results = None


def start(readers, base_path: str, paths: list[str], settings) -> Prefetch | None:
    """Fork a child converting the last CHILD_SHARE of the uncached `paths`; None when not worth it or not safe."""
    if not settings.get("JOBS_PARALLEL_READING", True) or not forking.can_fork():
        return None
    todo = []
    for path in paths:
        full = os.path.abspath(os.path.join(base_path, path))
        reader = readers.readers.get(os.path.splitext(path)[1][1:])
        if not isinstance(reader, VivierMarkdownReader):  # another reader: it cannot take results
            continue
        if readers.get_cached_data(full, None) is None:
            todo.append((full, reader))
    if len(todo) < MINIMUM:
        return None
    mine = todo[len(todo) - int(len(todo) * CHILD_SHARE):]
    logger.info("job ads: %d of %d converted by a second process", len(mine), len(todo))

    def convert() -> dict:
        report = get_report(settings)
        results = {}
        rules = _wording_rules(settings)
        for full, reader in mine:
            before, logged = len(report.problems), len(forking.Child.capture.records)
            try:
                stamp = _stamp(full)
                content, metadata = reader.read(full)
            except Exception:  # the parent reads it again and reports it as it always did
                continue
            text = reader.last_text[1] if reader.last_text and reader.last_text[0] == full else None
            results[full] = (stamp, content, metadata, report.problems[before:],
                             forking.Child.capture.records[logged:], text, _wording(full, metadata, text, rules, settings))
        del forking.Child.capture.records[:]  # each file carries its own: not sent twice
        return results

    child = forking.Child.start(convert)
    return Prefetch([full for full, _ in mine], child) if child is not None else None


def _wording_rules(settings):
    """The wording rules, or None when they cannot be loaded (the parent then checks and says why)."""
    from .job_rules import load_rules, rules_path

    try:
        return load_rules(rules_path(settings))
    except Exception:  # noqa: BLE001 — reported by the parent's own load
        return None


def _wording(path: str, metadata: dict, text: str | None, rules, settings):
    """(language, problems) of the wording check of a file converted here, in the job's language as Pelican gives
    it (its Lang field, else the default); None when it cannot be worked out (the parent then checks)."""
    from .job_rules import wording_problems

    lang = metadata.get("lang") or settings.get("DEFAULT_LANG")
    if rules is None or text is None or not isinstance(lang, str):
        return None
    try:
        return lang, wording_problems(path, lang, rules, text)
    except Exception:  # noqa: BLE001 — the parent checks it again
        return None


@contextlib.contextmanager
def prefetched(readers, base_path: str, paths: list[str], settings):
    """While reading `paths` in this order: our readers take the child's results for its share."""
    fetch = start(readers, base_path, paths, settings)
    ours = [r for r in readers.readers.values() if isinstance(r, VivierMarkdownReader)]
    for reader in ours:
        reader.prefetch = fetch
    try:
        yield fetch
    finally:
        for reader in ours:
            reader.prefetch = None
        if fetch is not None:
            fetch.close()
