"""The newsletter: a campaign of content/newsletters/ to segments, with per-member job matches (kind.py)."""

from .kind import CampaignBuild, NewsletterGenerator

__all__ = ["CampaignBuild", "NewsletterGenerator"]
