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

import re

from markupsafe import escape

from .pipeline import PLACEHOLDER, PLACEHOLDER_RE, Rendered, _join, split_placeholders

CARD_REGION = "matched"
CARD_PREFIX = "job."
_MANGLED = re.compile(r"%%vivier:", re.I)  # a placeholder, whatever a filter did to its case


def _shape(item: dict) -> tuple:
    """Which text fields of a candidate are empty: cards differ only by their `{% if %}`s."""
    return tuple((k, bool(v)) for k, v in item.items() if isinstance(v, str))


def _prototype(item: dict) -> dict:
    """The candidate with every non-empty text field replaced by its `job.*` placeholder."""
    return {k: (PLACEHOLDER.format(CARD_PREFIX + k) if isinstance(v, str) and v else v) for k, v in item.items()}


def _card_and_glue(items: list[list[str]], shapes: int) -> tuple[list[str], str] | None:
    """Split the compiled prototypes [shape 0 … shape k-1, shape 0] into k cards and the
    text between two items; None when the cards do not follow that pattern (then fall back)."""
    if len(items) != shapes + 1:
        return None
    texts = [_join(i) for i in items]
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


def _fill(card: str, values: dict[str, str]) -> list[str]:
    """A compiled card's pieces with its `job.*` placeholders replaced by (escaped) values.

    Values go in as literal text: a job title that looks like a placeholder stays text.
    """
    parts = split_placeholders(card)
    out = [parts[0]]
    for i in range(1, len(parts), 2):
        name, literal = parts[i], parts[i + 1]
        if name.startswith(CARD_PREFIX):
            out[-1] += values[name[len(CARD_PREFIX):]] + literal
        else:
            out += [name, literal]
    return out


def _expand(rendered: Rendered, candidates: list[dict], shape_index: dict, encode, memo: dict | None) -> bool:
    """Replace the prototypes of the card region by one filled card per candidate.

    `memo` (optional) keeps filled cards for the next variant with the same
    compiled cards and the same candidate items (the segments of one language).
    """
    region = rendered.regions.get(CARD_REGION)
    split = _card_and_glue(region.items, len(shape_index)) if region is not None else None
    if split is None:
        return False
    cards, glue = split
    key = (encode, tuple(cards), glue, tuple(map(id, candidates)))
    if memo is not None and key in memo:
        region.items = list(memo[key][1])
        return True
    items = []
    last = len(candidates) - 1
    for n, item in enumerate(candidates):
        card = cards[shape_index[_shape(item)]] + (glue if n < last else "")
        values = {k: encode(v) for k, v in item.items() if isinstance(v, str) and v}
        items.append(_fill(card, values))
    region.items = items
    if memo is not None:
        memo[key] = (candidates, list(items))  # the candidates stay alive: their ids stay theirs
    return True


def _html_value(value: str) -> str:
    return str(escape(value))  # exactly what Jinja's autoescape writes


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
    shape_index: dict = {}
    prototypes = []
    for item in candidates:
        key = _shape(item)
        if key not in shape_index:
            shape_index[key] = len(prototypes)
            prototypes.append(_prototype(item))
    prototypes.append(prototypes[0])
    mjml_source, html_parts, text_parts, problems = render({**view, "candidates": prototypes})
    if not problems and _expand(html_parts, candidates, shape_index, _html_value, memo) \
            and _expand(text_parts, candidates, shape_index, str, memo):
        return mjml_source, html_parts, text_parts, problems
    return render(view)
