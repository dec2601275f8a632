"""One function run in a forked child process, its answer (log records, result or error) sent back.

Pelican builds in one process; on a 2-core machine the second core sat idle
through the two long steps of a build, which need nothing from each other
half of the time: Markdown conversion of the job ads (`careers.prefetch`)
and the mail side beside the site's output (`mailing.engine.generator`). Both use
this module, and both fall back to doing the work in the process when
forking is not safe.

In the child, logging is captured (records made portable: message
formatted, traceback as text) and stdout/stderr are new objects, so nothing
the parent's other threads held at the fork (Rich's console, a stream's
lock) can block it. The parent replays the records with `replay`, through
its own logging, so Pelican's console, deduplication and `--fatal` see
every line as if the work had been done in the process.

A child dies with the process that forked it (`_die_with`, Linux's
parent-death signal): a build killed with `kill -9` leaves neither its mail
child nor that child's own (`mailing.engine.beside`) at work.
"""

from __future__ import annotations

import copy
import gc
import logging
import os
import pickle
import signal
import sys
import tempfile
import threading
import traceback

# Threads that may run while we fork: Rich's refresh thread, which animates Pelican's "Generating…"
# status. The child never writes to that console, so a lock held by that thread at the fork cannot block it.
KNOWN_THREADS = {"_RefreshThread"}


class ChildFailed(RuntimeError):
    """The child ended without an answer (killed, or its answer could not be read)."""


def can_fork() -> bool:
    """Whether forking is available and safe: no thread but this one and known ones."""
    if not hasattr(os, "fork"):
        return False
    current = threading.current_thread()
    return all(t is current or type(t).__name__ in KNOWN_THREADS for t in threading.enumerate())


class Capture(logging.Handler):
    """Log records, made portable (message formatted, traceback as text)."""

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


def replay(records) -> None:
    """Hand records logged elsewhere to this process's logging, as if logged here.

    Pelican's loggers raise `FilteredMessage` from their filter when a line
    is a duplicate or over its group's limit; `Logger.handle` does not catch
    it (Pelican's `_log` does), so it is caught here: the line is dropped,
    as it would have been in this process.
    """
    try:
        from pelican.log import FilteredMessage
    except ImportError:  # pragma: no cover — Pelican always has it
        FilteredMessage = ()  # noqa: N806
    for record in records:
        try:
            logging.getLogger(record.name).handle(record)
        except FilteredMessage:
            pass


# Children started and not joined yet: a build that failed before joining its child leaves it here,
# and the next build of the process (`make serve`) reaps it (`reap`).
_LIVE: list["Child"] = []


class Child:
    """A forked process running one function; `join` gives {"records", "result", "error"}.

    The answer goes to an unnamed temporary file, not a pipe: a child never
    waits for its parent to read, so one whose build failed before `join`
    still ends, and `reap` collects it.
    """

    capture: Capture | None = None  # in the child: the handler collecting its records

    def __init__(self, pid: int, answer):
        self.pid, self.answer = pid, answer

    @classmethod
    def start(cls, function, *, of_this_build: bool = True) -> "Child | None":
        """Fork and run `function` in the child; None if the system refuses the fork (the caller does the work).

        A child `of_this_build` is reaped by the next build of this process
        if this one fails before joining it (`reap`); another (started before
        the build, joined after it: `vivier build`'s pool fit) is its
        starter's to join or `stop`.
        """
        try:
            answer = tempfile.TemporaryFile()  # noqa: SIM115 — closed by join or reap
        except OSError:  # no room for the answer: the work is done here instead
            return None
        # What exists now is shared by both processes: frozen, no collector walks it (and writes to its
        # pages) in either; the next build of this process thaws it (careers.thaw).
        gc.freeze()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # out of memory or processes: the work is done here instead
            answer.close()
            return None
        if pid:
            child = cls(pid, answer)
            if of_this_build:
                _LIVE.append(child)
            return child
        _die_with(parent)
        _run_child(function, answer)  # never returns

    def stop(self) -> None:
        """Its answer is no longer wanted: end it and collect it (also after a `join` interrupted midway)."""
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self.answer.close()
        if self in _LIVE:
            _LIVE.remove(self)

    def result(self):
        """`join`, then as if `function` had run here: its records logged, its error raised, else its result."""
        answer = self.join()
        replay(answer["records"])
        if answer["error"] is not None:
            raise answer["error"]
        return answer["result"]

    def join(self) -> dict:
        try:
            _, status = os.waitpid(self.pid, 0)
            self.answer.seek(0)
            try:  # read from the file: a large answer is not held twice (its bytes and its objects)
                return pickle.load(self.answer)
            except Exception:
                raise ChildFailed(f"exit status {os.waitstatus_to_exitcode(status)}") from None
        finally:
            self.answer.close()
            if self in _LIVE:
                _LIVE.remove(self)


def _die_with(parent: int) -> None:
    """In the child, at once: killed when its parent dies (Linux's parent-death signal).

    A build killed with `kill -9` must not leave its mail child (or that
    child's own child, `mailing.engine.beside`) planning and writing the
    outbox on its own while the next build does the same. Elsewhere, or if
    the call fails, an orphan still ends by itself once its work is done.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call: nobody will send the signal
        os._exit(70)


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _run_child(function, answer_file) -> None:
    """In the child: run `function`, write the pickled answer, leave without the parent's exit handlers."""
    status = 0
    try:
        sys.stdout = open(os.dup(1), "w", encoding="utf-8", errors="replace")  # noqa: SIM115
        sys.stderr = open(os.dup(2), "w", encoding="utf-8", errors="replace")  # noqa: SIM115
        Child.capture = Capture()
        logging.getLogger().handlers = [Child.capture]
        answer = {"records": Child.capture.records, "result": None, "error": None}
        try:
            answer["result"] = function()
        except BaseException as exc:  # noqa: BLE001 — every failure goes back to the parent
            answer["error"] = portable_error(exc)
        try:  # into the file as it is pickled: a large answer is not held twice (its objects and its bytes)
            pickle.dump(answer, answer_file, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 — a result that cannot cross: say so, with the log
            answer_file.seek(0)
            answer_file.truncate()
            pickle.dump({"records": answer["records"], "result": None,
                         "error": RuntimeError(f"the child's answer could not be sent back: {exc!r}")}, answer_file)
        answer_file.flush()
    except BaseException:  # noqa: BLE001
        status = 70
        try:
            traceback.print_exc(file=sys.__stderr__)
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(status)


def reap() -> int:
    """Wait for the children of a build that failed before joining them; returns how many."""
    count = 0
    while _LIVE:
        child = _LIVE.pop()
        try:
            os.waitpid(child.pid, 0)
        except ChildProcessError:
            pass
        child.answer.close()
        count += 1
    return count


def portable_error(exc: BaseException) -> BaseException:
    """The exception itself, its traceback as a note, if it can be pickled back; else a RuntimeError saying it."""
    trace = "".join(traceback.format_tb(exc.__traceback__))
    try:
        if trace and hasattr(exc, "add_note"):
            exc.add_note("in the child process:\n" + trace.rstrip())
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return RuntimeError(f"{text}\n{trace}")
