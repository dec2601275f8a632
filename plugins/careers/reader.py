"""Markdown reader that reports metadata problems instead of crashing on them.

Pelican raises (or skips a file with an error) on the first bad value; we
record every problem with its file, field and line in the build's report and
fill in placeholders so the run goes on to find the rest. The build then fails
once, with the full list (see `careers.validate_build`).
"""

from __future__ import annotations

import datetime as dt
import os
import re

from markdown import Markdown
from markdown.extensions.footnotes import FootnoteExtension
from pelican.readers import MarkdownReader

from . import fields as f
from . import sources
from .dates import today
from .report import get_report

_COMMENT_RE = re.compile(r"<!--.*?-->\s*", re.S)


def article_schema(languages) -> f.Schema:
    return f.Schema(
        "article",
        [
            f.Field("title", f.text(max_length=120, plain=True), required=True, example="Une journée avec l'équipe data de Nantes"),
            f.Field("date", lambda v: v, required=True, example="2026-09-14 09:00"),
            f.Field("author", lambda v: v, required=True, example="Claire Vasseur", aliases=("authors",)),
            f.Field("category", lambda v: v, required=True, example="Portraits"),
            f.Field("tags", lambda v: v, example="recrutement, compétences"),
            f.Field("lang", f.language(languages), example="fr"),
            f.Field("summary", lambda v: v, example="Une phrase qui donne envie de lire."),
            f.Field("image", f.text(), example="images/equipe-nantes.jpg"),
            f.Field("image_alt", f.text(), example="L'équipe data autour d'un tableau blanc"),
        ],
    )


def page_schema(languages) -> f.Schema:
    return f.Schema(
        "page",
        [
            f.Field("title", f.text(max_length=120, plain=True), required=True, example="À propos"),
            f.Field("lang", f.language(languages), example="fr"),
            f.Field("summary", lambda v: v, example="Une phrase de présentation."),
            f.Field("nav", f.integer(minimum=0), example="1", help="position in the main menu; leave out to hide"),
        ],
    )


def content_kind(settings, source_path: str) -> str | None:
    """'article', 'page' or None (the careers generators check their own types)."""
    root = os.path.abspath(settings["PATH"])
    rel = os.path.relpath(os.path.abspath(source_path), root).replace(os.sep, "/")
    if any(rel == p or rel.startswith(p.rstrip("/") + "/") for p in settings.get("PAGE_PATHS", [])):
        return "page"
    excluded = settings.get("ARTICLE_EXCLUDES", [])
    if any(rel.startswith(e.rstrip("/") + "/") for e in excluded):
        return None
    if any(rel.startswith(p.rstrip("/") + "/") or p in ("", ".") for p in settings.get("ARTICLE_PATHS", [])):
        return "article"
    return None


# Extensions whose whole per-document state `Markdown.reset()` clears (checked in
# Python-Markdown 3.x: meta, toc, footnotes, abbr and md_in_html have `reset`;
# the others keep none between documents). Named as Pelican settings name them.
_REUSABLE_EXTENSIONS = frozenset(
    form
    for name in ("extra", "abbr", "attr_list", "def_list", "fenced_code", "footnotes", "md_in_html", "tables",
                 "toc", "meta", "codehilite")
    for form in (name, "markdown.extensions." + name)
)


def reusable_markdown(markdown_settings) -> bool:
    """Whether one `Markdown` reset between documents converts them as fresh instances do.

    Only extensions named by string and known to keep no state past `reset()`
    qualify; an extension instance in the settings (shared by Pelican between
    its per-file instances) or any other extension keeps Pelican's behaviour.
    """
    extensions = list(markdown_settings.get("extensions", [])) + list(markdown_settings.get("extension_configs", {}))
    return all(isinstance(e, str) and e in _REUSABLE_EXTENSIONS for e in extensions)


class _SharedMarkdown:
    """One `Markdown` instance per reader, put back in a fresh instance's state before each document.

    Pelican builds a `Markdown` per file (registering every extension again:
    a fifth of the reading time) and, for the formatted fields (`Summary`),
    deregisters the `meta` preprocessor of that instance and resets it. Here
    the same instance is reset before each document, with `meta` registered
    again at its place and the footnotes' id prefix set back to a fresh
    instance's (it grows at every reset and shows in ids with UNIQUE_IDS).
    """

    def __init__(self, markdown_settings):
        self.md = Markdown(**markdown_settings)
        self.preprocessors = list(self.md.preprocessors)
        self.meta = self._meta_entry()
        self.footnotes = [(ext, ext.unique_prefix) for ext in self.md.registeredExtensions
                          if isinstance(ext, FootnoteExtension)]

    def _meta_entry(self):
        """The `meta` preprocessor and its priority (None if unknown: then `fresh` builds new instances)."""
        registry = self.md.preprocessors
        if "meta" not in registry:
            return None
        for entry in getattr(registry, "_priority", ()):  # Registry keeps (name, priority) pairs there
            if entry.name == "meta":
                return registry["meta"], entry.priority
        return None

    def fresh(self) -> Markdown | None:
        """The instance, as a new one would be; None if it cannot be made so."""
        md = self.md
        if self.meta is not None and "meta" not in md.preprocessors:
            md.preprocessors.register(self.meta[0], "meta", self.meta[1])
        if list(md.preprocessors) != self.preprocessors:
            return None
        md.reset()
        for ext, prefix in self.footnotes:
            ext.unique_prefix = prefix
        return md


class VivierMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, with every problem collected, not raised.

    It also converts every file with one `Markdown` instance (see
    `_SharedMarkdown`) instead of building one per file; the HTML and the
    metadata are the same (tests/careers/test_reader_markdown.py).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._shared = None
        self._reuse = reusable_markdown(self.settings["MARKDOWN"])
        self.last_text = None  # (source path, text) of the last file converted, for the job rules
        self.prefetch = None  # files converted by another process (careers.prefetch), taken instead of converting
        self.last_wording = None  # (language, problems) of the last file's wording check, done by that process

    def _markdown(self) -> Markdown:
        if self._reuse:
            if self._shared is None:
                self._shared = _SharedMarkdown(self.settings["MARKDOWN"])
                return self._shared.md
            md = self._shared.fresh()
            if md is not None:
                return md
            self._shared = _SharedMarkdown(self.settings["MARKDOWN"])
            return self._shared.md
        return Markdown(**self.settings["MARKDOWN"])

    def _read_markdown(self, source_path):
        """`MarkdownReader.read`, with the reader's instance instead of a new one per file."""
        self._source_path = source_path
        self.last_text = None
        self._md = self._markdown()
        try:
            with open(source_path, "rb") as handle:
                text, problem = sources.decode(handle.read())  # as Pelican's pelican_open, with a readable error
            if problem:
                get_report(self.settings).error(source_path, sources.ENCODING, problem[1], problem[2], problem[0])
            content = self._md.convert(text)
            if hasattr(self._md, "Meta"):
                metadata = self._parse_metadata(self._md.Meta)
            else:
                metadata = {}
        except BaseException:
            self._shared = None  # a conversion that failed half-way may leave state behind
            raise
        self.last_text = (source_path, text)
        return content, metadata

    def process_metadata(self, name, value):
        try:
            return super().process_metadata(name, value)
        except Exception as exc:  # Pelican's processors raise bare ValueErrors
            report = get_report(self.settings)
            self._failed_fields.add(name)
            example = {"date": "2026-09-14 09:00", "modified": "2026-09-20 10:00"}.get(name, "")
            report.error(
                self._source_path,
                name,
                f"{value!r} cannot be read ({exc})" if str(exc) else f"{value!r} cannot be read",
                example,
                f.field_line(self._source_path, name),
            )
            return None

    def read(self, source_path):
        report = get_report(self.settings)
        before = len(report.problems)
        try:
            return self._read(source_path)
        finally:
            if len(report.problems) > before:  # see careers.content_cache
                report.read_with_problems.add(os.path.abspath(source_path))

    def _read(self, source_path):
        self.last_wording = None
        taken = self.prefetch.take(source_path, self.settings) if self.prefetch is not None else None
        if taken is not None:
            content, metadata, text, wording = taken
            self.last_text = (source_path, text) if text is not None else None
            self.last_wording = wording if text is not None else None  # always with its file's `last_text`
            return content, metadata
        self._failed_fields = set()
        content, metadata = self._read_markdown(source_path)
        sources.check_text(source_path, self.last_text[1], get_report(self.settings))
        content = _COMMENT_RE.sub("", content)
        kind = content_kind(self.settings, source_path)
        if kind:
            languages = self.settings.get("CAREERS_LANGUAGES", ["fr", "en"])
            schema = article_schema(languages) if kind == "article" else page_schema(languages)
            report = get_report(self.settings)
            raw = {k: v for k, v in metadata.items() if v is not None}
            schema.parse(raw, source_path, report, already_reported=self._failed_fields)
            if report.has_errors_for(source_path):
                metadata = self._placeholders(kind, metadata, source_path)
        return content, metadata

    def _placeholders(self, kind, metadata, source_path):
        """Values that let Pelican carry on; the build fails later anyway."""
        metadata = {k: v for k, v in metadata.items() if v is not None}
        metadata.setdefault("title", os.path.basename(source_path))
        if kind == "article":
            metadata.setdefault("date", dt.datetime.combine(today(self.settings), dt.time()))
            if "category" not in metadata:
                metadata["category"] = self.process_metadata("category", "invalid")
        languages = self.settings.get("CAREERS_LANGUAGES", ["fr", "en"])
        if metadata.get("lang") not in languages:
            metadata["lang"] = self.settings["DEFAULT_LANG"]
        return metadata


def new_file(settings, title: str, lang: str):
    """A new article under content/articles/, for `vivier new article`."""
    from pathlib import Path

    from pelican.utils import slugify

    from .dates import now

    slug = slugify(title, regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []))
    folder = Path(settings["PATH"]) / "articles" / ("" if lang == settings["DEFAULT_LANG"] else lang)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.md"
    schema = article_schema(settings.get("CAREERS_LANGUAGES", ["fr", "en"]))
    text = schema.template(
        {"title": title, "date": now(settings).strftime("%Y-%m-%d %H:%M"), "lang": lang, "image": "", "image_alt": ""},
        body="## \n\n",
    )
    text = text.replace("Title:", "Slug: " + slug + "\nTitle:", 1)
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return path
