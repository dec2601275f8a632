"""Work a build wants done where the member store is open: beside the mail, in a child of the mail process.

A build opens the member store only where mail is planned: the mail child
(`generator.MailEngine`, forked while Pelican writes the site). Other work
that reads the store during a build — `vivier build`'s pool-fit table — ran
in a child of its own, which opened the store and imported its driver
(SQLAlchemy, a tenth of a second) a second time. Such work is now handed to
the mail child instead: `tasks(settings).add(name, function)` before the
build, and after it `tasks(settings).answer(name)` gives what the function
returned (or raises what it raised). A build whose mail ran in this process,
or failed before its tasks, has no answer (`answer` returns `MISSING`): the
caller does the work itself, as before.

The mail child imports the store's driver, then forks once more (`start`):
the tasks run in that grandchild while the mail is planned, sharing the
import. Run after the mail, in the mail child itself, the pool fit (about
0.7 s at 5,000 jobs, reading every ad's header) made a warm 5,000-job build
wait for it: 2.4 → 2.7 s. A grandchild that cannot be forked or ends
without an answer: the tasks run in the mail child after the mail
(`finish`). The answers are taken only when the mail found no content error
(`stop` otherwise); a task that fails does not stop the others, and its
error comes back.
"""

from __future__ import annotations

import logging
import os
import pickle

logger = logging.getLogger(__name__)

MISSING = object()
# In the build's settings, lower case: no setting of the user's (never read as one, never part of a page's
# inputs in the page cache, which describes the upper-case names).
KEY = "_mailing_beside"


class Tasks:
    """The tasks of one build and, once the mail child has run them, their answers."""

    def __init__(self):
        self.functions: dict = {}
        self.answers: dict = {}
        self.with_context: set[str] = set()

    def __reduce__(self):
        # Pelican pickles settings into its content cache: a build's functions and answers are its own.
        return (Tasks, ())

    def add(self, name: str, function, *, takes_context: bool = False) -> None:
        """`function()` run beside the mail; `takes_context`: `function(context)`, given the build's context
        (its jobs, events, articles) as the mail process read it, or None where the mail was not read."""
        self.functions[name] = function
        self.answers.pop(name, None)
        if takes_context:
            self.with_context.add(name)
        else:
            self.with_context.discard(name)

    def run(self, context: dict | None = None) -> dict:
        """In the mail process: every task's (True, value) or (False, error), by name."""
        from careers.forking import portable_error

        done = {}
        for name, function in self.functions.items():
            try:
                value = function(context) if name in self.with_context else function()
                pickle.dumps(value)  # it travels back to the build's process: an error here, not in the mail's answer
                done[name] = (True, value)
                logger.debug("%s: done beside the mail (process %d)", name, os.getpid())
            except Exception as exc:  # noqa: BLE001 — handed to the caller, who says what it means
                done[name] = (False, portable_error(exc))
        return done

    def failed(self, exc: BaseException) -> dict:
        """Every task's answer: this error (the tasks could not be run)."""
        from careers.forking import portable_error

        error = portable_error(exc)
        return {name: (False, error) for name in self.functions}

    def take(self, answers: dict) -> None:
        """In the build's process: the answers the mail process sent back."""
        self.answers.update(answers)

    def answer(self, name: str):
        """What task `name` returned in the mail process (its error raised here); MISSING when it did not run."""
        found = self.answers.get(name)
        if found is None:
            return MISSING
        ok, value = found
        if not ok:
            raise value
        return value


def start(settings: dict, context: dict | None = None):
    """In the mail process, before the mail: the build's tasks started in a child of their own (None: no task);
    `context`: the build's, handed to the tasks that take it."""
    from careers import forking

    found = settings.get(KEY)
    if not isinstance(found, Tasks) or not found.functions:
        return None
    from talentpool import db

    try:
        db.import_driver()  # once, shared with the tasks' child
        child = forking.Child.start(lambda: found.run(context)) if forking.can_fork() else None
    except Exception as exc:  # noqa: BLE001 — the tasks then run after the mail (and say what fails)
        logger.debug("the build's tasks could not be started beside the mail (%s): run after it", exc)
        child = None
    return found, child, context


def finish(running) -> dict:
    """In the mail process, after the mail: the answers of the tasks `start` started (run here if they could
    not be run beside). Never raises: a failure is each task's answer, for the build to report; the child is
    collected here (hand `running` over: `stop` must not be called after)."""
    from careers import forking

    if running is None:
        return {}
    found, child, context = running
    if child is not None:
        try:
            return child.result()
        except forking.ChildFailed as exc:  # killed (out of memory?): done here instead
            logger.debug("the build's tasks beside the mail ended without an answer (%s): run after the mail", exc)
        except Exception as exc:  # noqa: BLE001 — its answer could not come back: never the mail's failure
            return found.failed(exc)
    return found.run(context)


def stop(running) -> None:
    """The mail found content errors: the build fails, the tasks' answers are not wanted."""
    if running is not None and running[1] is not None:
        running[1].stop()


def hand_back(settings: dict, answers: dict) -> None:
    """In the build's process: the mail process's answers, kept for the tasks the build added (if any)."""
    found = settings.get(KEY)
    if isinstance(found, Tasks):
        found.take(answers)


def tasks(settings: dict) -> Tasks:
    found = settings.get(KEY)
    if not isinstance(found, Tasks):
        found = settings[KEY] = Tasks()
    return found
