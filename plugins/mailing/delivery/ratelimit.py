"""Pace a send at N messages per second, as relays and receivers expect of a polite sender."""

from __future__ import annotations

import time
from collections.abc import Callable


class RateLimiter:
    """Evenly spaced slots, `1/rate` seconds apart; a slot missed is not made up in a burst.

    The clock and the sleep are injectable so the pacing is tested without waiting.
    """

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("rate must be > 0 messages per second")
        self.interval = 1.0 / rate
        self.clock = clock
        self.sleep = sleep
        self._next: float | None = None
        self.waited = 0.0

    def wait(self) -> None:
        """Block until the next slot, then book the one after it."""
        now = self.clock()
        if self._next is not None and now < self._next:
            delay = self._next - now
            self.sleep(delay)
            self.waited += delay
            now = self._next
        self._next = now + self.interval


def backoff_delays(retries: int, first: float, cap: float) -> list[float]:
    """Seconds to wait before each retry: first, 2×first, 4×first… never above cap."""
    return [min(cap, first * (2 ** n)) for n in range(retries)]
