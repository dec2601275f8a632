"""Our inliner for <mj-style inline="inline">: selectors, precedence, untouched bytes."""

from __future__ import annotations

import pytest

from mailing.inline import CSSError, inline_css


def test_descendant_child_and_compound_selectors_with_precedence():
    html = ('<div class="card"><p>hi <a href="%%VIVIER:unsubscribe_url%%" style="color:red">x</a></p>'
            '<!--[if mso]><td class="x"><![endif]--><td class="x y" style="padding:0">t</td><img src="a"></div>')
    css = ".card a { color: blue; text-decoration: underline } .card > p { margin: 0 } .x.y { padding: 4px !important } img { border: 0 }"
    out = inline_css(html, css)
    assert '<a href="%%VIVIER:unsubscribe_url%%" style="text-decoration:underline;color:red;">' in out  # inline style wins
    assert '<p style="margin:0;">' in out
    assert 'style="padding:4px;"' in out  # !important beats the inline style
    assert '<img src="a" style="border:0;">' in out
    assert '<!--[if mso]><td class="x"><![endif]-->' in out  # comments untouched


def test_child_combinator_needs_a_direct_parent():
    out = inline_css('<div class="a"><span><b>x</b></span></div>', ".a > b { color: red } .a b { font-weight: 700 }")
    assert out == '<div class="a"><span><b style="font-weight:700;">x</b></span></div>'


@pytest.mark.parametrize("css", ["a:hover { color: red }", "@media (max-width: 480px) { a { color: red } }", "[href] { x: y }", "a { color red }"])
def test_rules_that_cannot_be_inlined_are_refused(css):
    with pytest.raises(CSSError):
        inline_css("<a>x</a>", css)
