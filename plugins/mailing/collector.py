"""The cyclic garbage collector paused while the mail generators run (`talentpool.collector`, shared).

By the time the mail generators run, the build holds every page, job and
article of the site (hundreds of MB at 5,000 jobs). Compiling, checking and
writing the emails allocates a few million small containers (candidate
items, filled cards, JobFacts, their JSON), nearly all freed by reference
counting; yet each allocation burst triggers collections, and every full
collection walks the whole heap: measured at 5,000 jobs, collections took
0.7 s of a 3.2 s mail phase, which took 2.2 s with the collector paused.
"""

from __future__ import annotations

from talentpool.collector import paused

__all__ = ["paused"]
