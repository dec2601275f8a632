"""Pace a send at N messages per second, as relays and receivers expect of a polite sender."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Evenly spaced slots, `1/rate` seconds apart; a slot missed is not made up in a burst.

    The clock and the sleep are injectable so the pacing is tested without waiting.
    Thread-safe: parallel connections book their slots from one limiter.
    """

    def __init__(self, rate: float, *, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("rate must be > 0 messages per second")
        self.interval = 1.0 / rate
        self.clock = clock
        self.sleep = sleep
        self._next: float | None = None
        self._lock = threading.Lock()
        self.waited = 0.0

    def wait(self) -> None:
        """Block until the next free slot, booked under the lock (the sleep is not)."""
        with self._lock:
            now = self.clock()
            slot = now if self._next is None else max(now, self._next)
            self._next = slot + self.interval
            delay = slot - now
            self.waited += delay
        if delay > 0:
            self.sleep(delay)


class DomainRates:
    """One `RateLimiter` per recipient domain (`MAILING_DOMAIN_RATE`), created on first use."""

    def __init__(self, rate: float, **kwargs):
        self.rate, self.kwargs = rate, kwargs
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()

    def wait(self, domain: str) -> None:
        with self._lock:
            limiter = self._limiters.get(domain)
            if limiter is None:
                limiter = self._limiters[domain] = RateLimiter(self.rate, **self.kwargs)
        limiter.wait()


def backoff_delays(retries: int, first: float, cap: float) -> list[float]:
    """Seconds to wait before each retry: first, 2×first, 4×first… never above cap."""
    return [min(cap, first * (2 ** n)) for n in range(retries)]
