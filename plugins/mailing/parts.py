"""Rendered parts with placeholders: the shapes the pipeline produces and the cards, gates and composer read.

A part is a list whose even items are literal text and odd items placeholder
names (`%%VIVIER:name%%` in the text); a region is the personalised block of
matched jobs (prefix, one entry per item, suffix).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PLACEHOLDER = "%%VIVIER:{}%%"
PLACEHOLDER_RE = re.compile(r"%%VIVIER:([a-z_.]+)%%")
# The values a member brings; `reason` exists only inside matched-job items. `answer_url` (a signed
# link of the member's own, e.g. "yes, I'm interested" of a staffing forecast) only where a kind's composer gives it.
MEMBER_PLACEHOLDERS = ("greeting", "first_name", "unsubscribe_url", "preferences_url", "answer_url")
ITEM_PLACEHOLDERS = ("reason",)


@dataclass
class Region:
    """A personalised block: fixed prefix, one entry per candidate item, fixed suffix."""

    prefix: list[str]
    items: list[list[str]]
    suffix: list[str]


@dataclass
class Rendered:
    """One part (HTML or text) ready for assembly: a body with region placeholders."""

    body: list[str]  # even indices literal text, odd indices placeholder names
    regions: dict[str, Region] = field(default_factory=dict)

    def to_json(self, items=None) -> dict:
        """Plain data for the outbox; `items(region.items)`, if given, stands for each region's items (job
        cards not filled yet, `cards.FilledCards`, are filled here)."""
        if items is None:
            items = _plain
        return {"body": self.body, "regions": {k: {**r.__dict__, "items": items(r.items)} for k, r in self.regions.items()}}

    @classmethod
    def from_json(cls, data: dict) -> "Rendered":
        return cls(data["body"], {k: Region(**v) for k, v in data["regions"].items()})

    def skeleton(self) -> str:
        """The body as one string, placeholders left in (for the outbox and gates)."""
        return "".join(p if i % 2 == 0 else PLACEHOLDER.format(p) for i, p in enumerate(self.body))

    def all_texts(self) -> list[str]:
        """Every literal piece: the skeleton, then each region's parts."""
        texts = [self.skeleton()]
        for region in self.regions.values():
            texts += [join_parts(region.prefix), join_parts(region.suffix)] + [join_parts(i) for i in region.items]
        return texts


def _plain(items) -> list:
    return items if type(items) is list else list(items)


def join_parts(parts: list[str]) -> str:
    return "".join(p if i % 2 == 0 else PLACEHOLDER.format(p) for i, p in enumerate(parts))


def split_placeholders(text: str) -> list[str]:
    return PLACEHOLDER_RE.split(text)
