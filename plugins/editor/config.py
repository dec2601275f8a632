"""The editor's configuration, generated from the schemas the build validates with.

`editor_config(settings, cities)` returns what /admin/editor.json holds: the
Decap CMS configuration (one collection per content type and language) and,
for each collection, the field list `vivier-cms.js` reads and writes files
with. The fields, their order, required flags, choices, help texts and
defaults all come from `careers` and `mailing` schemas; the few rules that
span several fields (a job's pay range, a location's country) come from the
same settings the job rules read.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from careers import ambassador_fields, event_schema, job_fields
from careers import fields as f
from careers.i18n import load_strings
from careers.reader import article_schema, page_schema
from mailing.kinds.newsletter.campaigns import campaign_schema

from .fields import COUNTRY_PATTERN, Kind, hint, kind_of, label, title


@dataclass(frozen=True)
class ContentType:
    """One kind of content file: its folder, schema and how translations find their original."""

    name: str  # collection prefix: jobs, events…
    labels: dict  # {lang: collection label}
    folder: str  # under the content folder
    schema: f.Schema
    translation_schema: f.Schema
    keys: tuple  # fields a translation shares with its original
    identifier: str  # the field naming an entry in lists
    preview: str = "generic"
    # Fields the build requires through a rule over several fields (not in the schema's `required`).
    rule_required: frozenset = frozenset()


def content_types(settings) -> list[ContentType]:
    languages = settings.get("CAREERS_LANGUAGES", ["fr", "en"])
    salary = frozenset({"salary_min", "salary_max"}) if settings.get("JOBS_REQUIRE_SALARY", True) else frozenset()
    jobs = job_fields.job_schema(settings)
    events = event_schema.event_schema(languages)
    articles, pages = article_schema(languages), page_schema(languages)
    campaign = campaign_schema(languages, settings.get("MAILING_MATCHES", 3))
    campaign_tr = campaign_schema(languages, settings.get("MAILING_MATCHES", 3), translation=True)
    return [
        ContentType("jobs", {"fr": "Offres d'emploi", "en": "Job ads"}, settings.get("JOBS_CONTENT_PATHS", ["jobs"])[0],
                    jobs, jobs, ("reference", "slug"), "title", "job", salary),
        ContentType("events", {"fr": "Événements", "en": "Events"}, settings.get("EVENTS_PATH", "events"),
                    events, events, ("reference",), "title"),
        ContentType("ambassadors", {"fr": "Ambassadeurs", "en": "Ambassadors"},
                    settings.get("AMBASSADORS_PATHS", ["ambassadors"])[0],
                    ambassador_fields.schema(settings), ambassador_fields.schema(settings, translation=True), ("slug",), "name"),
        ContentType("articles", {"fr": "Articles", "en": "Articles"}, settings.get("ARTICLE_PATHS", ["articles"])[0],
                    articles, articles, ("slug",), "title"),
        ContentType("pages", {"fr": "Pages", "en": "Pages"}, settings.get("PAGE_PATHS", ["pages"])[0],
                    pages, pages, ("slug",), "title"),
        ContentType("newsletters", {"fr": "Newsletters", "en": "Newsletters"}, "newsletters",
                    campaign, campaign_tr, ("slug",), "title"),
    ]


def unknown_parsers(settings) -> list[str]:
    """'job.xyz' for every field whose parser this module cannot describe (a test keeps it empty)."""
    return [f"{t.schema.kind}.{spec.name}" for t in content_types(settings) for schema in (t.schema, t.translation_schema)
            for spec in schema.fields if not kind_of(spec.name, spec.parse).known]


SLUG_PATTERN = (r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "lower-case letters, digits and hyphens, e.g. ingenieur-data-nantes")
SLUG_HELP = {"fr": "the page address (lower case, hyphens); the English version keeps the French slug",
             "en": "the page address (lower case, hyphens)"}


def _widget(spec: f.Field, kind: Kind, settings, cities: list[str]) -> dict:
    if kind.kind == "choice":
        return {"widget": "select", "options": _options(spec.name, kind.choices, settings)}
    if kind.kind == "choices":
        return {"widget": "select", "multiple": True, "options": _options(spec.name, kind.choices, settings)}
    if kind.kind in ("list", "skills"):
        return {"widget": "list", "field": {"name": "item", "label": title(spec.name), "widget": "string"}}
    if kind.kind == "locations":
        city = ({"widget": "select", "options": cities} if cities else {"widget": "string"})
        return {
            "widget": "list", "min": 1, "summary": "{{fields.city}} {{fields.postal_code}} {{fields.country}}",
            "fields": [
                {"name": "city", "label": "City", "required": False, **city,
                 "hint": "leave empty only for a fully remote job"},
                {"name": "postal_code", "label": "Postal code", "widget": "string", "required": False},
                {"name": "region", "label": "Region", "widget": "string", "required": False},
                {"name": "country", "label": "Country", "widget": "string", "required": True,
                 "pattern": list(COUNTRY_PATTERN), "hint": "two-letter ISO code: FR, BE, CH…"},
            ],
        }
    if kind.kind == "boolean":
        return {"widget": "boolean"}
    if kind.kind in ("integer", "decimal"):
        widget = {"widget": "number", "value_type": "int" if kind.kind == "integer" else "float"}
        if kind.minimum is not None:
            widget["min"] = kind.minimum
        if kind.maximum is not None:
            widget["max"] = kind.maximum
        return widget
    if kind.kind == "date":
        return {"widget": "datetime", "format": "YYYY-MM-DD", "date_format": "YYYY-MM-DD", "time_format": False}
    if kind.kind == "datetime":
        return {"widget": "datetime", "format": "YYYY-MM-DD HH:mm"}
    if kind.kind == "text":
        return {"widget": "text"}
    widget = {"widget": "string"}
    if kind.pattern:
        widget["pattern"] = list(kind.pattern)
    elif kind.max_length:
        widget["pattern"] = [rf"^[\s\S]{{0,{kind.max_length}}}$", f"at most {kind.max_length} characters"]
    return widget


def _options(name: str, choices: list, settings) -> list:
    departments = settings.get("JOBS_DEPARTMENTS") or {}
    if name == "department" and departments:
        lang = settings.get("DEFAULT_LANG", "fr")
        return [{"label": f"{departments[c].get(lang, c)} ({c})" if c in departments else c, "value": c} for c in choices]
    return list(choices)


def _default(spec: f.Field):
    value = spec.default
    if value is None or callable(value) or isinstance(value, (list, tuple, dict)):
        return None
    return value


def _field(spec: f.Field, kind: Kind, required: bool, settings, cities) -> dict:
    field = {"name": spec.name, "label": title(spec.name), "required": required, **_widget(spec, kind, settings, cities)}
    text = hint(spec)
    if text:
        field["hint"] = text
    default = _default(spec)
    if default is not None:
        field["default"] = default
    if required and kind.kind in ("list", "skills", "choices"):
        field["min"] = 1
    return field


def _codec_field(spec: f.Field, kind: Kind, settings) -> dict:
    entry = {"name": spec.name, "label": label(spec.name), "title": title(spec.name), "kind": kind.kind,
             "aliases": list(spec.aliases)}
    if kind.kind in ("list", "choices", "locations"):
        entry["separator"] = kind.separator
    if kind.kind in ("choice", "choices"):
        entry["choices"] = kind.choices
        entry["choice_aliases"] = kind.aliases
        if spec.name == "department":
            lang = settings.get("DEFAULT_LANG", "fr")
            entry["labels"] = {k: v.get(lang, k) for k, v in (settings.get("JOBS_DEPARTMENTS") or {}).items()}
    if kind.kind == "locations":
        entry["countries"] = {name: code for name, code in job_fields.COUNTRY_NAMES.items()}
    return entry


def collection(ctype: ContentType, lang: str, settings, content_dir: str, cities: list[str]) -> tuple[dict, dict]:
    """The Decap collection of one content type in one language, and its codec description."""
    default_lang = settings.get("DEFAULT_LANG", "fr")
    original = lang == default_lang
    schema = ctype.schema if original else ctype.translation_schema
    name = f"{ctype.name}_{lang}"
    folder = posixpath.join(content_dir, ctype.folder, "" if original else lang).rstrip("/")
    fields, codec = [], []
    names = [spec.name for spec in schema.fields]
    has_slug = "slug" in names or "slug" in schema.passthrough or ctype.name == "ambassadors"
    for spec in schema.fields:
        kind = kind_of(spec.name, spec.parse)
        required = spec.required or spec.name in ctype.rule_required
        if spec.name == "lang":
            field = {"name": "lang", "label": "Lang", "widget": "hidden", "default": lang, "required": False}
        elif kind.machine:
            field = {"name": spec.name, "label": title(spec.name), "widget": "hidden", "required": False}
        elif not original and spec.name in ctype.keys:
            field = _relation(ctype, spec.name, default_lang)
        elif spec.name == "slug":
            field = _slug_field(lang)
        else:
            field = _field(spec, kind, required, settings, cities)
        fields.append(field)
        codec.append(_codec_field(spec, kind, settings))
    if has_slug and "slug" not in names:
        # Pelican reads Slug itself; articles, pages, newsletters and ambassador translations use it as their link.
        first = [] if original and ctype.name == "ambassadors" else [
            _relation(ctype, "slug", default_lang) if not original and "slug" in ctype.keys else _slug_field(lang)]
        fields[1:1] = first
        codec.insert(1, {"name": "slug", "label": "Slug", "title": "Slug", "kind": "string", "aliases": []})
    if "lang" not in names:
        fields.append({"name": "lang", "label": "Lang", "widget": "hidden", "default": lang, "required": False})
        codec.append({"name": "lang", "label": "Lang", "title": "Lang", "kind": "string", "aliases": []})
    fields.append({"name": "body", "label": "Body", "widget": "markdown", "modes": ["raw", "rich_text"], "required": False,
                   "hint": "the text of the page, in Markdown"})
    file_slug = "{{fields.slug}}" if any(fl["name"] == "slug" for fl in fields) else "{{slug}}"
    decap = {
        "name": name,
        "label": f"{ctype.labels.get(lang, ctype.name)} ({lang.upper()})",
        "label_singular": f"{ctype.labels.get(lang, ctype.name)} ({lang.upper()})",
        "folder": folder,
        "extension": "md",
        "format": f"vivier-{name}",
        "create": True,
        "slug": file_slug,
        "identifier_field": ctype.identifier,
        "summary": "{{" + ctype.identifier + "}}",
        "fields": fields,
    }
    spec = {"format": f"vivier-{name}", "lang": lang, "preview": ctype.preview, "kind": ctype.schema.kind, "fields": codec}
    return decap, spec


def _slug_field(lang: str) -> dict:
    return {"name": "slug", "label": "Slug", "widget": "string", "required": True,
            "pattern": list(SLUG_PATTERN), "hint": SLUG_HELP.get(lang, SLUG_HELP["en"])}


def _relation(ctype: ContentType, key: str, default_lang: str) -> dict:
    """A translation's shared key, chosen among the originals, so it cannot link to nothing."""
    value = "{{slug}}" if key == "slug" and ctype.name == "ambassadors" else key
    shown = ctype.identifier
    return {
        "name": key, "label": f"{title(key)} (from the {default_lang.upper()} original)", "widget": "relation",
        "collection": f"{ctype.name}_{default_lang}", "value_field": value,
        "search_fields": [shown] + ([key] if key != "slug" or ctype.name != "ambassadors" else []),
        "display_fields": [shown], "required": True,
        "hint": f"the {default_lang.upper()} version this file translates: it takes its {title(key)}",
    }


def editor_config(settings, cities: list[str] | None = None) -> dict:
    """Everything /admin/editor.json holds."""
    languages = settings.get("CAREERS_LANGUAGES", ["fr", "en"])
    content_dir = settings["EDITOR_CONTENT_DIR"]
    cities = sorted(set(cities or []) | set(settings.get("EDITOR_CITIES") or []))
    collections, formats = [], {}
    for ctype in content_types(settings):
        for lang in languages:
            decap, spec = collection(ctype, lang, settings, content_dir, cities)
            collections.append(decap)
            formats[decap["name"]] = spec
    backend = dict(settings["EDITOR_BACKEND"])
    decap = {
        "load_config_file": False,
        "backend": backend,
        "publish_mode": "editorial_workflow",
        "local_backend": {"url": settings["EDITOR_LOCAL_BACKEND"], "allowed_hosts": ["127.0.0.1", "localhost"]},
        "media_folder": posixpath.join(content_dir, "images"),
        "public_folder": "/images",
        "locale": settings["EDITOR_LOCALE"],
        "site_url": settings.get("PUBLIC_URL") or "",
        "display_url": settings.get("PUBLIC_URL") or "",
        "search": True,
        "collections": collections,
    }
    strings = load_strings(settings["THEME"])
    wanted = {lang: {k: v for k, v in table.items() if k.startswith("jobs.")} for lang, table in strings.items()}
    return {"decap": decap, "formats": formats, "strings": wanted, "preview_styles": ["../theme/css/site.css"]}
