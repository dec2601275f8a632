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

import atexit
import contextlib
import copy
import functools
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
    still ends, and `reap` collects it. A pipe carries one byte per answer
    (`_EARLY`, `_DONE`), written once the answer is whole in its file: the
    parent takes a finished child's answer without waiting for the kernel to
    tear down its memory (tens of milliseconds for a mail child of a few
    hundred MB), and the child is collected later (`_EXITING`). The function
    may hand back a first part of its work before it ends (`send_early`,
    taken by `early`).
    """

    capture: Capture | None = None  # in the child: the handler collecting its records

    def __init__(self, pid: int, answer, early_answer=None, ready: int | None = None):
        self.pid, self.answer, self.early_answer, self.ready = pid, answer, early_answer, ready
        self._ended = False  # the child said it is done (`_DONE`), or its end of the pipe closed
        self._said_done = False
        self._gone = False  # collected, or handed to `_EXITING`: its pid is no longer this object's to signal
        self._kept: list = []  # records of an early answer nobody asked for: replayed with the final one

    @classmethod
    def start(cls, function, *, of_this_build: bool = True) -> "Child | None":
        """Fork and run `function` in the child; None if the system refuses the fork (the caller does the work).

        A child `of_this_build` is reaped by the next build of this process
        if this one fails before joining it (`reap`); another (started before
        the build, joined after it: `vivier build`'s pool fit) is its
        starter's to join or `stop`.
        """
        _collect_exited()
        handles = []
        try:
            handles.append(tempfile.TemporaryFile())  # noqa: SIM115 — the answer: closed by join or reap
            handles.append(tempfile.TemporaryFile())  # noqa: SIM115 — a first answer (`send_early`)
            read_end, write_end = os.pipe()
        except OSError:  # no room for the answer, no file left: the work is done here instead
            for handle in handles:
                handle.close()
            return None
        answer, early_answer = handles
        death_signal = _death_signal()  # looked up here, not in each child
        # What exists now is shared by both processes: frozen, no collector walks it (and writes to its
        # pages) in either; the next build of this process thaws it (careers.thaw).
        gc.freeze()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # out of memory or processes: the work is done here instead
            for handle in (answer, early_answer):
                handle.close()
            os.close(read_end)
            os.close(write_end)
            return None
        if pid:
            os.close(write_end)  # only the child's end: its death closes the pipe
            child = cls(pid, answer, early_answer, read_end)
            if of_this_build:
                _LIVE.append(child)
            return child
        _run_child(function, answer, early_answer, write_end, lambda: (os.close(read_end), _die_with(parent, death_signal)))

    def stop(self) -> None:
        """Its answer is no longer wanted: end it and collect it (also after a `join` interrupted midway; never
        once it was collected, when its pid may be another process's)."""
        if not self._gone:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self._gone = True
        self._close()

    def result(self):
        """`join`, then as if `function` had run here: its records logged, its error raised, else its result."""
        answer = self.join()
        replay(answer["records"])
        if answer["error"] is not None:
            raise answer["error"]
        return answer["result"]

    def early(self):
        """What the function handed back with `send_early` (its records logged here first); `MISSING` when it
        ended, or died, without (then `join` or `result` tells which)."""
        while not self._ended:
            signal_byte = self._next_signal()
            if signal_byte == _EARLY:
                records, value = self._load_early()
                replay(records)
                return value
        return MISSING

    def _load_early(self):
        """The first answer's (records, value); unreadable: the child, still at work, is stopped (never left to
        write beside whoever does its work instead) and ChildFailed raised."""
        self.early_answer.seek(0)
        try:
            found = pickle.load(self.early_answer)
        except Exception as exc:  # noqa: BLE001
            self.stop()
            raise ChildFailed(f"its first answer could not be read ({exc!r})") from None
        return found["records"], found["value"]

    def join(self) -> dict:
        try:
            while not self._ended:
                if self._next_signal() == _EARLY:  # not asked for: its records go before the final ones
                    records, _ = self._load_early()
                    self._kept.extend(records)
            status = self._collect()
            self.answer.seek(0)
            try:  # read from the file: a large answer is not held twice (its bytes and its objects)
                answer = pickle.load(self.answer)
            except Exception:
                if status is None:  # it said it was done: the answer was whole, and unreadable
                    raise ChildFailed("its answer could not be read") from None
                raise ChildFailed(f"exit status {os.waitstatus_to_exitcode(status)}") from None
            answer["records"] = self._kept + answer["records"]
            return answer
        finally:
            if self._ended:
                self._close()
            else:  # interrupted before it said it was done: its answer is no longer wanted
                self.stop()

    # --- the pipe -------------------------------------------------------------------------------

    def _next_signal(self) -> bytes:
        """The next byte of the pipe: `_EARLY`, `_DONE`, or b"" when the child is gone (its end closed)."""
        if self.ready is None:
            self._ended = True
            return b""
        signal_byte = os.read(self.ready, 1)
        if signal_byte != _EARLY:
            self._ended = True
            self._said_done = signal_byte == _DONE
        return signal_byte

    def _collect(self) -> int | None:
        """Collect a child that ended; one that said it is done may still be leaving: collected later, unless
        already gone. The status when collected here after no word from it (killed?), else None."""
        self._gone = True
        if self._said_done:
            try:
                pid, _ = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid == 0:
                _EXITING.append(self.pid)
            return None
        try:
            return os.waitpid(self.pid, 0)[1]
        except ChildProcessError:
            return None

    def _close(self) -> None:
        for handle in (self.answer, self.early_answer):
            if handle is not None:
                handle.close()
        if self.ready is not None:
            os.close(self.ready)
            self.ready = None
        if self in _LIVE:
            _LIVE.remove(self)


_EARLY, _DONE = b"E", b"D"  # what the pipe says: a first answer is in its file; the answer is whole in its file
MISSING = object()  # `Child.early`: no first answer came
_EXITING: list[int] = []  # children that said they were done, not collected yet (`_collect_exited`, `reap`)
_SELF: dict = {}  # in a child: its first answer's file and its end of the pipe (`send_early`)


def send_early(value) -> bool:
    """In a child, once: hand `value` (and the lines logged so far) back now; the parent takes it with `early`
    while this process goes on. False outside a child (the caller has nobody to hand it to) or a second time
    (the parent may be reading the first: the file is not written again)."""
    if not _SELF or Child.capture is None or _SELF.get("sent"):
        return False
    _SELF["sent"] = True
    handle = _SELF["early"]
    records = list(Child.capture.records)
    pickle.dump({"records": records, "value": value}, handle, protocol=pickle.HIGHEST_PROTOCOL)
    handle.flush()
    del Child.capture.records[: len(records)]  # sent: not again with the final answer
    os.write(_SELF["ready"], _EARLY)
    return True


def _collect_exited() -> None:
    """Collect, without waiting, the children that said they were done and have left since."""
    for pid in list(_EXITING):
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                continue
        except ChildProcessError:
            pass
        _EXITING.remove(pid)


def _die_with(parent: int, prctl) -> None:
    """In the child, at once: killed when its parent dies (Linux's parent-death signal).

    A build killed with `kill -9` must not leave its mail child (or that
    child's own child, `mailing.engine.beside`) planning and writing the
    outbox on its own while the next build does the same. Elsewhere, or if
    the call fails, an orphan still ends by itself once its work is done.
    """
    if prctl is None or prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return
    if os.getppid() != parent:  # the parent died before the call: nobody will send the signal
        os._exit(70)


@functools.lru_cache(maxsize=1)
def _death_signal():
    """libc's `prctl` (Linux), or None: where there is none, or ctypes cannot reach it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except Exception:  # noqa: BLE001 — no ctypes, no libc symbol: children are not tied to their parent
        return None


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _run_child(function, answer_file, early_file, ready: int, set_up) -> None:
    """In the child: `set_up()`, run `function`, write the pickled answer, say so, collect its own children that
    answered, leave without the parent's exit handlers (whatever happens: never back into the parent's code)."""
    status = 0
    try:
        set_up()
        if _SELF:  # a child of a child: the end of the pipe it inherited is not its own to hold open
            with contextlib.suppress(OSError):
                os.close(_SELF["ready"])
        _SELF.clear()
        _SELF.update(early=early_file, ready=ready)
        _EXITING.clear()  # its parent's to collect, not its own
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
        with contextlib.suppress(OSError):  # the answer is whole: the parent need not wait for this process to go
            os.write(ready, _DONE)
        while _EXITING:  # its own children that answered: collected, so that their time counts in its own
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(_EXITING.pop(), 0)
    except BaseException:  # noqa: BLE001
        status = 70
        try:
            traceback.print_exc(file=sys.__stderr__)
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(status)


@atexit.register
def _wait_at_exit() -> None:
    """A process leaving (a failed build, `sys.exit`) waits for the children it has not joined: they end their
    work (a mail child writing the outbox) instead of being killed midway with it (`_die_with`). It collects
    those that answered and are still leaving too: their time then counts in this process's children's
    (`os.wait4`, `getrusage`), as it did when each was waited for at its join."""
    for child in list(_LIVE):
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(child.pid, 0)
    while _EXITING:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(_EXITING.pop(), 0)


def reap() -> int:
    """Wait for the children of a build that failed before joining them, and those still leaving; returns how
    many of the first."""
    count = 0
    while _LIVE:
        child = _LIVE.pop()
        try:
            os.waitpid(child.pid, 0)
        except ChildProcessError:
            pass
        child._close()
        count += 1
    while _EXITING:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(_EXITING.pop(), 0)
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
