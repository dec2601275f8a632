"""Follow-up sequences: steps due today, one per member per day (kind.py)."""

from .kind import FollowUpKind, load_rules

__all__ = ["FollowUpKind", "load_rules"]
