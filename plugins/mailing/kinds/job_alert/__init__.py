"""Job alerts: digests of new jobs matching each member's saved criteria (kind.py)."""

from .kind import AlertsGenerator

__all__ = ["AlertsGenerator"]
