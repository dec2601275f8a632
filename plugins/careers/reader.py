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

from pelican.readers import MarkdownReader

from . import fields as f
from .dates import today
from .report import get_report

_COMMENT_RE = re.compile(r"<!--.*?-->\s*", re.S)


def article_schema(languages) -> f.Schema:
    return f.Schema(
        "article",
        [
            f.Field("title", f.text(max_length=120), required=True, example="Une journée avec l'équipe data de Nantes"),
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
            f.Field("title", f.text(max_length=120), required=True, example="À propos"),
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


class VivierMarkdownReader(MarkdownReader):
    """Pelican's Markdown reader, with every problem collected, not raised."""

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
        self._failed_fields = set()
        content, metadata = super().read(source_path)
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
