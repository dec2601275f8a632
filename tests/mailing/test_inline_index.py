"""The inliner's rule index and the structure check's line counter change speed, never output."""

from __future__ import annotations

import random

from mailing import inline, structure

TAGS = ["div", "table", "tr", "td", "p", "a", "span", "img"]
CLASSES = ["card", "title", "meta", "cta", "x", "y", "footer"]


def _document(rng: random.Random, elements: int) -> str:
    out, open_tags = [], []
    for i in range(elements):
        if open_tags and rng.random() < 0.35:
            out.append(f"</{open_tags.pop()}>")
            continue
        tag = rng.choice(TAGS)
        classes = " ".join(rng.sample(CLASSES, rng.randint(0, 2)))
        attrs = (f' class="{classes}"' if classes else "") + (f' id="e{i}"' if rng.random() < 0.1 else "")
        attrs += ' style="color:red"' if rng.random() < 0.2 else ""
        if tag == "img":
            out.append(f'<img src="i{i}.png"{attrs}>')
        else:
            out.append(f"<{tag}{attrs}>t{i} %%VIVIER:first_name%%")
            open_tags.append(tag)
    out += [f"</{t}>" for t in reversed(open_tags)]
    return "".join(out)


CSS = """
.card a { color: blue; text-decoration: underline } .card > p { margin: 0 } .x.y { padding: 4px !important }
img { border: 0 } td.meta { font-size: 13px } #e10 { color: green } div .title span { font-weight: 700 }
* { line-height: 1.4 } table > tr > td { padding: 2px } .footer a.cta { color: #fff !important }
"""


def test_indexed_inlining_equals_testing_every_rule(monkeypatch):
    rng = random.Random(3)
    documents = [_document(rng, 400) for _ in range(5)]
    fast = [inline.inline_css(doc, CSS) for doc in documents]
    monkeypatch.setattr(inline._RuleIndex, "candidates", lambda self, tag, ident, classes: inline.parse_css(CSS))
    slow = [inline.inline_css(doc, CSS) for doc in documents]
    assert fast == slow
    assert any('style="' in doc and "line-height:1.4" in doc for doc in fast)


def test_structure_problems_keep_their_line_numbers():
    lines = ['<mjml lang="fr">', "<mj-body>", "<mj-section>", "<p>stray</p>", "<mj-column>",
             "<mj-text>ok</mj-text>", "</mj-column>", "</mj-section>", "<mj-section>", "<div>again</div>", "</mj-section>", "</mj-body>", "</mjml>"]
    problems = structure.check("\n".join(lines))
    assert [p.line for p in problems] == [4, 10]
    assert all("cannot sit directly" in p.message for p in problems)
