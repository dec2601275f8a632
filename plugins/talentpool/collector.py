"""The cyclic garbage collector paused while a step makes many objects that live on, or die by reference counting.

Reading 5,000 job ads (Pelican's cached reads, `Job` objects, their typed
values), compiling the mail side's emails or walking a pool of 100,000
members allocates millions of small containers. Each allocation burst
triggers collections, and every full collection walks the whole heap, which
only grows during such a step: measured at 5,000 jobs, collections took 0.7 s
of a 3.2 s mail phase; about half a whole-pool walk's time at 100k members.
What little cyclic garbage these steps make waits until the collector runs
again, as soon as the step ends. Whether the collector runs changes when
memory is freed, never what a build writes. One implementation for every
layer: `careers` and `mailing` (`mailing.collector`) use this one.
"""

from __future__ import annotations

import contextlib
import functools
import gc


@contextlib.contextmanager
def pause():
    """The collector paused for a `with` block (restored as it was, even on errors)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def paused(method):
    """Run `method` with the collector paused (`pause`)."""

    @functools.wraps(method)
    def run(*args, **kwargs):
        with pause():
            return method(*args, **kwargs)

    return run
