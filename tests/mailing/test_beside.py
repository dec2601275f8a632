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
