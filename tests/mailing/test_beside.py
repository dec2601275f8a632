"""Work handed to the process that plans the mail (mailing/engine/beside.py): answers, errors, no answer."""

from __future__ import annotations

import pickle

import pytest

from mailing.engine import beside


def test_each_task_s_value_or_error_comes_back_by_name_and_a_task_not_run_has_no_answer():
    tasks = beside.Tasks()
    tasks.add("count", lambda: 42)
    tasks.add("broken", lambda: 1 / 0)
    tasks.add("after", lambda: ["still", "run"])  # a failed task does not stop the others
    assert tasks.answer("count") is beside.MISSING  # nothing ran yet: the caller counts it itself
    done = pickle.loads(pickle.dumps(tasks.run()))  # as the mail child's answer travels
    parent = beside.Tasks()
    parent.take(done)
    assert parent.answer("count") == 42 and parent.answer("after") == ["still", "run"]
    with pytest.raises(ZeroDivisionError):
        parent.answer("broken")
    assert parent.answer("never added") is beside.MISSING


def test_a_build_s_tasks_live_in_its_settings_and_never_in_pelican_s_cache():
    settings = {}
    tasks = beside.tasks(settings)
    tasks.add("count", lambda: 1)
    assert beside.tasks(settings) is tasks and settings[beside.KEY] is tasks
    copied = pickle.loads(pickle.dumps(settings))  # Pelican pickles settings into its content cache
    assert copied[beside.KEY].functions == {} and copied[beside.KEY].answers == {}
    tasks.take({"count": (True, 7)})
    tasks.add("count", lambda: 2)  # added again: the old answer is forgotten
    assert tasks.answer("count") is beside.MISSING


def test_answers_for_a_build_that_added_no_task_leave_its_settings_as_they_were():
    """`make serve` builds again and again with one settings dict: a key that appeared after the first
    build would change every page's inputs (the page cache describes the upper-case settings)."""
    settings = {"MAILING_BACKGROUND": True}
    beside.hand_back(settings, {})
    assert settings == {"MAILING_BACKGROUND": True}
    assert not beside.KEY.isupper()


def _may_fork(monkeypatch):
    """`careers.forking.can_fork` says yes: a pytest-xdist worker runs execnet's threads, which the child
    never touches (it leaves by `os._exit`)."""
    from careers import forking

    monkeypatch.setattr(forking, "can_fork", lambda: True)


def test_tasks_started_beside_the_mail_run_in_a_child_and_their_answers_come_back(monkeypatch):
    import os

    _may_fork(monkeypatch)
    settings = {}
    beside.tasks(settings).add("where", os.getpid)
    beside.tasks(settings).add("broken", lambda: {}["missing"])
    running = beside.start(settings)
    assert running is not None and running[1] is not None  # a child of its own
    answers = beside.finish(running)
    here = beside.Tasks()
    here.take(answers)
    assert here.answer("where") not in (os.getpid(), beside.MISSING)
    with pytest.raises(KeyError):
        here.answer("broken")
    assert beside.start({}) is None and beside.finish(None) == {}  # no task: no child


def test_tasks_whose_child_is_killed_or_cannot_be_forked_run_after_the_mail_and_stopped_ones_give_nothing(monkeypatch):
    import os
    import signal
    import time

    from careers import forking

    _may_fork(monkeypatch)
    settings = {}
    beside.tasks(settings).add("where", lambda: (time.sleep(0.3), os.getpid())[1])  # killed before it answers
    running = beside.start(settings)
    os.kill(running[1].pid, signal.SIGKILL)
    assert beside.finish(running) == {"where": (True, os.getpid())}  # done here instead, once
    monkeypatch.setattr(forking.Child, "start", classmethod(lambda cls, *a, **k: None))  # the system refuses
    running = beside.start(settings)
    assert running[1] is None and beside.finish(running) == {"where": (True, os.getpid())}
    monkeypatch.undo()
    _may_fork(monkeypatch)
    beside.tasks(settings).add("slow", lambda: time.sleep(30))
    running = beside.start(settings)
    beside.stop(running)  # the mail found errors: ended at once, collected
    try:
        os.kill(running[1].pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive


def test_a_task_whose_answer_cannot_travel_or_a_child_whose_answer_fails_never_fails_the_mail(monkeypatch):
    """The pool fit is a report beside the mail: whatever goes wrong with it comes back as its answer's error,
    never out of `finish` (which would lose the mail's own answer)."""
    import os

    from careers import forking

    _may_fork(monkeypatch)
    settings = {}
    beside.tasks(settings).add("unpicklable", lambda: (lambda: None))
    beside.tasks(settings).add("fine", os.getpid)
    running = beside.start(settings)
    answers = beside.finish(running)  # in the child: the lambda cannot be pickled back
    assert answers["unpicklable"][0] is False and answers["fine"][0] is True

    class Broken:
        pid = None

        def result(self):
            raise RuntimeError("the child's answer could not be sent back")

    answers = beside.finish((beside.tasks(settings), Broken(), None))
    assert {name: ok for name, (ok, _) in answers.items()} == {"unpicklable": False, "fine": False}
    assert "could not be sent back" in str(answers["fine"][1])
    monkeypatch.setattr(forking.Child, "start", classmethod(lambda cls, *a, **k: (_ for _ in ()).throw(OSError("no"))))
    running = beside.start(settings)  # the fork itself raised: run after the mail
    assert running[1] is None and beside.finish(running)["fine"] == (True, os.getpid())


def test_a_task_that_takes_the_context_gets_the_build_s_beside_the_mail_and_after_it(monkeypatch):
    """`takes_context`: the task is given the build's context as the mail process read it (`vivier build`'s
    pool fit counts the jobs the build read instead of reading every ad again), in the child and when run
    after the mail alike; the others are called without it."""
    import os

    from careers import forking

    _may_fork(monkeypatch)
    context = {"jobs": ["ad-1", "ad-2"]}
    settings = {}
    beside.tasks(settings).add("jobs", lambda given: (os.getpid(), given["jobs"]), takes_context=True)
    beside.tasks(settings).add("plain", lambda: "no context")
    here = beside.Tasks()
    here.take(beside.finish(beside.start(settings, context)))
    pid, jobs = here.answer("jobs")
    assert pid != os.getpid() and jobs == ["ad-1", "ad-2"] and here.answer("plain") == "no context"
    monkeypatch.setattr(forking, "can_fork", lambda: False)  # no child: run after the mail, in this process
    here.take(beside.finish(beside.start(settings, context)))
    assert here.answer("jobs") == (os.getpid(), ["ad-1", "ad-2"])
    beside.tasks(settings).add("jobs", lambda: "plain again")  # added again without: called without
    assert beside.tasks(settings).run(context)["jobs"] == (True, "plain again")
