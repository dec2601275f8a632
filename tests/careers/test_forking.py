"""careers/forking.py: a function in a forked child, its answer and log lines back, never a hang or a zombie."""

from __future__ import annotations

import logging
import os

import pytest

from careers import forking

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def test_the_answer_and_the_log_lines_come_back():
    def work():
        logging.getLogger("careers.test").warning("converted %d files", 3)
        return {"pid": os.getpid()}

    answer = forking.Child.start(work).join()
    assert answer["error"] is None and answer["result"]["pid"] != os.getpid()
    assert [r.getMessage() for r in answer["records"]] == ["converted 3 files"]


def test_an_error_in_the_child_comes_back_with_its_traceback_as_a_note():
    def broken():
        raise ValueError("bad ad")

    error = forking.Child.start(broken).join()["error"]
    assert isinstance(error, ValueError) and str(error) == "bad ad"
    assert any("in broken" in note for note in getattr(error, "__notes__", []))


def test_an_answer_that_cannot_cross_is_reported_not_lost():
    answer = forking.Child.start(lambda: {"f": lambda: None}).join()
    assert isinstance(answer["error"], RuntimeError) and "could not be sent back" in str(answer["error"])


def test_a_refused_fork_means_doing_the_work_here(monkeypatch):
    def refuse():
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(os, "fork", refuse)
    assert forking.Child.start(lambda: 1) is None


def test_a_child_never_joined_is_reaped_by_the_next_build():
    child = forking.Child.start(lambda: "x" * 200_000)  # more than a pipe holds: it must not block
    assert forking.reap() >= 1
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # already collected: no zombie left


def test_a_replayed_line_the_parent_s_filter_drops_is_dropped_quietly():
    import pelican.log  # noqa: F401 — Pelican's logger class: filters that raise FilteredMessage

    logger = logging.getLogger("careers.test.replay")
    logger.warning("the same line, twice")
    again = logging.makeLogRecord({"name": logger.name, "levelno": logging.WARNING, "levelname": "WARNING",
                                   "msg": "the same line, twice"})
    forking.replay([again])  # Pelican's duplicate filter raises inside Logger.handle: caught


def test_a_child_no_longer_wanted_is_stopped_and_reaped_even_after_a_join_cut_short():
    """`Child.stop`: the child killed and collected, its answer file closed; also when a `join` was
    interrupted (its answer file already closed), as when a walk in parts fails while joining."""
    import time

    for interrupted in (False, True):
        child = forking.Child.start(lambda: time.sleep(60), of_this_build=True)
        if interrupted:
            child.answer.close()  # what an interrupted join leaves
        started = time.monotonic()
        child.stop()
        assert time.monotonic() - started < 30  # killed, not waited for
        with pytest.raises(ChildProcessError):
            os.waitpid(child.pid, os.WNOHANG)  # reaped
        assert child.answer.closed and child not in forking._LIVE


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper is not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads Linux's /proc")
def test_a_build_killed_with_kill_9_leaves_no_child_or_grandchild_running(tmp_path):
    """A build process killed mid-run (kill -9): its mail child and that child's own child (the work beside
    the mail) die with it, instead of planning and writing the outbox beside the next build."""
    import signal
    import subprocess
    import sys
    import time

    pids = tmp_path / "pids"
    script = f"""
import os, sys, time
sys.path[:0] = {sys.path!r}
from careers import forking

def grandchild():
    time.sleep(120)

def child():
    forking.Child.start(grandchild, of_this_build=False)
    open({str(pids)!r}, "w").write(str(os.getpid()))
    time.sleep(120)

forking.Child.start(child)
time.sleep(120)
"""
    # The child's pid comes in the file, its own child's from /proc.
    build = subprocess.Popen([sys.executable, "-c", script])
    child, grandchildren = None, []
    try:
        deadline = time.monotonic() + 30
        while not (pids.exists() and pids.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(pids.read_text().split()[0])
        grandchildren = [int(p) for p in open(f"/proc/{child}/task/{child}/children").read().split()]
        assert len(grandchildren) == 1 and _alive(child) and _alive(grandchildren[0])
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=30)
        deadline = time.monotonic() + 30
        while (_alive(child) or _alive(grandchildren[0])) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child) and not _alive(grandchildren[0])
    finally:  # nothing left behind, even when the test fails
        build.kill()
        build.wait()
        for pid in (child, *grandchildren):
            if pid and _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_a_first_answer_comes_back_while_the_child_goes_on_and_its_lines_are_logged_once(caplog):
    """`send_early` in the child, `early` in the parent: the first part (and the lines logged before it)
    arrives while the child works on; the final answer brings the rest, no line twice."""
    import time

    def work():
        logging.getLogger("tests.forking").warning("before the first part")
        forking.send_early({"pages": 3})
        assert not forking.send_early({"pages": 4})  # once: the parent may be reading the first
        logging.getLogger("tests.forking").warning("after it")
        time.sleep(0.2)
        return "outbox written"

    with caplog.at_level(logging.WARNING, logger="tests.forking"):
        child = forking.Child.start(work)
        assert child.early() == {"pages": 3}
        assert [r.getMessage() for r in caplog.records] == ["before the first part"]
        assert child.early() is forking.MISSING  # no second part: it ended
        assert child.result() == "outbox written"
    assert [r.getMessage() for r in caplog.records] == ["before the first part", "after it"]
    assert not forking.send_early("here") and forking.Child.capture is None  # not in a child: nobody to hand it to


def test_a_first_answer_nobody_asked_for_keeps_its_lines_and_a_child_without_one_is_missing(caplog):
    def early_then_fail():
        logging.getLogger("tests.forking").warning("first")
        forking.send_early("part")
        raise ValueError("then broken")

    with caplog.at_level(logging.WARNING, logger="tests.forking"):
        child = forking.Child.start(early_then_fail)
        with pytest.raises(ValueError, match="then broken"):
            child.result()  # `early` never called: the first part's lines come with the final ones
    assert [r.getMessage() for r in caplog.records] == ["first"]
    plain = forking.Child.start(lambda: 42)
    assert plain.early() is forking.MISSING and plain.result() == 42


def test_a_killed_child_has_no_first_answer_and_fails_its_join():
    import signal

    child = forking.Child.start(lambda: os.kill(os.getpid(), signal.SIGKILL))
    assert child.early() is forking.MISSING
    with pytest.raises(forking.ChildFailed, match="exit status -9"):
        child.join()


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads Linux's /proc")
def test_a_finished_child_is_answered_before_it_is_gone_and_collected_later():
    """The answer is taken once the child says it is whole, not once the kernel has torn the child down
    (tens of milliseconds for a large process): here the child lingers after saying so."""
    def answer_then_linger():
        import time

        real_exit = os._exit
        os._exit = lambda status: (time.sleep(3), real_exit(status))  # in the child only: its leaving is slow
        return "done"

    child = forking.Child.start(answer_then_linger, of_this_build=False)
    assert child.result() == "done"
    assert _alive(child.pid) and child.pid in forking._EXITING  # answered while it still runs
    forking.reap()  # collected (waited for) by the next build of this process
    assert child.pid not in forking._EXITING
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)


def test_a_process_leaving_without_joining_its_child_lets_it_finish(tmp_path):
    """A failed build (`sys.exit` before its mail child was joined) waits for the child at exit: the child
    ends its work instead of dying with its parent midway."""
    import subprocess
    import sys

    done = tmp_path / "done"
    script = f"""
import os, sys, time
sys.path[:0] = {sys.path!r}
from careers import forking

def work():
    time.sleep(0.5)
    open({str(done)!r}, "w").write("written")

forking.Child.start(work)
sys.exit(1)
"""
    assert subprocess.run([sys.executable, "-c", script], timeout=60).returncode == 1
    assert done.read_text() == "written"


def test_a_child_answered_before_it_left_is_collected_at_exit_and_its_time_counted(tmp_path):
    """The parent takes a finished child's answer before the child is gone; leaving, it collects it, so that
    the child's CPU time still counts among the process tree's (what `make bench` reads with `os.wait4`)."""
    import subprocess
    import sys

    script = f"""
import os, sys, time
sys.path[:0] = {sys.path!r}
from careers import forking

def busy():
    end = time.process_time() + 0.6
    while time.process_time() < end:
        pass
    real_exit = os._exit
    os._exit = lambda status: (time.sleep(0.3), real_exit(status))  # slow to leave: answered first
    return "done"

child = forking.Child.start(busy)
assert child.result() == "done" and child.pid in forking._EXITING
"""
    process = subprocess.Popen([sys.executable, "-c", script])
    _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert usage.ru_utime + usage.ru_stime >= 0.6  # the child's busy time, counted through its parent


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="reads Linux's /proc")
def test_a_child_whose_first_answer_cannot_be_read_is_stopped_not_left_at_work():
    """A first answer that cannot be read fails (ChildFailed) and the child, still at work, is stopped: the
    caller then does the work itself, never beside it."""
    import time

    def garbled():
        forking._SELF["early"].write(b"not a pickle")
        forking._SELF["early"].flush()
        os.write(forking._SELF["ready"], forking._EARLY)
        time.sleep(30)  # would go on writing

    child = forking.Child.start(garbled)
    with pytest.raises(forking.ChildFailed, match="first answer could not be read"):
        child.early()
    assert not _alive(child.pid) and child not in forking._LIVE
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # collected
    child.stop()  # and stopping it again signals no other process
