"""Event invitations: REQUEST, update, CANCEL and reminder rounds (kind.py)."""

from .kind import InvitationsGenerator

__all__ = ["InvitationsGenerator"]
