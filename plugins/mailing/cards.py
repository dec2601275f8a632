"""Candidate job cards compiled once per shape, then filled per job with escaped values.

A newsletter or alert offers every open job as a candidate card in its
`matched` region. Compiling one card per job through Jinja, MJML and CSS
inlining made each variant's compilation grow with the number of jobs; here
the template sees one prototype card per shape (which text fields are empty,
for the `{% if %}`s) with `%%VIVIER:job.<field>%%` placeholders, and each
job's card is that compiled prototype with its values escaped in exactly as
Jinja's autoescape writes them (HTML) or copied (plain text).
"""

from __future__ import annotations

import functools
import hashlib
import re
from array import array
from collections.abc import Sequence
from itertools import chain

from markupsafe import escape

from .parts import PLACEHOLDER, PLACEHOLDER_RE, Rendered, join_parts, split_placeholders

CARD_REGION = "matched"
CARD_PREFIX = "job."
_MANGLED = re.compile(r"%%vivier:", re.I)  # a placeholder, whatever a filter did to its case


def _shape(item: dict) -> tuple:
    """Which text fields of a candidate are empty: cards differ only by their `{% if %}`s."""
    return tuple([(k, bool(v)) for k, v in item.items() if isinstance(v, str)])


def _prototype(item: dict) -> dict:
    """The candidate with every non-empty text field replaced by its `job.*` placeholder."""
    return {k: (PLACEHOLDER.format(CARD_PREFIX + k) if isinstance(v, str) and v else v) for k, v in item.items()}


def _card_and_glue(items: list[list[str]], shapes: int) -> tuple[list[str], str] | None:
    """Split the compiled prototypes [shape 0 … shape k-1, shape 0] into k cards and the
    text between two items; None when the cards do not follow that pattern (then fall back)."""
    if len(items) != shapes + 1:
        return None
    texts = [join_parts(i) for i in items]
    last = texts[-1]
    if not texts[0].startswith(last):
        return None
    if any(len(_MANGLED.findall(t)) != len(PLACEHOLDER_RE.findall(t)) for t in texts):
        return None  # a placeholder went through a filter (upper, title…): values cannot be filled in
    glue = texts[0][len(last):]
    cards = [last]
    for text in texts[1:-1]:
        if not text.endswith(glue):
            return None
        cards.append(text[:len(text) - len(glue)] if glue else text)
    return cards, glue


class _Filler:
    """One compiled card split at its placeholders once, then filled for each job of its shape.

    Values go in as literal text: a job title that looks like a placeholder stays text.
    """

    def __init__(self, card: str):
        parts = split_placeholders(card)
        self.first = parts[0]
        # (field or None, placeholder name, literal that follows), in order
        self.steps = [(parts[i][len(CARD_PREFIX):] if parts[i].startswith(CARD_PREFIX) else None, parts[i], parts[i + 1])
                      for i in range(1, len(parts), 2)]

    def fill(self, item: dict, encode) -> list[str]:
        """The card's pieces with each `job.<field>` placeholder replaced by `encode(item[field])`."""
        out = [self.first]
        for name, placeholder, literal in self.steps:
            if name is not None:
                value = item.get(name)
                if not (isinstance(value, str) and value):  # only non-empty text fields have values
                    raise KeyError(name)
                out[-1] += encode(value) + literal
            else:
                out += [placeholder, literal]
        return out


class FilledCards(Sequence):
    """The card region's items: one card per candidate, filled when read.

    A rebuild whose cards did not change needs none of them: the gates'
    answer is remembered under a digest of everything that makes the cards
    (`digest`: the compiled prototypes, which prototype each candidate uses,
    the candidates' text values, how values are written), and so is the
    outbox's file (`plan.kept`). At 5,000 jobs, filling every card of every
    variant and hashing the result was a third of a rebuild's mail side.
    Read one card (`cards[n]`, a preview's matches) and only it is filled.
    Iterate and every card is filled, handed over and not kept: the filled
    cards of a build's variants held 106 MB of a 5,000-job build's mail
    side until the outbox was written, and filling is cheap (a card's
    pieces joined with its values), so the two readers of every card (the
    gates' scan, `gates._scan_cards`, and the outbox's JSON,
    `plan.compiled.CompiledEncoder`) each fill them once per list.
    The candidates (`views.candidate_items`) and prototypes never change
    once made, so neither do the cards filled from them.
    """

    __slots__ = ("_glued", "_alone", "_shapes", "_candidates", "_encode", "_digest")

    def __init__(self, glued: list[_Filler], alone: list[_Filler], shapes: list[int], candidates: list[dict], encode):
        self._glued, self._alone, self._shapes = glued, alone, shapes
        self._candidates, self._encode = candidates, encode
        self._digest: bytes | None = None

    def __len__(self) -> int:
        return len(self._candidates)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError("card index out of range")
        return self._fill(position)

    def __iter__(self):
        return map(self._fill, range(len(self._candidates)))

    def _fill(self, position: int) -> list[str]:
        fillers = self._glued if position < len(self._candidates) - 1 else self._alone
        return fillers[self._shapes[position]].fill(self._candidates[position], self._encode)

    def filled(self) -> list[list[str]]:
        """Every card, filled now (a new list each time: nothing is kept)."""
        return list(self)

    def placeholder_names(self) -> list[str]:
        """The placeholders the filled cards keep (the member's and the reason), in order of first use."""
        names = chain.from_iterable(step[1:2] for filler in (*self._glued, *self._alone)
                                    for step in filler.steps if step[0] is None)
        return list(dict.fromkeys(names))

    def digest(self) -> bytes:
        """SHA-256 of everything the filled cards are made of (equal digests, equal cards)."""
        if self._digest is None:
            digest = hashlib.sha256()
            tag = _ENCODINGS.get(self._encode)
            if tag is None:  # an encoder this digest does not know: the cards themselves, as before
                from .gates import _items_digest

                self._digest = _items_digest(self.filled())
                return self._digest
            fillers = repr([[(f.first, f.steps) for f in group] for group in (self._glued, self._alone)])
            for part in (b"filled-cards-1", tag, fillers.encode("utf-8", "surrogatepass"),
                         array("q", self._shapes).tobytes(), _values_digest(self._candidates)):
                digest.update(len(part).to_bytes(8, "big"))
                digest.update(part)
            self._digest = digest.digest()
        return self._digest


_VALUES: dict[tuple[int, ...], tuple[list, bytes]] = {}
_VALUES_MAX = 64  # candidate lists remembered: the html and text cards of a variant share theirs


def _values_digest(candidates: list[dict]) -> bytes:
    """SHA-256 of every text field of every candidate (name, value, whether it is Markup), boundaries included."""
    ids = tuple(map(id, candidates))
    entry = _VALUES.get(ids)
    if entry is not None:
        return entry[1]
    flat: list[str] = []
    counts = array("q")
    others: list[str] = []  # where a value is not plain text (Markup is written as it is, plain text escaped)
    for item in candidates:
        fields = [(k, v) for k, v in item.items() if isinstance(v, str)]
        counts.append(len(fields))
        for name, value in fields:
            if type(value) is not str:
                others.append(f"{len(flat)}:{type(value).__module__}.{type(value).__qualname__}")
            flat += (name, value)
    digest = hashlib.sha256()
    for part in ("".join(flat).encode("utf-8", "surrogatepass"), array("q", map(len, flat)).tobytes(),
                 counts.tobytes(), "\n".join(others).encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    if len(_VALUES) >= _VALUES_MAX:
        _VALUES.clear()
    _VALUES[ids] = (candidates, digest.digest())  # the candidates stay alive: their ids stay theirs
    return _VALUES[ids][1]


def _expand(rendered: Rendered, candidates: list[dict], shapes: list[int], encode, memo: dict | None) -> bool:
    """Replace the prototypes of the card region by one card per candidate (`FilledCards`).

    `shapes[n]` is the prototype of candidate n. `memo` (optional) keeps the
    cards for the next variant with the same compiled cards and the same
    candidate items (the segments of one language share them).
    """
    region = rendered.regions.get(CARD_REGION)
    split = _card_and_glue(region.items, max(shapes) + 1 if shapes else 0) if region is not None else None
    if split is None:
        return False
    cards, glue = split
    key = (encode, tuple(cards), glue, tuple(map(id, candidates)))
    if memo is not None and key in memo:
        region.items = memo[key][1]
        return True
    # Every card but the last is followed by the glue, split with it (it may hold placeholders too).
    alone = [_Filler(card) for card in cards]
    glued = [_Filler(card + glue) for card in cards] if glue else alone
    region.items = FilledCards(glued, alone, list(shapes), candidates, encode)
    if memo is not None:
        memo[key] = (candidates, region.items)  # the candidates stay alive: their ids stay theirs
    return True


def _prototypes(candidates: list[dict], memo: dict | None) -> tuple[list[dict], list[int]]:
    """(one prototype per shape, then the first again; each candidate's shape).

    The segments of a campaign's language share their candidate items (the same
    dicts, never changed once made: `views.candidate_items`), so with `memo` the
    answer for a list of the very same items is worked out once.
    """
    key = ("prototypes", tuple(map(id, candidates)))
    if memo is not None and key in memo:
        return memo[key][1]
    shape_index: dict = {}
    prototypes = []
    shapes = []
    for item in candidates:
        shape = _shape(item)
        if shape not in shape_index:
            shape_index[shape] = len(prototypes)
            prototypes.append(_prototype(item))
        shapes.append(shape_index[shape])
    prototypes.append(prototypes[0])
    if memo is not None:
        memo[key] = (list(candidates), (prototypes, shapes))  # the items stay alive: their ids stay theirs
    return prototypes, shapes


def _html_value(value: str) -> str:
    """Exactly what Jinja's autoescape writes. Plain text is remembered: a job's title, place and pay are
    filled into the cards of every campaign and variant of its language (40,000 fills at 5,000 jobs). Markup
    (equal to the same plain text, hence never looked up with it) is written as it is."""
    return _escaped(value) if type(value) is str else str(escape(value))


@functools.lru_cache(maxsize=65536)
def _escaped(value: str) -> str:
    return str(escape(value))


# The encoders `compile_with_cards` fills with, named for `FilledCards.digest`.
_ENCODINGS = {_html_value: b"html", str: b"text"}


def compile_with_cards(view: dict, render, memo: dict | None = None) -> tuple[str, Rendered, Rendered, list[str]]:
    """`render(view)` with the candidates' cards compiled once per shape, then filled per job.

    The template sees one prototype per shape (which text fields are empty), plus
    the first again to learn what separates two cards; each job's card is then
    that compiled prototype with its values escaped in (HTML) or copied (text).
    Card templates may print candidate fields and test them (`{% if job.salary %}`)
    but nothing else (no filters, no loop index): a theme that does is detected
    and rendered job by job, as before.
    """
    candidates = view.get("candidates") or []
    if not candidates:
        return render(view)
    prototypes, shapes = _prototypes(candidates, memo)
    mjml_source, html_parts, text_parts, problems = render({**view, "candidates": prototypes})
    if not problems and _expand(html_parts, candidates, shapes, _html_value, memo) \
            and _expand(text_parts, candidates, shapes, str, memo):
        return mjml_source, html_parts, text_parts, problems
    return render(view)
