"""Emails in dark mode: declared, styled, readable in Chromium; and no invalid attribute left by MRML."""

from __future__ import annotations

import threading

import lxml.html
import pytest

from tests.browser import CHROMIUM_ARGS, chromium_path
from tests.mailing.fixtures import compiled_sample
from tests.mailing.test_browser_mail import member_email_html

CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                      return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                              if (c.length === 3 || c[3] > 0) return c; } return [255, 255, 255]; };
  const out = [];
  for (const el of document.querySelectorAll('[role=article] *')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    out.push([el.textContent.trim().slice(0, 40), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
  }
  return {texts: out, body: getComputedStyle(document.body).backgroundColor};
}"""


def test_emails_declare_both_color_schemes_and_style_the_dark_one():
    compiled, _ = compiled_sample()
    doc = lxml.html.fromstring(compiled.html.skeleton())
    assert doc.xpath("//meta[@name='color-scheme']/@content") == ["light dark"]
    assert doc.xpath("//meta[@name='supported-color-schemes']/@content") == ["light dark"]
    assert any("@media (prefers-color-scheme: dark)" in style.text_content() for style in doc.xpath("//style"))


def test_button_cells_carry_no_vertical_align_attribute():
    """MRML writes vertical-align="middle" on button cells: not an HTML attribute."""
    compiled, _ = compiled_sample()
    doc = lxml.html.fromstring(compiled.html.skeleton())
    assert doc.xpath("//td[@bgcolor][@role='presentation']/a"), "the sample has buttons"
    assert doc.xpath("//*[@vertical-align]") == []
    assert not any('vertical-align="' in text for text in compiled.html.all_texts())


def render_both(html: str) -> dict:
    from playwright.sync_api import sync_playwright

    results: dict = {}

    def run():  # a thread of its own: see tests/mailing/test_browser_mail.py
        try:
            with sync_playwright() as p:
                chromium = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
                for scheme in ("light", "dark"):
                    page = chromium.new_page(viewport={"width": 600, "height": 900}, color_scheme=scheme)
                    page.route("**/*", lambda route: route.abort())  # nothing leaves the machine; images stay unloaded
                    page.set_content(html, wait_until="load")
                    results[scheme] = page.evaluate(CONTRAST)
                    page.close()
                chromium.close()
        except Exception as exc:
            results["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    if "error" in results:
        raise results["error"]
    return results


@pytest.mark.browser
def test_dark_mode_keeps_every_text_readable(newsletter_build):
    results = render_both(member_email_html(newsletter_build))
    assert results["light"]["body"] == "rgb(241, 245, 246)"
    assert results["dark"]["body"] == "rgb(15, 26, 29)"
    for scheme in ("light", "dark"):
        texts = results[scheme]["texts"]
        assert len(texts) > 20
        poor = [(text, round(ratio, 2)) for text, ratio in texts if ratio < 4.5]
        assert poor == [], (scheme, poor)
