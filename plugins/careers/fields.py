"""Typed metadata: parse and validate the header fields of content files.

A `Schema` lists the fields a content type accepts. `Schema.parse` turns the
raw metadata Pelican read into typed values and records every problem (file,
field, line, what is wrong, an example of what is right) in the build's
`ContentReport` instead of stopping at the first one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field as dc_field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .report import ContentReport
from .sources import header_broken


class FieldValueError(ValueError):
    """A value that cannot be used; the message says why, in plain words."""


def _raw(value: Any) -> Any:
    """Undo Pelican's pre-processing where it wraps strings (Category, Author…)."""
    if hasattr(value, "name") and not isinstance(value, (str, list, tuple)):
        return value.name
    return value


def _text(value: Any) -> str:
    value = _raw(value)
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(_raw(v)) for v in value)
    return str(value).strip()


# --- Parsers -----------------------------------------------------------------
# Each returns a callable(value) -> typed value, raising FieldValueError.


# An HTML tag or comment ('<script>', '</b>', '<!-- -->'); '3 < 5', 'a<b' and '<3' are text.
MARKUP_RE = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")


def text(max_length: int | None = None, min_length: int = 1, plain: bool = False) -> Callable[[Any], str]:
    """Text; `plain` refuses HTML markup (titles and names are shown as written, never as markup)."""

    def parse(value):
        result = _text(value)
        if len(result) < min_length:
            raise FieldValueError("is empty")
        if max_length and len(result) > max_length:
            raise FieldValueError(f"is {len(result)} characters long; keep it under {max_length}")
        markup = MARKUP_RE.search(result) if plain else None
        if markup:
            raise FieldValueError(f"contains HTML markup {markup.group(0)!r}; it is plain text, shown exactly "
                                  "as written: remove the tags")
        return result

    return parse


def date() -> Callable[[Any], dt.date]:
    def parse(value):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        raw = _text(value)
        try:
            return dt.date.fromisoformat(raw[:10]) if re.fullmatch(r"\d{4}-\d{2}-\d{2}( .*)?", raw) else _fail()
        except (ValueError, FieldValueError):
            raise FieldValueError(f"{raw!r} is not a date written YYYY-MM-DD") from None

    return parse


def _fail():
    raise FieldValueError("invalid")


_DATETIME_RE = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")


def datetime_in(zone_field_value: Callable[[], str | None] | None = None) -> Callable[[Any], dt.datetime]:
    """A local date and time, made time-zone aware by the caller (see `aware`)."""

    def parse(value):
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None) if value.tzinfo is None else value
        raw = _text(value)
        match = _DATETIME_RE.fullmatch(raw)
        if not match:
            raise FieldValueError(f"{raw!r} is not a date and time written YYYY-MM-DD HH:MM")
        day, hour, minute, second = match.groups()
        try:
            return dt.datetime.combine(
                dt.date.fromisoformat(day), dt.time(int(hour), int(minute), int(second or 0))
            )
        except ValueError:
            raise FieldValueError(f"{raw!r} is not a real date and time") from None

    return parse


def timezone() -> Callable[[Any], ZoneInfo]:
    def parse(value):
        raw = _text(value)
        try:
            return ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            raise FieldValueError(f"{raw!r} is not an IANA time zone name") from None

    return parse


def choice(choices: Iterable[str], aliases: dict[str, str] | None = None) -> Callable[[Any], str]:
    """One value from a closed list; comparison ignores case, accents are kept."""
    allowed = list(choices)
    lookup = {c.casefold(): c for c in allowed}
    for alias, target in (aliases or {}).items():
        lookup[alias.casefold()] = target

    def parse(value):
        raw = _text(value)
        found = lookup.get(raw.casefold())
        if found is None:
            close = difflib.get_close_matches(raw.casefold(), list(lookup), n=1)
            hint = f"; did you mean {lookup[close[0]]!r}?" if close else ""
            raise FieldValueError(f"{raw!r} is not one of {', '.join(allowed)}{hint}")
        return found

    return parse


def no_brackets(raw: str, separator: str = ",") -> None:
    """A YAML-style list ('[Nantes, FR]', '- Python') is not how a header lists things: say how to write it."""
    stripped = raw.strip()
    if stripped[:1] in "[{" or stripped[-1:] in "]}" or stripped.startswith("- "):
        shown = re.sub(r"[\[\]{}]", "", stripped).strip().lstrip("-").strip()
        several = f"several items separated by {'commas' if separator == ',' else repr(separator)}"
        raise FieldValueError(f"{raw!r} is written like a YAML list; a header value has no brackets or dashes "
                              f"({several}): write {shown!r}")


def list_of(item: Callable[[Any], Any] | None = None, separator: str = ",") -> Callable[[Any], list]:
    """A comma-separated list (or repeated lines); empty items are dropped."""

    def parse(value):
        value = _raw(value)
        no_brackets(_text(value), separator)
        if isinstance(value, (list, tuple)):
            parts = [p for v in value for p in _text(v).split(separator)]
        else:
            parts = _text(value).split(separator)
        items = [p.strip() for p in parts if p.strip()]
        return [item(p) for p in items] if item else items

    return parse


def integer(minimum: int | None = None, maximum: int | None = None) -> Callable[[Any], int]:
    def parse(value):
        raw = _text(value).replace(" ", "").replace("\u202f", "")
        try:
            number = int(raw)
        except ValueError:
            raise FieldValueError(f"{raw!r} is not a whole number") from None
        if minimum is not None and number < minimum:
            raise FieldValueError(f"{number} is below {minimum}")
        if maximum is not None and number > maximum:
            raise FieldValueError(f"{number} is above {maximum}")
        return number

    return parse


def decimal(minimum: Decimal | int | None = 0) -> Callable[[Any], Decimal]:
    def parse(value):
        raw = _text(value).replace(" ", "").replace("\u202f", "").replace(",", ".")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise FieldValueError(f"{_text(value)!r} is not a number") from None
        if minimum is not None and number < minimum:
            raise FieldValueError(f"{number} is below {minimum}")
        return number

    return parse


def boolean() -> Callable[[Any], bool]:
    truthy = {"yes", "true", "oui", "1", "on"}
    falsy = {"no", "false", "non", "0", "off"}

    def parse(value):
        if isinstance(value, bool):
            return value
        raw = _text(value).casefold()
        if raw in truthy:
            return True
        if raw in falsy:
            return False
        raise FieldValueError(f"{raw!r} is not yes or no")

    return parse


def url(schemes: tuple[str, ...] = ("https",)) -> Callable[[Any], str]:
    def parse(value):
        raw = _text(value)
        parts = urlsplit(raw)
        if parts.scheme not in schemes or (parts.scheme.startswith("http") and not parts.netloc):
            raise FieldValueError(f"{raw!r} is not an absolute {' or '.join(schemes)} address")
        return raw

    return parse


_EMAIL_RE = re.compile(r"[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")


def email() -> Callable[[Any], str]:
    def parse(value):
        raw = _text(value)
        if not _EMAIL_RE.fullmatch(raw):
            raise FieldValueError(f"{raw!r} is not an email address")
        return raw

    return parse


def language(languages: Iterable[str]) -> Callable[[Any], str]:
    return choice(list(languages))


# --- Schema ------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One accepted metadata field of a content type."""

    name: str
    parse: Callable[[Any], Any]
    required: bool = False
    default: Any = None
    example: str = ""
    help: str = ""
    aliases: tuple[str, ...] = ()


@dataclass
class Schema:
    """The fields of one content type (job, event, ambassador, article…)."""

    kind: str
    fields: list[Field]
    # Fields Pelican itself reads and that we accept without checking.
    passthrough: frozenset[str] = dc_field(
        default_factory=lambda: frozenset(
            {"slug", "lang", "status", "template", "save_as", "url", "translation", "modified", "summary"}
        )
    )

    def __post_init__(self):
        self.by_name = {}
        for f in self.fields:
            self.by_name[f.name] = f
            for alias in f.aliases:
                self.by_name[alias] = f

    def parse(self, metadata: dict, path: str, report: ContentReport, already_reported=()) -> dict:
        """Typed values for every known field; problems go to `report`.

        `already_reported` names fields a reader has flagged already, so one
        mistake is reported once.
        """
        result: dict[str, Any] = {}
        seen = set(already_reported)
        for key, value in metadata.items():
            name = key.lower()
            spec = self.by_name.get(name)
            if spec is None:
                if name not in self.passthrough and not name.startswith("_"):
                    close = difflib.get_close_matches(name, list(self.by_name), n=1)
                    hint = f"did you mean {close[0]!r}?" if close else f"known fields: {', '.join(f.name for f in self.fields)}"
                    report.warning(path, name, f"unknown {self.kind} field, ignored; {hint}", line=field_line(path, name))
                continue
            seen.add(spec.name)
            if value is None or _text(value) == "":
                if spec.required:
                    report.error(path, spec.name, "is empty", spec.example, field_line(path, name))
                result[spec.name] = _default(spec)
                continue
            try:
                result[spec.name] = spec.parse(value)
            except FieldValueError as exc:
                report.error(path, spec.name, str(exc), spec.example, field_line(path, name))
        broken = header_broken(report, path)  # the fields after the break are that one problem
        for spec in self.fields:
            if spec.name in seen:
                continue
            if spec.required and not broken:
                report.error(path, spec.name, f"is missing; every {self.kind} needs it", f"{_label(spec.name)}: {spec.example}" if spec.example else "")
            else:
                result[spec.name] = _default(spec)
        return result

    def template(self, values: dict[str, str] | None = None, body: str = "") -> str:
        """A new file with every field present, for `vivier new …`.

        Markdown headers cannot hold comments, so the field guide follows the
        header as an HTML comment, which the reader drops from the page.
        """
        values = values or {}
        header = [f"{_label(spec.name)}: {values.get(spec.name, spec.example)}" for spec in self.fields]
        guide = [
            f"  {spec.name}{' (required)' if spec.required else ''}: {spec.help or 'e.g. ' + spec.example}"
            for spec in self.fields
        ]
        return (
            "\n".join(header)
            + "\n\n<!-- Field guide (you may delete this comment):\n"
            + "\n".join(guide).replace("--", "—")
            + "\n-->\n\n"
            + body
        )


def _default(spec: Field):
    """A fresh default value (a callable default is a factory, like `list`)."""
    return spec.default() if callable(spec.default) else spec.default


def _label(name: str) -> str:
    return name[:1].upper() + name[1:]


def field_line(path: str, name: str) -> int | None:
    """The line of `name:` in the file's header, so editors land on it."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    return None
                key, sep, _ = line.partition(":")
                if sep and key.strip().lower() == name.lower():
                    return number
    except OSError:
        return None
    return None
