"""Render theme/static/img/logo.svg to logo.png (512×512) with Debian's headless Chromium.

Google for Jobs wants the hiring organization's logo as a raster image of at
least 112×112 pixels; the site keeps the SVG for its header. Run again after
changing the SVG: `.venv/bin/python tools/logo_png.py`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SIZE = 512
ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "theme" / "static" / "img" / "logo.svg"
PNG = SVG.with_suffix(".png")


def main() -> int:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("Debian's chromium is missing: apt-get install chromium", file=sys.stderr)
        return 1
    markup = SVG.read_text(encoding="utf-8").replace('width="32" height="32"', f'width="{SIZE}" height="{SIZE}"')
    html = f"<!doctype html><html><body style='margin:0;background:transparent'>{markup}</body></html>"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"], headless=True)
        page = browser.new_page(viewport={"width": SIZE, "height": SIZE})
        page.set_content(html)
        page.screenshot(path=str(PNG), omit_background=True, clip={"x": 0, "y": 0, "width": SIZE, "height": SIZE})
        browser.close()
    print(f"wrote {PNG.relative_to(ROOT)} ({SIZE}×{SIZE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
