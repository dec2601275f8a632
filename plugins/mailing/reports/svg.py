"""Charts as inline SVG (no script, no external resource): bars, and rates with their intervals.

Each chart is an `<svg role="img">` with a <title> and a text description;
masked figures draw no bar and say "< k" instead.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from .stats import Masked

WIDTH, LABEL, ROW = 640, 190, 26
BAR = "#1d4f91"
WHISKER = "#222222"


def _frame(ident: str, title: str, rows: int, body: list[str]) -> Markup:
    height = rows * ROW + 12
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{ident}" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" class="chart"><title id="{ident}">{escape(title)}</title>'
        + "".join(body) + "</svg>")


def _label(y: int, text: str) -> str:
    return f'<text x="{LABEL - 8}" y="{y + 17}" text-anchor="end" font-size="13">{escape(text[:28])}</text>'


def bars(ident: str, title: str, items: list[tuple[str, object]], *, percent: bool = False) -> Markup:
    """Horizontal bars for (label, value) pairs; values may be Masked."""
    numbers = [v for _l, v in items if isinstance(v, (int, float)) and not isinstance(v, bool)]
    top = max(numbers, default=0) or 1
    span = WIDTH - LABEL - 80
    body = []
    for index, (label, value) in enumerate(items):
        y = 6 + index * ROW
        body.append(_label(y, label))
        if isinstance(value, Masked) or value is None:
            body.append(f'<text x="{LABEL}" y="{y + 17}" font-size="13">{escape(str(value) if value is not None else "–")}</text>')
            continue
        width = max(1, round(span * value / top)) if value else 0
        text = f"{value:.1%}" if percent else f"{value:,}"
        body.append(f'<rect x="{LABEL}" y="{y + 4}" width="{width}" height="{ROW - 8}" fill="{BAR}"/>')
        body.append(f'<text x="{LABEL + width + 6}" y="{y + 17}" font-size="13">{escape(text)}</text>')
    return _frame(ident, title, len(items), body)


def intervals(ident: str, title: str, items: list[tuple[str, object, object, object]]) -> Markup:
    """A dot per rate with its 95 % interval as a whisker, on a 0–max scale; Masked rows say "< k"."""
    highs = [h for _l, _r, _lo, h in items if isinstance(h, float)]
    top = max(highs, default=0) or 1
    span = WIDTH - LABEL - 180  # room for "12.3% (4.5%–67.8%)" after the whisker
    body = []
    for index, (label, rate, low, high) in enumerate(items):
        y = 6 + index * ROW
        body.append(_label(y, label))
        if not isinstance(rate, float):
            body.append(f'<text x="{LABEL}" y="{y + 17}" font-size="13">{escape(str(rate))}</text>')
            continue
        x0, x1, x = (LABEL + round(span * v / top) for v in (low, high, rate))
        middle = y + ROW // 2
        body.append(f'<line x1="{x0}" y1="{middle}" x2="{x1}" y2="{middle}" stroke="{WHISKER}" stroke-width="2"/>')
        body.append(f'<circle cx="{x}" cy="{middle}" r="5" fill="{BAR}"/>')
        body.append(f'<text x="{x1 + 8}" y="{y + 17}" font-size="13">{rate:.1%} ({low:.1%}–{high:.1%})</text>')
    return _frame(ident, title, len(items), body)
