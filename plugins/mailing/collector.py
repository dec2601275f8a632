"""The cyclic garbage collector paused while the mail generators run.

By the time the mail generators run, the build holds every page, job and
article of the site (hundreds of MB at 5,000 jobs). Compiling, checking and
writing the emails allocates a few million small containers (candidate
items, filled cards, JobFacts, their JSON), nearly all freed by reference
counting; yet each allocation burst triggers collections, and every full
collection walks the whole heap: measured at 5,000 jobs, collections took
0.7 s of a 3.2 s mail phase, which took 2.2 s with the collector paused. What little
cyclic garbage the mail steps make (Jinja's render contexts) waits until the
collector runs again, as soon as each generator step ends (as
`talentpool.audience` does for its walk). Whether the collector runs changes
when memory is freed, never what a build writes.
"""

from __future__ import annotations

import functools
import gc


def paused(method):
    """Run `method` with the collector paused (restored as it was, even on errors)."""

    @functools.wraps(method)
    def run(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return method(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return run
