"""One notion of "today" for every date-dependent decision of a build.

Jobs expire, events become past and retention clocks run against the same day:
`VIVIER_TODAY` (setting or environment variable) pins it for tests and
reproducible builds; otherwise it is the real date in the site's TIMEZONE.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo


def site_zone(settings) -> ZoneInfo:
    return ZoneInfo(settings.get("TIMEZONE") or "UTC")


def today(settings) -> dt.date:
    """The build's today, as a date in the site's time zone."""
    pinned = os.environ.get("VIVIER_TODAY") or settings.get("VIVIER_TODAY")
    if pinned:
        if isinstance(pinned, dt.datetime):
            return pinned.date()
        if isinstance(pinned, dt.date):
            return pinned
        try:
            return dt.date.fromisoformat(str(pinned).strip())
        except ValueError as exc:
            raise ValueError(
                f"VIVIER_TODAY must be a date like 2026-11-22, not {pinned!r}"
            ) from exc
    return dt.datetime.now(site_zone(settings)).date()


def now(settings) -> dt.datetime:
    """Midnight-aware "now": the pinned day at noon, or the real time, tz-aware."""
    day = today(settings)
    zone = site_zone(settings)
    real = dt.datetime.now(zone)
    if real.date() == day:
        return real
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=zone)
