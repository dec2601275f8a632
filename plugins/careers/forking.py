"""One function run in a forked child process, its answer (log records, result or error) sent back.

Pelican builds in one process; on a 2-core machine the second core sat idle
through the two long steps of a build, which need nothing from each other
half of the time: Markdown conversion of the job ads (`careers.prefetch`)
and the mail side beside the site's output (`mailing.background`). Both use
this module, and both fall back to doing the work in the process when
forking is not safe.

In the child, logging is captured (records made portable: message
formatted, traceback as text) and stdout/stderr are new objects, so nothing
the parent's other threads held at the fork (Rich's console, a stream's
lock) can block it. The parent replays the records with `replay`, through
its own logging, so Pelican's console, deduplication and `--fatal` see
every line as if the work had been done in the process.
"""

from __future__ import annotations

import copy
import gc
import logging
import os
import pickle
import sys
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
    """Hand records logged elsewhere to this process's logging, as if logged here."""
    for record in records:
        logging.getLogger(record.name).handle(record)


class Child:
    """A forked process running one function; `join` gives {"records", "result", "error"}."""

    capture: Capture | None = None  # in the child: the handler collecting its records

    def __init__(self, pid: int, reader: int):
        self.pid, self.reader = pid, reader

    @classmethod
    def start(cls, function) -> "Child":
        reader, writer = os.pipe()
        # What exists now is shared by both processes: frozen, no collector walks it (and writes to its
        # pages) in either; the build thaws it when it ends (careers.thaw).
        gc.freeze()
        pid = os.fork()
        if pid:
            os.close(writer)
            return cls(pid, reader)
        # The child: never returns, never runs the parent's exit handlers.
        status = 0
        try:
            os.close(reader)
            sys.stdout = open(os.dup(1), "w", encoding="utf-8", errors="replace")  # noqa: SIM115
            sys.stderr = open(os.dup(2), "w", encoding="utf-8", errors="replace")  # noqa: SIM115
            Child.capture = Capture()
            logging.getLogger().handlers = [Child.capture]
            logging.captureWarnings(True)
            answer = {"records": Child.capture.records, "result": None, "error": None}
            try:
                answer["result"] = function()
            except BaseException as exc:  # noqa: BLE001 — every failure goes back to the parent
                answer["error"] = portable_error(exc)
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
        try:
            return pickle.loads(b"".join(chunks))
        except Exception:
            raise ChildFailed(f"exit status {os.waitstatus_to_exitcode(status)}") from None


def portable_error(exc: BaseException) -> BaseException:
    """The exception itself if it can be pickled back, else a RuntimeError with its text and traceback."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return RuntimeError(f"{text}\n{''.join(traceback.format_tb(exc.__traceback__))}")
