"""Jinja → MJML → HTML, once per campaign × segment × language × variant.

Jinja renders the mail theme with placeholders (`%%VIVIER:name%%`) where
per-member values go; the MJML is normalised (CRLF → LF), checked
(`structure.check`), stripped of its `mj-style inline` rules, compiled by
mjml-python, and the rules are inlined by `mailing.inline`. Personalised
regions (the member's matched jobs) are cut out of the compiled HTML along
`<!--vivier:…-->` markers, so each member's email is assembled from compiled
pieces without compiling MJML again; the job cards of that region are compiled
once per shape and filled per job (`mailing.cards`).
"""

from __future__ import annotations

import os
import re
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from talentpool.yaml_load import safe_load

from . import structure
from .parts import (ITEM_PLACEHOLDERS, MEMBER_PLACEHOLDERS, PLACEHOLDER, PLACEHOLDER_RE, Region, Rendered,  # noqa: F401
                    join_parts, split_placeholders)
from .inline import CSSError, inline_css
from .matching import JobFacts

P = {name: PLACEHOLDER.format(name) for name in MEMBER_PLACEHOLDERS + ITEM_PLACEHOLDERS}

_MARKER = re.compile(r"<!--vivier:(region|item) ([a-z0-9_-]+)-->\n?|<!--vivier:(end-region|end-item)-->\n?")
_INLINE_STYLE = re.compile(r"<mj-style\s+inline\s*=\s*[\"']inline[\"']\s*>(.*?)</mj-style>", re.S)


class PipelineError(ValueError):
    """A template that cannot be compiled; the message says where and why."""


# --- The mail theme -------------------------------------------------------------


def wrap(text: str, width: int = 76, indent: str = "") -> str:
    """Plain-text paragraphs wrapped for mail readers; URLs are never broken."""
    paragraphs = re.split(r"\n\s*\n", str(text).strip())
    return "\n\n".join(
        textwrap.fill(" ".join(p.split()), width=width, initial_indent=indent, subsequent_indent=indent,
                      break_long_words=False, break_on_hyphens=False)
        for p in paragraphs if p.strip()
    )


class MailTheme:
    """The templates and strings of `theme/mail` (MJML + Jinja2, text, strings per language)."""

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self.cache = None  # a `mailing.memo.Memo` remembering compiled MJML across builds (set by the generators)
        if not os.path.isdir(self.path):
            raise PipelineError(f"mail theme folder {self.path} does not exist (setting MAILING_THEME)")
        loader = FileSystemLoader(self.path)
        self.html_env = Environment(loader=loader, autoescape=True, undefined=StrictUndefined,
                                    trim_blocks=False, keep_trailing_newline=True)
        self.text_env = Environment(loader=loader, autoescape=False, undefined=StrictUndefined,
                                    keep_trailing_newline=True)
        self.text_env.filters["wrap"] = wrap

    def use_build_caches(self, settings) -> MailTheme:
        """This build's caches, when Pelican's content cache is on: compiled MJML (`mailing.memo`) and
        compiled Jinja templates (the site theme's folder, `careers.template_cache`: every build compiled
        the mail templates again, a fifth of a second of the mail side's CPU)."""
        from careers import template_cache

        from . import memo

        self.cache = memo.for_settings(settings)
        compiled = template_cache(settings)
        if compiled is not None:
            self.html_env.bytecode_cache = self.text_env.bytecode_cache = compiled
        return self

    def strings(self, lang: str) -> dict:
        return _load_strings(os.path.join(self.path, "strings"), lang)

    def render_mjml(self, name: str, view: dict) -> str:
        template = self.html_env.get_template(name)
        return template.render(view=view, s=self.strings(view["lang"]), P=P)

    def render_text(self, name: str, view: dict) -> str:
        template = self.text_env.get_template(name)
        return template.render(view=view, s=self.strings(view["lang"]), P=P)


@lru_cache(maxsize=16)
def _load_strings(folder: str, lang: str) -> dict:
    path = os.path.join(folder, f"{lang}.yml")
    if not os.path.exists(path):
        raise PipelineError(f"mail strings {path} are missing for language {lang!r}")
    with open(path, encoding="utf-8") as handle:
        return safe_load(handle) or {}


# --- Pieces: compiled text split at placeholders and regions -----------------------




def cut_regions(text: str) -> Rendered:
    """Split compiled output along `<!--vivier:…-->` markers into body and regions."""
    regions: dict[str, Region] = {}
    out: list[str] = []
    pos = 0
    name = None  # the open region
    prefix: str | None = None
    items: list[str] = []
    in_item = False
    for match in _MARKER.finditer(text):
        kind, label, end = match.group(1), match.group(2), match.group(3)
        chunk = text[pos:match.start()]
        pos = match.end()
        if kind == "region":
            if name is not None:
                raise PipelineError(f"region {label!r} starts inside region {name!r}")
            out.append(chunk)
            name, prefix, items, in_item = label, None, [], False
        elif name is None:
            raise PipelineError(f"marker {match.group(0).strip()!r} is outside any region")
        elif kind == "item":
            if in_item:
                raise PipelineError(f"item {label!r} starts inside another item of region {name!r}")
            if prefix is None:
                prefix = chunk
            elif items:
                items[-1] += chunk  # whatever sits between two items stays with the first
            in_item = True
        elif end == "end-item":
            if not in_item:
                raise PipelineError(f"an item of region {name!r} ends without starting")
            items.append(chunk)
            in_item = False
        else:  # end-region
            if in_item:
                raise PipelineError(f"region {name!r} ends inside an item")
            if prefix is None:
                prefix, suffix = chunk, ""
            else:
                suffix = chunk
            regions[name] = Region(split_placeholders(prefix), [split_placeholders(i) for i in items], split_placeholders(suffix))
            out.append(PLACEHOLDER.format(f"region.{name}"))
            name = None
    if name is not None:
        raise PipelineError(f"region {name!r} is never closed")
    out.append(text[pos:])
    return Rendered(split_placeholders("".join(out)), regions)


# --- Compilation -------------------------------------------------------------------


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF: mjml-python fails on CRLF before a void element."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class CompiledVariant:
    """One campaign × segment × language × variant, compiled once, personalised many times."""

    slug: str
    segment: str
    lang: str
    variant: str
    subject: str
    preheader: str
    html: Rendered
    text: Rendered
    candidates: list[JobFacts]
    strings: dict[str, str]  # greeting and reason templates of the language
    archive_url: str
    matches: int
    if_nothing: str
    mjml: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.segment}.{self.lang}.{self.variant}"

    def to_json(self, *, items=None, candidates=None) -> dict:
        """Plain data for the outbox; `items(…)` and `candidates(…)`, if given, stand for the
        regions' items and the candidates (the outbox encodes those shared by variants once)."""
        data = {k: v for k, v in self.__dict__.items() if k not in ("html", "text", "candidates", "mjml", "problems")}
        data["html"] = self.html.to_json(items)
        data["text"] = self.text.to_json(items)
        data["candidates"] = candidates(self.candidates) if candidates is not None else [job.to_dict() for job in self.candidates]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "CompiledVariant":
        values = dict(data)
        values["html"] = Rendered.from_json(data["html"])
        values["text"] = Rendered.from_json(data["text"])
        values["candidates"] = [JobFacts.from_dict(j) for j in data["candidates"]]
        return cls(**values)


def extract_inline_css(source: str) -> tuple[str, str]:
    """(MJML without its `mj-style inline` blocks, their CSS joined)."""
    css = "\n".join(m.group(1) for m in _INLINE_STYLE.finditer(source))
    return _INLINE_STYLE.sub("", source), css


def compile_mjml(source: str, cache=None) -> tuple[str, list[str]]:
    """(HTML, problems) for an MJML document: structure, compilation, inlining.

    A pure function of the source text (mjml-python reads no file: `mj-include`
    fails without a loader), so `cache` (a `mailing.memo.Memo`) may remember it
    across builds, keyed by the whole source.
    """
    if cache is None:
        return _compile_mjml(source)
    from .memo import MISS

    key = cache.key("mjml", source)
    found = cache.get(key)
    if (found is not MISS and isinstance(found, list) and len(found) == 2 and isinstance(found[0], str)
            and isinstance(found[1], list) and all(isinstance(p, str) for p in found[1])):
        return found[0], list(found[1])
    html, problems = _compile_mjml(source)
    cache.put(key, [html, problems])
    return html, problems


_VERTICAL_ALIGN_ATTRIBUTE = re.compile(r'(<td\b[^>]*?)\s+vertical-align="[^"]*"')


def drop_invalid_attributes(html: str) -> str:
    """MRML writes `vertical-align="middle"` on every button's cell: no such attribute exists in HTML
    (validators refuse it, clients ignore it), so it goes; the layout does not change."""
    return _VERTICAL_ALIGN_ATTRIBUTE.sub(r"\1", html)


def _compile_mjml(source: str) -> tuple[str, list[str]]:
    from mjml import mjml2html

    source = normalise_newlines(source)
    problems = [str(p) for p in structure.check(source)]
    source, css = extract_inline_css(source)
    try:
        html = mjml2html(source, fonts={})
    except Exception as exc:  # MRML raises plain exceptions with its parser message
        return "", problems + [f"mjml-python could not compile the template: {exc}"]
    html = drop_invalid_attributes(html)
    try:
        html = inline_css(html, css)
    except CSSError as exc:
        problems.append(f"inline CSS: {exc}")
    return normalise_newlines(html), problems


def _render_parts(theme: MailTheme, view: dict, template: str) -> tuple[str, Rendered, Rendered, list[str]]:
    """(MJML source, HTML parts, text parts, problems) of one view: Jinja, MJML, inlining, regions."""
    mjml_source = normalise_newlines(theme.render_mjml(f"{template}.mjml", view))
    html, problems = compile_mjml(mjml_source, getattr(theme, "cache", None))
    text = normalise_newlines(theme.render_text(f"{template}.txt", view))
    try:
        html_parts = cut_regions(html)
        text_parts = cut_regions(text)
    except PipelineError as exc:
        problems.append(str(exc))
        html_parts, text_parts = Rendered(split_placeholders(html)), Rendered(split_placeholders(text))
    return mjml_source, html_parts, text_parts, problems


def compile_variant(theme: MailTheme, view: dict, *, template: str = "newsletter",
                    memo: dict | None = None) -> CompiledVariant:
    """Render and compile one variant of a campaign from its view (see `mailing.views`).

    The candidate job cards are compiled once per shape, not once per job
    (`compile_with_cards`), so the MJML document stays the same size whatever
    the number of jobs; `memo` (one dict per language of a campaign) shares
    the filled cards between its segments.
    """
    from .cards import compile_with_cards  # cards -> parts only: no cycle

    mjml_source, html_parts, text_parts, problems = compile_with_cards(
        view, lambda v: _render_parts(theme, v, template), memo)
    strings = theme.strings(view["lang"])
    return CompiledVariant(
        slug=view["slug"], segment=view["segment"], lang=view["lang"], variant=view["variant"],
        subject=view["subject"], preheader=view["preheader"],
        html=html_parts, text=text_parts,
        candidates=_candidate_facts(view.get("candidates", []), memo),
        strings={k: strings[k] for k in ("greeting", "greeting_named", "reason_skills",
                                         "reason_department", "reason_city", "reason_remote")},
        archive_url=view["links"]["archive"], matches=view.get("matches", 0),
        if_nothing=view.get("if_nothing", "general"), mjml=mjml_source, problems=problems,
    )


def _candidate_facts(items: list[dict], memo: dict | None) -> list[JobFacts]:
    """The candidates' JobFacts; with `memo`, one (frozen) JobFacts per facts dict, shared by the
    variants and segments whose items share it (views.py), so the plan indexes them once."""
    if memo is None:
        return [JobFacts.from_dict(j["facts"]) for j in items]
    result = []
    for item in items:
        data = item["facts"]
        key = ("facts", id(data))  # views.facts_key: build_view may have put it there
        entry = memo.get(key)
        if entry is None:
            entry = memo[key] = (data, JobFacts.from_dict(data))  # the dict keeps its id
        result.append(entry[1])
    return result


def markup(html: str) -> Markup:
    """Mark trusted HTML (the campaign intro rendered by Pelican's Markdown)."""
    return Markup(html)
