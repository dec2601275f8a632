"""The mail generators of a build, in a child process while Pelican writes the career site.

Newsletters, invitations and job alerts need the whole site context (jobs,
events) but nothing of the site's pages, and the site's pages need nothing of
the emails. A build ran them one after the other: at 5,000 jobs the mail
side took 2.3 s of a 7.4 s rebuild and 5 s of a cold build, the second core
idle. Pelican sees one generator here, `MailGenerators`:

- `generate_context`, once the careers generators have read every job and
  event with no error, forks. The child runs the newsletter, invitation and
  alert generators as a build always did (read, compile, check, plan; then,
  if nothing is wrong, write the outbox and the archive pages) while the
  parent goes on and writes the site.
- `generate_output` waits for the child and takes back, in this order, what
  it logged (replayed through the parent's logging, so Pelican's console,
  its deduplication and `--fatal` see every line), the output files it wrote
  (kept by `careers.output`'s sweep), and its content problems: warnings are
  logged, and errors fail the build with the same one-list ContentError.
  A child that ends without an answer fails the build too.

Without `os.fork`, with other threads running (forking them is unsafe; Rich's
refresh thread of Pelican's status line is the one known exception), with
errors already found in the content (every problem must be listed at once),
or with `MAILING_BACKGROUND = False`, the three generators run in the
process, in Pelican's order, exactly as before. `vivier check` and the CLI's
plans use the three generators directly (`careers.build.read_all` takes
`parts`). The one difference a user can see: when only an email is wrong,
the career site's pages are written before the build fails.
"""

from __future__ import annotations

import copy
import logging
import os
import pickle
import sys
import threading
import traceback

from careers import output
from careers.report import ContentReport, get_report

from . import memo
from .alert_generator import AlertsGenerator
from .generator import NewsletterGenerator
from .invitation_generator import InvitationsGenerator

logger = logging.getLogger(__name__)


class ChildFailed(RuntimeError):
    """The mail generators' process ended without an answer."""


class MailGenerators:
    """Newsletters, invitations and alerts (in this order: they share one frequency budget)."""

    # In this order: invitations and alerts share the newsletters' frequency
    # budget and may take a newsletter back from a member over budget.
    parts = (NewsletterGenerator, InvitationsGenerator, AlertsGenerator)

    def __init__(self, *args, **kwargs):
        self.generators = [cls(*args, **kwargs) for cls in self.parts]
        self.settings = self.generators[0].settings
        self.output_path = self.generators[0].output_path
        self._child: _Child | None = None

    def generate_context(self):
        if self._can_fork():
            self._child = _Child.start(self._run_in_child)
            return
        for generator in self.generators:
            generator.generate_context()

    def generate_output(self, writer):
        if self._child is None:
            for generator in self.generators:
                generator.generate_output(writer)
            return
        child, self._child = self._child, None
        answer = child.join()
        for record in answer["records"]:
            logging.getLogger(record.name).handle(record)
        record = output.produced(self.settings)
        record.paths.update(answer["paths"])
        record.written += answer["written"]
        record.unchanged += answer["unchanged"]
        memo.handed_over(self.settings)  # the child used the memo and pruned it; this process has nothing to prune
        if answer["error"] is not None:
            raise answer["error"]
        report = get_report(self.settings)
        report.problems.extend(answer["problems"])
        ContentReport(report.root, list(answer["problems"])).raise_if_errors()

    # --- in the child ---------------------------------------------------------------------------

    def _can_fork(self) -> bool:
        return (bool(self.settings.get("MAILING_BACKGROUND", True)) and hasattr(os, "fork")
                and _only_known_threads() and not get_report(self.settings).errors)

    def _run_in_child(self) -> dict:
        """Everything the three generators did in a build, then what the parent needs back."""
        from careers.content_cache import forget_files_with_problems

        report = get_report(self.settings)
        known = len(report.problems)
        record = output.produced(self.settings)
        written, unchanged = record.written, record.unchanged
        for generator in self.generators:
            generator.generate_context()
        mine = ContentReport(report.root, report.problems[known:])
        forget_files_with_problems(self.generators, mine)
        if not report.errors:
            writer = output.Writer(self.output_path, settings=self.settings)
            for generator in self.generators:
                generator.generate_output(writer)
            memo.finish_build(self.settings)
        return {"problems": report.problems[known:], "paths": record.paths,
                "written": record.written - written, "unchanged": record.unchanged - unchanged}


# Threads that may run while we fork: Rich's refresh thread, which animates Pelican's "Generating…"
# status. The child never writes to that console (its logging is captured, its stdout and stderr are
# new objects), so a console lock held by that thread at the fork cannot block it.
_KNOWN_THREADS = {"_RefreshThread"}


def _only_known_threads() -> bool:
    current = threading.current_thread()
    return all(t is current or type(t).__name__ in _KNOWN_THREADS for t in threading.enumerate())


class _Capture(logging.Handler):
    """The child's log records, made portable (message formatted, traceback as text)."""

    def __init__(self):
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        portable = copy.copy(record)
        portable.msg, portable.args = record.getMessage(), None
        if record.exc_info:
            portable.exc_text = logging.Formatter().formatException(record.exc_info)
            portable.exc_info = None
        try:
            pickle.dumps(portable)
        except Exception:  # an `extra` value that cannot cross: keep the line itself
            portable = logging.makeLogRecord({"name": record.name, "levelno": record.levelno,
                                              "levelname": record.levelname, "msg": portable.msg,
                                              "exc_text": portable.exc_text})
        self.records.append(portable)


class _Child:
    """A forked process running one function; its answer (or its exception) comes back pickled."""

    def __init__(self, pid: int, reader: int):
        self.pid, self.reader = pid, reader

    @classmethod
    def start(cls, function) -> "_Child":
        reader, writer = os.pipe()
        pid = os.fork()
        if pid:
            os.close(writer)
            return cls(pid, reader)
        # The child: never returns, never runs the parent's exit handlers.
        status = 0
        try:
            os.close(reader)
            # New stream objects: the parent's may have been locked by another thread at the fork.
            sys.stdout = open(os.dup(1), "w", encoding="utf-8", errors="replace")  # noqa: SIM115
            sys.stderr = open(os.dup(2), "w", encoding="utf-8", errors="replace")  # noqa: SIM115
            capture = _Capture()
            root = logging.getLogger()
            root.handlers = [capture]
            logging.captureWarnings(True)
            answer = {"records": capture.records, "error": None}
            try:
                answer.update(function())
            except BaseException as exc:  # noqa: BLE001 — every failure goes back to the parent
                answer.update(error=_portable_error(exc), problems=[], paths=set(), written=0, unchanged=0)
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(data)
        except BaseException:  # noqa: BLE001
            status = 70
        finally:
            os._exit(status)

    def join(self) -> dict:
        chunks = []
        with os.fdopen(self.reader, "rb") as pipe:
            while chunk := pipe.read(1 << 20):
                chunks.append(chunk)
        _, status = os.waitpid(self.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        try:
            return pickle.loads(b"".join(chunks))
        except Exception:
            raise ChildFailed(f"the newsletters, invitations and job alerts process ended without an answer "
                              f"(exit status {code}); run the build again with MAILING_BACKGROUND = False "
                              "to see the error in this process") from None


def _portable_error(exc: BaseException) -> BaseException:
    """The exception itself if it can be pickled back, else a RuntimeError with its text and traceback."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return RuntimeError(f"{text}\n{''.join(traceback.format_tb(exc.__traceback__))}")
