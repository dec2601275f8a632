"""Check the MJML we feed to mjml-python: allowed children and attributes per component.

MRML accepts unknown attributes and illegal nesting silently and renders
something broken; this check knows the components the Vivier mail theme uses
and reports every misuse with its line in the rendered MJML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PAD = {"padding", "padding-top", "padding-bottom", "padding-left", "padding-right"}
_BORDER = {"border", "border-top", "border-bottom", "border-left", "border-right", "border-radius"}
_FONT = {"color", "font-family", "font-size", "font-style", "font-weight", "line-height",
         "letter-spacing", "text-decoration", "text-transform"}
_COMMON = {"css-class", "mj-class"}

ATTRIBUTES: dict[str, set[str]] = {
    "mjml": {"lang", "dir", "owa"},
    "mj-head": set(),
    "mj-title": set(),
    "mj-preview": set(),
    "mj-style": {"inline"},
    "mj-breakpoint": {"width"},
    "mj-attributes": set(),
    "mj-body": {"width", "background-color"} | _COMMON,
    "mj-wrapper": {"background-color", "background-url", "background-repeat", "background-size",
                   "background-position", "full-width", "text-align", "gap", "direction"} | _PAD | _BORDER | _COMMON,
    "mj-section": {"background-color", "background-url", "background-repeat", "background-size",
                   "background-position", "full-width", "text-align", "direction", "text-padding"} | _PAD | _BORDER | _COMMON,
    "mj-group": {"width", "background-color", "direction", "vertical-align"} | _COMMON,
    "mj-column": {"width", "vertical-align", "background-color", "inner-background-color", "direction",
                  "inner-border", "inner-border-radius"} | _PAD | _BORDER | _COMMON,
    "mj-text": {"align", "container-background-color", "height"} | _FONT | _PAD | _COMMON,
    "mj-button": {"align", "background-color", "container-background-color", "height", "href", "inner-padding",
                  "name", "rel", "target", "text-align", "title", "vertical-align", "width"} | _FONT | _BORDER | _PAD | _COMMON,
    "mj-image": {"align", "alt", "container-background-color", "fluid-on-mobile", "height", "href", "name", "rel",
                 "sizes", "src", "srcset", "target", "title", "usemap", "width"} | _BORDER | _PAD | _COMMON,
    "mj-divider": {"align", "border-color", "border-style", "border-width", "container-background-color", "width"} | _PAD | _COMMON,
    "mj-spacer": {"height", "container-background-color"} | _PAD | _COMMON,
    "mj-table": {"align", "border", "cellpadding", "cellspacing", "container-background-color", "role",
                 "table-layout", "width"} | _FONT | _PAD | _COMMON,
    "mj-raw": {"position"},
}
# Inside mj-attributes, defaults for any component (and mj-all / mj-class) are allowed.
_DEFAULTS = {"mj-all", "mj-class"} | {k for k in ATTRIBUTES if k not in {"mjml", "mj-head", "mj-attributes"}}

_CONTENT = ["mj-text", "mj-button", "mj-image", "mj-divider", "mj-spacer", "mj-table", "mj-raw"]
CHILDREN: dict[str, set[str]] = {
    "mjml": {"mj-head", "mj-body"},
    "mj-head": {"mj-title", "mj-preview", "mj-style", "mj-breakpoint", "mj-attributes", "mj-raw"},  # mj-raw: meta tags (MJML 4)
    "mj-attributes": _DEFAULTS,
    "mj-body": {"mj-section", "mj-wrapper", "mj-raw"},
    "mj-wrapper": {"mj-section", "mj-raw"},
    "mj-section": {"mj-column", "mj-group", "mj-raw"},
    "mj-group": {"mj-column", "mj-raw"},
    "mj-column": set(_CONTENT),
}
# Components whose content is HTML (or text), not MJML.
ENDING = {"mj-text", "mj-button", "mj-table", "mj-raw", "mj-style", "mj-title", "mj-preview"}
REQUIRED = {"mj-image": ("src", "alt"), "mj-button": ("href",), "mjml": ("lang",)}

_TAG = re.compile(r"<(/?)(mjml|mj-[a-z-]+)((?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'))?)*)\s*(/?)>")
_ATTR = re.compile(r"([^\s=/>]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'))?")
_HTML_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)\b")


@dataclass(frozen=True)
class StructureProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line} of the rendered MJML: {self.message}"


def check(source: str) -> list[StructureProblem]:
    """Every structural problem of an MJML document (empty list when it is fine)."""
    problems: list[StructureProblem] = []
    stack: list[str] = []
    pos = 0
    root_seen = False

    seen = [0, 1]  # (index, line) of the last lookup: counting from there keeps check() linear

    def line_of(index: int) -> int:
        start, line = seen if index >= seen[0] else (0, 1)
        line += source.count("\n", start, index)
        seen[:] = [index, line]
        return line

    while True:
        match = _TAG.search(source, pos)
        stray_end = match.start() if match else len(source)
        parent = stack[-1] if stack else None
        if parent is not None and parent not in ENDING:
            stray = _HTML_TAG.search(source, pos, stray_end)
            if stray:
                problems.append(StructureProblem(
                    line_of(stray.start()),
                    f"<{stray.group(1)}> cannot sit directly in <{parent}>; wrap HTML in <mj-text> or <mj-raw>"))
        if not match:
            break
        closing, name, attrs, selfclose = match.groups()
        pos = match.end()
        line = line_of(match.start())
        if closing:
            if not stack or stack[-1] != name:
                problems.append(StructureProblem(line, f"</{name}> closes nothing (open: {stack[-1] if stack else 'none'})"))
                if name in stack:
                    del stack[stack.index(name):]
                continue
            stack.pop()
            continue
        parent = stack[-1] if stack else None
        if name not in ATTRIBUTES and not (parent == "mj-attributes" and name in _DEFAULTS):
            problems.append(StructureProblem(line, f"<{name}> is not a component of the Vivier mail theme (known: {', '.join(sorted(ATTRIBUTES))})"))
        elif parent is None:
            if name != "mjml" or root_seen:
                problems.append(StructureProblem(line, f"<{name}> must be inside <mjml>"))
            root_seen = True
        elif name not in CHILDREN.get(parent, set()):
            allowed = ", ".join(sorted(CHILDREN.get(parent, set()))) or "nothing"
            problems.append(StructureProblem(line, f"<{name}> is not allowed inside <{parent}> (allowed: {allowed})"))
        found = {k.lower(): v for k, v in _ATTR.findall(attrs or "")}
        if parent != "mj-attributes":
            allowed_attrs = ATTRIBUTES.get(name, set())
            for key in found:
                if key not in allowed_attrs:
                    problems.append(StructureProblem(line, f"<{name}> has no attribute {key!r}"))
            for key in REQUIRED.get(name, ()):
                if key not in found:
                    problems.append(StructureProblem(line, f"<{name}> needs a {key!r} attribute"))
        if selfclose:
            continue
        if name in ENDING:
            close = source.find(f"</{name}>", pos)
            if close < 0:
                problems.append(StructureProblem(line, f"<{name}> is never closed"))
                break
            pos = close + len(name) + 3
            continue
        stack.append(name)
    if stack:
        problems.append(StructureProblem(line_of(len(source)), f"<{stack[-1]}> is never closed"))
    if not root_seen:
        problems.append(StructureProblem(1, "the document has no <mjml> root"))
    return problems
