"""Per-member values and assembly of a compiled variant: no MJML, only joins.

A member's email is the compiled variant's pieces with placeholders replaced
by that member's values (escaped for HTML) and the matched-jobs region built
from the pre-compiled job cards. Values are single-line text: control
characters are removed so no field can break a line or a header.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

from .matching import Match, reason
from .pipeline import CompiledVariant, Rendered

T = TypeVar("T", str, bytes)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
MAX_NAME = 80


def clean(value) -> str:
    """One line of text: control characters (CR, LF, NUL…) become spaces, then trimmed."""
    return " ".join(_CONTROL.sub(" ", str(value or "")).split())[:MAX_NAME * 4]


def clean_name(value) -> str:
    return clean(value)[:MAX_NAME]


@dataclass(frozen=True)
class MemberValues:
    """What one member brings to a variant: raw values (unescaped) and matched jobs."""

    values: dict[str, str]
    matches: tuple[tuple[int, str], ...]  # (candidate index, reason text)


def candidate_index(compiled: CompiledVariant) -> dict[str, int]:
    """Position of each candidate job by reference (a sender builds it once per variant)."""
    return {job.reference: i for i, job in enumerate(compiled.candidates)}


def member_values(compiled: CompiledVariant, member, matches: list[Match], unsubscribe_url: str,
                  preferences_url: str, index: dict[str, int] | None = None) -> MemberValues:
    first = clean_name(getattr(member, "first_name", ""))
    strings = compiled.strings
    greeting = strings["greeting_named"].format(name=first) if first else strings["greeting"]
    if index is None:
        index = candidate_index(compiled)
    chosen = tuple((index[m.reference], reason(m, strings)) for m in matches if m.reference in index)
    return MemberValues(
        {"first_name": first, "greeting": greeting, "unsubscribe_url": unsubscribe_url,
         "preferences_url": preferences_url},
        chosen,
    )


def public_values(compiled: CompiledVariant, unsubscribe_url: str, preferences_url: str) -> MemberValues:
    """The non-personalised version (public archive): no name, no token, no matches."""
    return MemberValues(
        {"first_name": "", "greeting": compiled.strings["greeting"], "unsubscribe_url": unsubscribe_url,
         "preferences_url": preferences_url},
        (),
    )


class Assembler(Generic[T]):
    """Joins one part's pieces; literals are pre-encoded once by `encode`."""

    def __init__(self, rendered: Rendered, encode: Callable[[str], T]):
        self.encode = encode
        self.body = [encode(p) if i % 2 == 0 else p for i, p in enumerate(rendered.body)]
        # A region's items are encoded when first used (an email shows a few of hundreds of job cards).
        self.regions = {
            name: ([encode(p) if i % 2 == 0 else p for i, p in enumerate(r.prefix)], _Encoded(r.items, encode),
                   [encode(p) if i % 2 == 0 else p for i, p in enumerate(r.suffix)])
            for name, r in rendered.regions.items()
        }

    def assemble(self, values: dict[str, T], items: list[tuple[int, T]], out: list[T]) -> list[T]:
        """Append the part's pieces to `out`; `values` and item reasons already encoded."""
        body = self.body
        for i in range(0, len(body), 2):
            out.append(body[i])
            if i + 1 < len(body):
                name = body[i + 1]
                if name.startswith("region."):
                    self._region(name[7:], values, items, out)
                else:
                    out.append(values[name])
        return out

    def _region(self, name: str, values, items, out):
        region = self.regions.get(name)
        if region is None:
            return
        if name == "matched" and not items:
            return
        if name == "nomatch" and items:
            return
        prefix, entries, suffix = region
        self._pieces(prefix, values, None, out)
        if name == "matched":
            for index, why in items:
                self._pieces(entries[index], values, why, out)
        self._pieces(suffix, values, None, out)

    @staticmethod
    def _pieces(parts, values, why, out):
        for i in range(0, len(parts), 2):
            out.append(parts[i])
            if i + 1 < len(parts):
                name = parts[i + 1]
                out.append(why if name == "reason" else values[name])


class _Encoded:
    """A region's items, each encoded by `Assembler`'s encoder when first read."""

    __slots__ = ("items", "encode", "done")

    def __init__(self, items, encode):
        self.items, self.encode, self.done = items, encode, {}

    def __getitem__(self, index: int) -> list:
        entry = self.done.get(index)
        if entry is None:
            encode = self.encode
            entry = self.done[index] = [encode(p) if i % 2 == 0 else p for i, p in enumerate(self.items[index])]
        return entry


def _identity(text: str) -> str:
    return text


def _escape_url(url: str) -> str:
    return html.escape(url, quote=True)


def render(compiled: CompiledVariant, member: MemberValues) -> tuple[str, str]:
    """(html, text) of one member's email, as strings (previews, archive, tests)."""
    html_values = {k: (_escape_url(v) if k.endswith("_url") else html.escape(v, quote=True))
                   for k, v in member.values.items()}
    html_items = [(i, html.escape(why, quote=True)) for i, why in member.matches]
    html_out = "".join(Assembler(compiled.html, _identity).assemble(html_values, html_items, []))
    text_out = "".join(Assembler(compiled.text, _identity).assemble(dict(member.values), list(member.matches), []))
    return html_out, text_out
