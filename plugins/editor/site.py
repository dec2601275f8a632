"""Writes /admin/: the page, its Content-Security-Policy, the generated configuration and the bundle."""

from __future__ import annotations

import glob
import html
import json
import logging
import os
from urllib.parse import urlsplit

from careers.output import copy_output, write_output
from pelican.generators import Generator

from .config import editor_config

logger = logging.getLogger(__name__)

OWN_FILES = ("manual-init.js", "vivier-format.js", "vivier-cms.js", "admin.css")
BUNDLE_PATTERNS = ("decap-cms.js", "*.decap-cms.js", "*.wasm", "decap-cms.js.LICENSE.txt")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings) -> str:
    """The editor's own policy; wider than the site's only where Decap needs it (docs/editors.md).

    - `style-src 'unsafe-inline'`: Decap's components inject their styles at run time (emotion);
    - `script-src 'unsafe-eval'`: Decap compiles its configuration schema with `new Function` (ajv)
      and its WebAssembly modules;
    - `connect-src`: decap-server on 127.0.0.1 (local editing) and the GitHub API (production).
    """
    connect = ["'self'", origin(settings["EDITOR_LOCAL_BACKEND"]), *settings["EDITOR_CONNECT_HOSTS"]]
    base_url = settings["EDITOR_BACKEND"].get("base_url")
    if base_url:
        connect.append(origin(base_url))
    images = ["'self'", "data:", "blob:", *settings["EDITOR_IMAGE_HOSTS"]]
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' 'unsafe-eval'",  # 'unsafe-eval' also lets Decap compile its WebAssembly
        "style-src 'self' 'unsafe-inline'",
        "img-src " + " ".join(dict.fromkeys(images)),
        "connect-src " + " ".join(dict.fromkeys(connect)),
        "font-src 'self' data:",
        "frame-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ])


def page(settings, bundled: bool) -> str:
    lang = settings.get("DEFAULT_LANG", "fr")
    missing = "" if bundled else (
        '\n  <p class="editor-missing" role="alert">Decap CMS is not installed: run <code>make editor-deps</code>, then build again.</p>')
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta http-equiv="Content-Security-Policy" content="{html.escape(content_security_policy(settings), quote=False).replace(chr(34), "&quot;")}">
  <meta name="robots" content="noindex, nofollow">
  <title>{html.escape("Éditeur" if lang == "fr" else "Editor")} — {html.escape(settings.get("SITENAME", ""))}</title>
  <link rel="icon" href="../theme/img/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="admin.css">
</head>
<body>
  <noscript>The editor needs JavaScript.</noscript>
  <p id="editor-error" role="alert" hidden></p>{missing}
  <script src="manual-init.js"></script>
  <script src="decap-cms.js"></script>
  <script src="vivier-format.js"></script>
  <script src="vivier-cms.js"></script>
</body>
</html>
"""


def cities(context) -> list[str]:
    """Cities of the current job ads and events: the choices of a job's location."""
    found = set()
    for job in context.get("jobs") or []:
        found.update(place.city for place in getattr(job, "locations", []) or [] if place.city)
    for event in context.get("events") or []:
        if getattr(event, "city", None):
            found.add(event.city)
    return sorted(found)


class EditorGenerator(Generator):
    """The editor's files, written through careers.output like every other file of the site."""

    def generate_output(self, writer):
        folder = self.settings["EDITOR_PATH"]
        if not folder:
            return
        out = lambda name, data: write_output(self.settings, self.output_path, f"{folder}/{name}", data)  # noqa: E731
        bundle = self.settings["EDITOR_BUNDLE_DIR"]
        files = sorted({path for pattern in BUNDLE_PATTERNS for path in glob.glob(os.path.join(bundle, pattern))})
        bundled = any(os.path.basename(p) == "decap-cms.js" for p in files)
        if not bundled:
            logger.warning("The editor at /%s/ has no Decap CMS bundle (%s is missing): run `make editor-deps`", folder, bundle)
        for path in files:  # megabytes that no build changes: copied by the kernel, only when not in place
            copy_output(self.settings, self.output_path, f"{folder}/{os.path.basename(path)}", path)
        for name in OWN_FILES:
            with open(os.path.join(self.settings["EDITOR_SOURCE_DIR"], name), "rb") as handle:
                out(name, handle.read())
        config = editor_config(self.settings, cities(self.context))
        out("editor.json", json.dumps(config, ensure_ascii=False, indent=1, sort_keys=False) + "\n")
        out("index.html", page(self.settings, bundled))
