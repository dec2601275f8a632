"""One content field, as the browser editor shows it and as its file format stores it.

The build's schemas (`careers.fields.Schema`) hold a parser per field; this
module reads which parser it is (a choice and its values, a list and its
separator, a date…) and describes the same field twice: a Decap CMS widget for
the form, and a codec entry for `editor/src/vivier-cms.js`, which reads and
writes the header lines. Nothing is listed a second time: a new choice in
`job_fields.CONTRACTS` appears in the form at the next build.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field as dc_field
from typing import Any

from careers import fields as f
from careers import job_fields


@dataclass
class Kind:
    """What a parser accepts, in the terms the editor needs."""

    kind: str  # codec kind: string, text, choice, choices, list, skills, locations, boolean, integer, decimal, date, datetime
    choices: list = dc_field(default_factory=list)
    aliases: dict = dc_field(default_factory=dict)
    separator: str = ","
    minimum: Any = None
    maximum: Any = None
    max_length: int | None = None
    pattern: tuple[str, str] | None = None
    known: bool = True
    machine: bool = False  # written by a command (`vivier job sign-off`), kept as is, not in the form


def _closure(parse) -> dict:
    try:
        return dict(inspect.getclosurevars(parse).nonlocals)
    except (TypeError, ValueError):
        return {}


def _choice(parse) -> Kind:
    scope = _closure(parse)
    allowed = list(scope.get("allowed", []))
    lookup = scope.get("lookup", {})
    aliases = {alias: target for alias, target in lookup.items() if alias != str(target).casefold()}
    return Kind("choice", choices=allowed, aliases=aliases)


_EMAIL = (r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$", "an email address, like recrutement@example.org")
_KEY = (r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$", "lower-case letters, digits and hyphens, e.g. data-lyon")
COUNTRY_PATTERN = (r"^[A-Za-z]{2}$", "a two-letter country code, e.g. FR")


def kind_of(name: str, parse) -> Kind:
    """The editor's view of one field parser (`known=False` when the parser is new to this module)."""
    qualname = getattr(parse, "__qualname__", "")
    owner = qualname.split(".<locals>")[0]
    function = getattr(parse, "__name__", "")
    scope = _closure(parse)
    if parse is job_fields.skills:
        return Kind("skills")
    if parse is job_fields.date_posted:
        return Kind("datetime")
    if owner in ("choice", "language"):
        return _choice(parse)
    if owner == "text":
        return Kind("string", max_length=scope.get("max_length"))
    if owner == "date":
        return Kind("date")
    if owner == "datetime_in":
        return Kind("datetime")
    if owner == "timezone":
        return Kind("string", pattern=(r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", "an IANA time zone name, e.g. Europe/Paris"))
    if owner == "integer":
        return Kind("integer", minimum=scope.get("minimum"), maximum=scope.get("maximum"))
    if owner == "decimal":
        minimum = scope.get("minimum")
        return Kind("decimal", minimum=None if minimum is None else float(minimum))
    if owner == "boolean":
        return Kind("boolean")
    if owner == "url":
        schemes = scope.get("schemes", ("https",))
        return Kind("string", pattern=(rf"^({'|'.join(schemes)}):\S+$", f"an address starting with {' or '.join(s + ':' for s in schemes)}"))
    if owner == "email":
        return Kind("string", pattern=_EMAIL)
    if owner == "list_of":
        item, separator = scope.get("item"), scope.get("separator", ",")
        if item is job_fields.location:
            return Kind("locations", separator=";")
        if item is not None and getattr(item, "__qualname__", "").split(".<locals>")[0] in ("choice", "language"):
            inner = _choice(item)
            return Kind("choices", choices=inner.choices, aliases=inner.aliases, separator=separator)
        return Kind("list", separator=separator)
    if owner in ("_key", "department"):
        return Kind("string", pattern=_KEY)
    if owner == "_country":
        return Kind("string", pattern=COUNTRY_PATTERN)
    if function == "parse_sign_off":
        return Kind("string", machine=True)
    if owner == "selection" or function in ("booking", "site_or_https_url"):
        return Kind("string")
    if function == "<lambda>":  # taken as written by Pelican itself (dates, authors, summaries)
        if name == "summary":
            return Kind("text")
        if name == "date":
            return Kind("datetime")
        return Kind("string")
    return Kind("string", known=False)


def label(name: str) -> str:
    """'Must_have' — the key as `vivier new` writes it in the header."""
    return name[:1].upper() + name[1:]


def title(name: str) -> str:
    """'Must have' — the field's name in the form."""
    return name.replace("_", " ")[:1].upper() + name.replace("_", " ")[1:]


def hint(spec: f.Field) -> str:
    """The field's help and example; an example that is an address stays out (editor.json is published)."""
    text = spec.help or ""
    if spec.example and spec.example not in text and "@" not in spec.example:
        text = f"{text} — e.g. {spec.example}" if text else f"e.g. {spec.example}"
    return text[:1].upper() + text[1:]
