"""Inline the CSS of `<mj-style inline="inline">` into `style` attributes ourselves.

mjml-python (MRML) leaves such rules in a `<style>` block, which Gmail and
others may drop. We tokenise the compiled HTML (no re-serialisation, so
placeholders and URLs stay byte-for-byte as MRML wrote them), match simple
selectors (`tag`, `.class`, `#id`, compounds, descendant ` ` and child `>`)
and merge declarations; an inline style already on an element wins unless the
rule says `!important`, as juice (MJML's inliner) does. Comments, including
Outlook's conditional comments, are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
RAW_TEXT = {"style", "script", "title", "textarea"}


class CSSError(ValueError):
    """A rule or selector the inliner cannot apply; the message quotes it."""


@dataclass(frozen=True)
class Compound:
    tag: str | None
    ids: tuple[str, ...]
    classes: tuple[str, ...]

    def matches(self, tag: str, ident: str, classes: set[str]) -> bool:
        return (
            (self.tag is None or self.tag == tag)
            and all(i == ident for i in self.ids)
            and all(c in classes for c in self.classes)
        )


@dataclass(frozen=True)
class Rule:
    selector: str
    parts: tuple  # (Compound, combinator, Compound, …), combinator in " ", ">"
    specificity: tuple[int, int, int]
    order: int
    declarations: tuple[tuple[str, str, bool], ...]  # (property, value, important)


_COMPOUND = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*|\*)?((?:[.#][a-zA-Z_-][a-zA-Z0-9_-]*)*)$")


def _compound(text: str, selector: str) -> Compound:
    match = _COMPOUND.match(text)
    if not text or not match:
        raise CSSError(f"selector {selector!r} is not supported for inlining (use tags, .classes, #ids, ' ' and '>')")
    tag = match.group(1)
    tokens = re.findall(r"([.#])([a-zA-Z_-][a-zA-Z0-9_-]*)", match.group(2))
    return Compound(
        None if tag in (None, "*") else tag.lower(),
        tuple(n for k, n in tokens if k == "#"),
        tuple(n for k, n in tokens if k == "."),
    )


def parse_selector(selector: str) -> tuple[tuple, tuple[int, int, int]]:
    text = re.sub(r"\s*>\s*", " > ", selector.strip())
    tokens = text.split()
    parts: list = []
    pending = " "
    for token in tokens:
        if token == ">":
            pending = ">"
            continue
        if parts:
            parts.append(pending)
        parts.append(_compound(token, selector))
        pending = " "
    if not parts or pending == ">":
        raise CSSError(f"selector {selector!r} is incomplete")
    compounds = parts[::2]
    specificity = (
        sum(len(c.ids) for c in compounds),
        sum(len(c.classes) for c in compounds),
        sum(1 for c in compounds if c.tag),
    )
    return tuple(parts), specificity


def parse_css(css: str) -> list[Rule]:
    """Rules of a stylesheet; @-rules and unsupported selectors raise CSSError."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    if "@" in css:
        at = re.search(r"@[a-z-]+", css)
        raise CSSError(f"{at.group(0) if at else '@-rule'} cannot be inlined; put it in a plain <mj-style>")
    rules: list[Rule] = []
    order = 0
    for block in css.split("}"):
        if not block.strip():
            continue
        if "{" not in block:
            raise CSSError(f"unbalanced braces near {block.strip()[:40]!r}")
        selectors, body = block.split("{", 1)
        declarations = []
        for decl in body.split(";"):
            if not decl.strip():
                continue
            if ":" not in decl:
                raise CSSError(f"declaration {decl.strip()!r} has no ':'")
            prop, value = decl.split(":", 1)
            value = value.strip()
            important = value.lower().endswith("!important")
            if important:
                value = value[: -len("!important")].strip()
            declarations.append((prop.strip().lower(), value, important))
        for selector in selectors.split(","):
            parts, specificity = parse_selector(selector.strip())
            rules.append(Rule(selector.strip(), parts, specificity, order, tuple(declarations)))
            order += 1
    return rules


def _matches(parts: tuple, stack: list[tuple[str, str, set[str]]]) -> bool:
    """Does the selector match the last element of `stack` (its ancestors before it)?"""
    if not parts[-1].matches(*stack[-1]):
        return False
    index = len(stack) - 1
    i = len(parts) - 1
    while i > 0:
        combinator, compound = parts[i - 1], parts[i - 2]
        if combinator == ">":
            index -= 1
            if index < 0 or not compound.matches(*stack[index]):
                return False
        else:
            index -= 1
            while index >= 0 and not compound.matches(*stack[index]):
                index -= 1
            if index < 0:
                return False
        i -= 2
    return True


_TOKEN = re.compile(
    r"<!--.*?-->|<![^>]*>|</\s*([a-zA-Z][a-zA-Z0-9:-]*)\s*>"
    r"|<([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*(/?)>",
    re.S,
)
_ATTR = re.compile(r"([^\s=/>]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")


def _declarations(style: str) -> list[tuple[str, str]]:
    result = []
    for decl in style.split(";"):
        if ":" in decl:
            prop, value = decl.split(":", 1)
            result.append((prop.strip().lower(), value.strip()))
    return result


def _merge(existing: str, rules: list[Rule]) -> str:
    current = dict(_declarations(existing))
    winners: dict[str, tuple] = {}
    for rule in sorted(rules, key=lambda r: (r.specificity, r.order)):
        for prop, value, important in rule.declarations:
            key = (important, rule.specificity, rule.order)
            if prop not in winners or key >= winners[prop][0]:
                winners[prop] = (key, value, important)
    added = []
    for prop, (_, value, important) in winners.items():
        if prop in current and not important:
            continue
        current.pop(prop, None)
        added.append((prop, value))
    merged = added + list(current.items())
    return ";".join(f"{p}:{v}" for p, v in merged) + ";"


class _RuleIndex:
    """Rules bucketed by what their last compound requires (an id, a class, a tag, or nothing),
    so each element is tested only against rules that could match it."""

    def __init__(self, rules: list[Rule]):
        self.any: list[Rule] = []
        self.by_id: dict[str, list[Rule]] = {}
        self.by_class: dict[str, list[Rule]] = {}
        self.by_tag: dict[str, list[Rule]] = {}
        for rule in rules:
            last = rule.parts[-1]
            if last.ids:
                self.by_id.setdefault(last.ids[0], []).append(rule)
            elif last.classes:
                self.by_class.setdefault(last.classes[0], []).append(rule)
            elif last.tag:
                self.by_tag.setdefault(last.tag, []).append(rule)
            else:
                self.any.append(rule)

    def candidates(self, tag: str, ident: str, classes: set[str]) -> list[Rule]:
        found = self.any + self.by_tag.get(tag, []) + (self.by_id.get(ident, []) if ident else [])
        for name in classes:
            found += self.by_class.get(name, ())
        return found


def inline_css(html: str, css: str) -> str:
    """`html` with the rules of `css` merged into matching elements' style attributes."""
    rules = parse_css(css)
    if not rules:
        return html
    index = _RuleIndex(rules)
    out: list[str] = []
    stack: list[tuple[str, str, set[str]]] = []
    pos = 0
    lower = html.lower()
    for match in _TOKEN.finditer(html):
        if match.start() < pos:
            continue
        end_tag, tag, attrs, selfclose = match.groups()
        out.append(html[pos:match.start()])
        pos = match.end()
        if end_tag:
            name = end_tag.lower()
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth][0] == name:
                    del stack[depth:]
                    break
            out.append(match.group(0))
            continue
        if not tag:
            out.append(match.group(0))
            continue
        name = tag.lower()
        values = {k.lower(): (v or "") for k, v in _ATTR.findall(attrs or "")}
        ident = values.get("id", "").strip("\"'")
        classes = set(values.get("class", "").strip("\"'").split())
        stack.append((name, ident, classes))
        hits = [r for r in index.candidates(name, ident, classes) if _matches(r.parts, stack)]
        if hits:
            out.append(_restyle(match.group(0), tag, attrs or "", selfclose, hits))
        else:
            out.append(match.group(0))
        if name in VOID or selfclose:
            stack.pop()
        elif name in RAW_TEXT:
            close = lower.find(f"</{name}", pos)
            close = len(html) if close < 0 else close
            out.append(html[pos:close])
            pos = close
    out.append(html[pos:])
    return "".join(out)


def _restyle(original: str, tag: str, attrs: str, selfclose: str, rules: list[Rule]) -> str:
    found = re.search(r"(\sstyle\s*=\s*)(\"[^\"]*\"|'[^']*')", attrs, flags=re.I)
    if found:
        quote = found.group(2)[0]
        style = _merge(found.group(2)[1:-1], rules).replace(quote, "'" if quote == '"' else '"')
        attrs = attrs[: found.start(2)] + quote + style + quote + attrs[found.end(2):]
    else:
        attrs = attrs + ' style="' + _merge("", rules).replace('"', "'") + '"'
    tail = " />" if selfclose else ">"
    return f"<{tag}{attrs}{tail}"
