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
