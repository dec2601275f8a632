"""Column mappings: how an ATS or CRM export's columns become member fields (YAML, no code).

A mapping says the file's format (csv or json), delimiter, encoding (and a
fallback such as latin-1), date formats, list separator, which column holds
each member field, how to translate the export's words (`values`) and the
defaults for absent columns.
"""

from __future__ import annotations

import codecs
import difflib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .models import CONSENT_KINDS
from .yaml_load import safe_load

# Member fields an import can fill, and their kind.
IMPORT_FIELDS: dict[str, str] = {
    "email": "email", "first_name": "text", "last_name": "text", "language": "language",
    "city": "text", "country": "country", "skills": "list", "departments": "list", "roles": "list",
    "seniority": "seniority", "stage": "stage", "source": "source", "tags": "list",
    **{f"consents.{kind}": "consent" for kind in CONSENT_KINDS},
    "last_contact": "date", "created": "date", "stage_changed": "date", "unsubscribed": "date",
}
# Columns an import reads beside the member's fields: the campaign an application came from
# (an ATS's utm_campaign, for instance), kept with the stage it reached (talentpool.outcomes).
OUTCOME_COLUMNS = ("campaign",)
_KEYS = ("name", "description", "format", "delimiter", "encoding", "fallback_encoding", "records",
         "date_formats", "list_separator", "true_values", "consent_dated_by", "columns", "values", "defaults")
# Member dates that may date a consent given as yes/no (`consent_dated_by: {newsletter: created}`).
CONSENT_DATE_FIELDS = ("created", "last_contact", "stage_changed")
TRUE_VALUES = ("1", "true", "yes", "y", "oui", "x", "vrai")


class MappingError(ValueError):
    """An invalid mapping file; `problems` lists every one."""

    def __init__(self, path, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"{path}: invalid mapping\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass
class Mapping:
    """One export format, as read from `audiences/mappings/NAME.yml`."""

    name: str
    columns: dict[str, str]
    description: str = ""
    format: str = "csv"
    delimiter: str = "auto"
    encoding: str = "utf-8"
    fallback_encoding: str | None = None
    records: str | None = None
    date_formats: list[str] = field(default_factory=lambda: ["%Y-%m-%d"])
    list_separator: str = ","
    true_values: tuple[str, ...] = TRUE_VALUES
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, object] = field(default_factory=dict)
    # consent kind -> the member date that dates a yes/no consent column (never the import day)
    consent_dated_by: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    def translate(self, field_name: str, raw: str) -> str:
        """The export's word for a value, in Vivier's vocabulary (matched case-insensitively)."""
        table = self.values.get(field_name.split(".")[0]) or self.values.get(field_name)
        if not table:
            return raw
        folded = {str(k).strip().casefold(): v for k, v in table.items()}
        return str(folded.get(raw.strip().casefold(), raw))


def _suggest(word, choices) -> str:
    hint = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def parse_mapping(data, path: Path, name: str) -> Mapping:
    """Validate a mapping's YAML data; raise MappingError listing every problem."""
    if not isinstance(data, dict):
        raise MappingError(path, ["expected a mapping with format, columns, …"])
    problems = [f"{key}: unknown key{_suggest(key, _KEYS)}" for key in data if key not in _KEYS]
    columns = data.get("columns")
    if not isinstance(columns, dict) or "email" not in columns:
        problems.append("columns: required, and must map at least `email` to the export's column, e.g. columns: {email: Email}")
        columns = columns if isinstance(columns, dict) else {}
    for key, column in columns.items():
        if key not in IMPORT_FIELDS and key not in OUTCOME_COLUMNS:
            fields = (*IMPORT_FIELDS, *OUTCOME_COLUMNS)
            problems.append(f"columns.{key}: unknown member field{_suggest(key, fields)}; fields: {', '.join(fields)}")
        if not isinstance(column, str) or not column:
            problems.append(f"columns.{key}: expected the column's name as text")
    fmt = data.get("format", "csv")
    if fmt not in ("csv", "json"):
        problems.append(f"format: expected csv or json, not {fmt!r}")
    delimiter = data.get("delimiter", "auto")
    if delimiter != "auto" and (not isinstance(delimiter, str) or len(delimiter) != 1):
        problems.append(f"delimiter: expected one character (',' ';' '\\t' '|') or auto, not {delimiter!r}")
    for key in ("encoding", "fallback_encoding"):
        value = data.get(key)
        if value is not None:
            try:
                codecs.lookup(str(value))
            except LookupError:
                problems.append(f"{key}: unknown encoding {value!r}; use utf-8, latin-1, cp1252…")
    formats = data.get("date_formats", ["%Y-%m-%d"])
    if isinstance(formats, str):
        formats = [formats]
    if not isinstance(formats, list) or not formats or not all(isinstance(f, str) and "%" in f for f in formats):
        problems.append("date_formats: expected a list of strftime formats, like ['%d/%m/%Y', '%Y-%m-%d']")
    values = data.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        problems.append("values: expected, per field, a table from the export's words to Vivier's, e.g. stage: {Entretien: interviewing}")
        values = {}
    for key in values:
        if key not in IMPORT_FIELDS and key.split(".")[0] not in IMPORT_FIELDS and key != "consents":
            problems.append(f"values.{key}: unknown member field{_suggest(key, IMPORT_FIELDS)}")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        problems.append("defaults: expected a table of field: value")
        defaults = {}
    for key in defaults:
        if key not in IMPORT_FIELDS or key == "email":
            hint = "" if key in IMPORT_FIELDS else _suggest(key, IMPORT_FIELDS)
            problems.append(f"defaults.{key}: not a field that can have a default{hint}")
    dated_by = data.get("consent_dated_by") or {}
    if not isinstance(dated_by, dict):
        problems.append("consent_dated_by: expected a table of consent: member date, e.g. {newsletter: created}")
        dated_by = {}
    for kind, date_field in dated_by.items():
        if kind not in CONSENT_KINDS:
            problems.append(f"consent_dated_by.{kind}: unknown consent{_suggest(kind, CONSENT_KINDS)}; consents: {', '.join(CONSENT_KINDS)}")
        if date_field not in CONSENT_DATE_FIELDS:
            problems.append(f"consent_dated_by.{kind}: {date_field!r} is not a member date; use one of {', '.join(CONSENT_DATE_FIELDS)}")
        elif date_field not in columns:
            problems.append(f"consent_dated_by.{kind}: {date_field} has no column under columns:, so it cannot date the consent")
    if problems:
        raise MappingError(path, problems)
    encoding = str(data.get("encoding", "utf-8"))
    return Mapping(
        name=str(data.get("name") or name), description=str(data.get("description", "")).strip(),
        columns={k: str(v) for k, v in columns.items()}, format=fmt, delimiter=delimiter, encoding=encoding,
        fallback_encoding=data.get("fallback_encoding"), records=data.get("records"), date_formats=formats,
        list_separator=str(data.get("list_separator", ",")),
        true_values=tuple(str(v).casefold() for v in data.get("true_values", TRUE_VALUES)),
        values={k: dict(v) for k, v in values.items()}, defaults=dict(defaults),
        consent_dated_by={str(k): str(v) for k, v in dated_by.items()}, path=path,
    )


def load_mapping(name_or_path: str | Path, folder: str | Path | None = None) -> Mapping:
    """A mapping by name (`audiences/mappings/NAME.yml`) or by path."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yml", ".yaml") and candidate.exists():
        path = candidate
    else:
        folder = Path(folder or "audiences/mappings")
        path = folder / f"{name_or_path}.yml"
        if not path.exists():
            known = sorted(p.stem for p in folder.glob("*.yml"))
            raise MappingError(path, [f"no mapping named {name_or_path!r}{_suggest(name_or_path, known)}; known: {', '.join(known) or 'none'}"])
    try:
        data = safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(path, [f"not valid YAML: {exc}"]) from None
    return parse_mapping(data, path, path.stem)
