"""Import an ATS/CRM export (CSV or JSON) into the store, all-or-nothing.

Every row is validated (address, dates, vocabularies, duplicates inside the
file). One bad row and nothing is imported, unless the caller keeps the valid
rows and writes the rejected ones to a file. Known people (matched by
normalised address) are merged (see `merge`); erased or suppressed people are
never brought back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from .mappings import IMPORT_FIELDS, Mapping
from .merge import merge
from .models import LANGUAGES, SENIORITIES, SOURCES, STAGES, UNDATED, Member, is_valid_email, normalise_email
from .private import write_private
from .outcomes import record_stage

log = logging.getLogger(__name__)
_VOCABULARIES = {"language": LANGUAGES, "stage": STAGES, "source": SOURCES, "seniority": SENIORITIES}


@dataclass(frozen=True)
class RowError:
    """One problem of one row: where (`line 5` or `record 3`), which column, what to fix."""

    where: str
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.column}: {self.message}" if self.column else f"{self.where}: {self.message}"


class ImportFailed(ValueError):
    """Nothing was imported; `errors` lists every bad row (or the file-level problem)."""

    def __init__(self, path, errors: list[RowError]):
        self.path, self.errors = path, errors
        rows = len({e.where for e in errors})
        super().__init__(f"{path}: nothing imported, {rows} row(s) with problems:\n" + "\n".join(f"  {e}" for e in errors))


@dataclass
class ImportResult:
    """What an import did (or, with `dry_run`, would do)."""

    path: Path
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    suppressed: int = 0
    rejected: list[RowError] = field(default_factory=list)
    encoding: str = "utf-8"

    def summary(self) -> str:
        text = f"{self.rows} rows: {self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        if self.suppressed:
            text += f", {self.suppressed} not re-added (erased or opted out)"
        if self.rejected:
            text += f", {len({e.where for e in self.rejected})} rejected"
        return text


@dataclass
class Row:
    """One record of the file: where it is, its raw values by column."""

    where: str
    raw: dict


def _decode(path: Path, mapping: Mapping) -> tuple[str, str]:
    data = path.read_bytes()
    encoding = "utf-8-sig" if mapping.encoding.replace("_", "-").lower() in ("utf-8", "utf8") else mapping.encoding
    try:
        return data.decode(encoding), mapping.encoding
    except UnicodeDecodeError as exc:
        if mapping.fallback_encoding:
            log.info("%s is not %s; reading it as %s", path, mapping.encoding, mapping.fallback_encoding)
            return data.decode(mapping.fallback_encoding), mapping.fallback_encoding
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed(path, [RowError(f"line {line}", "", f"not valid {mapping.encoding} text; if the export is Latin-1, "
                                           "add `fallback_encoding: latin-1` to the mapping")]) from None


def read_rows(path: Path, mapping: Mapping) -> tuple[list[Row], str]:
    """The file's records (with their line or record number) and the encoding used."""
    text, encoding = _decode(path, mapping)
    if mapping.format == "json":
        return _json_rows(path, text, mapping), encoding
    delimiter = mapping.delimiter
    if delimiter == "auto":  # the header's most frequent candidate (more robust than csv.Sniffer on odd rows)
        first_line = text.split("\n", 1)[0]
        delimiter = max(",;\t|", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise ImportFailed(path, [RowError("line 1", "", "the file is empty; expected a header row")])
    header = [h.strip() for h in header]
    missing = [f"{column!r} (for {name})" for name, column in mapping.columns.items() if column not in header]
    if missing:
        raise ImportFailed(path, [RowError("line 1", "", f"column {c} not in the header; the header has: {', '.join(header)}. "
                                           f"Fix the mapping {mapping.name!r} or the file") for c in missing])
    rows, start = [], reader.line_num + 1
    for values in reader:
        where, start = f"line {start}", reader.line_num + 1
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            rows.append(Row(where, {"__error__": f"{len(values)} values for {len(header)} columns (a delimiter or quote is off)"}))
            continue
        rows.append(Row(where, dict(zip(header, values))))
    return rows, encoding


def _json_rows(path: Path, text: str, mapping: Mapping) -> list[Row]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(path, [RowError(f"line {exc.lineno}", "", f"not valid JSON: {exc.msg}")]) from None
    for key in (mapping.records or "").split(".") if mapping.records else []:
        data = data.get(key) if isinstance(data, dict) else None
    if not isinstance(data, list):
        where = f"under {mapping.records!r}" if mapping.records else "at the top level"
        raise ImportFailed(path, [RowError("record 0", "", f"expected a list of records {where}; set `records:` in the mapping")])
    return [Row(f"record {i}", item if isinstance(item, dict) else {"__error__": "expected an object"}) for i, item in enumerate(data, 1)]


def _lookup(raw: dict, column: str):
    """A column's value; JSON columns may be dotted paths (`contact.email`)."""
    if column in raw:
        return raw[column]
    value = raw
    for part in column.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _date(text: str, mapping: Mapping) -> dt.date:
    text = text.strip()
    for fmt in mapping.date_formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise ValueError(f"{text!r} is not a date in the format {' or '.join(mapping.date_formats)}") from None


UNDATED_CHOICES = ("refuse", "not-eligible")
_CLOCK_FIELDS = ("created", "last_contact")


def _undated_rule(mapping: Mapping) -> str:
    return (f"the retention clock counts from the person's real dates, and an import never invents one: map the "
            f"export's creation or last-contact column in the mapping {mapping.name!r} (columns: created: … or "
            "last_contact: …), or import with --undated not-eligible to keep such members out of every "
            "message until an import gives their date")


def _consent_rule(mapping: Mapping, kind: str, text: str) -> str:
    return (f"{text!r} says consent was given but not when, and an import never invents the date: map the column of "
            f"the consent date, or say which member date dates it (consent_dated_by: {{{kind}: created}} in the "
            f"mapping {mapping.name!r}), or import with --undated not-eligible to import the member without this consent")


def parse_row(row: Row, mapping: Mapping, today: dt.date, undated: str = "refuse") -> tuple[Member | None, set[str], list[RowError]]:
    """A member from one record, the fields the file gave, and the row's problems.

    No date is ever invented: a member without any date in the row is refused (or, with
    `undated="not-eligible"`, dated `UNDATED`, which keeps them out of every message); a
    consent given as yes/no is dated only by the member date the mapping names for it.
    """
    if "__error__" in row.raw:
        return None, set(), [RowError(row.where, "", row.raw["__error__"])]
    errors: list[RowError] = []
    values: dict = {"consents": {}}
    present: set[str] = set()
    pending_consents: dict[str, str] = {}
    dates_unreadable = False  # a date the row gives but that cannot be used: "no date" would only repeat it
    for name, kind in IMPORT_FIELDS.items():
        column = mapping.columns.get(name)
        raw = _lookup(row.raw, column) if column else None
        if isinstance(raw, bool):
            raw = "true" if raw else ""
        if raw is None or (isinstance(raw, (str, list)) and not raw) or (isinstance(raw, str) and not raw.strip()):
            if name not in mapping.defaults:
                continue
            raw, column = mapping.defaults[name], column or "(default)"
        else:
            present.add(name.split(".")[0])
        label = column or name

        def bad(message, label=label):
            errors.append(RowError(row.where, label, message))

        if kind == "list":
            items = raw if isinstance(raw, list) else str(raw).split(mapping.list_separator)
            values[name] = list(dict.fromkeys(mapping.translate(name, str(i).strip()) for i in items if str(i).strip()))
            continue
        text = mapping.translate(name, str(raw).strip())
        if kind == "email":
            if not is_valid_email(text):
                bad(f"{text!r} is not a valid email address")
            values[name] = text
        elif kind in ("language", "stage", "source", "seniority"):
            allowed = _VOCABULARIES[kind]
            # Vivier's own words match whatever their case ("LinkedIn", "Silver_Medalist").
            text = next((word for word in allowed if word.casefold() == text.casefold()), text)
            if text not in allowed:
                bad(f"{text!r} is not a known {kind}; use one of {', '.join(allowed)} or translate it under values.{name} in the mapping")
            values[name] = text
        elif kind == "country":
            if len(text) != 2 or not text.isalpha():
                bad(f"{text!r} is not a 2-letter country code like FR; translate it under values.country in the mapping")
            values[name] = text.upper()
        elif kind in ("date", "consent"):
            if kind == "consent" and text.casefold() in mapping.true_values:
                pending_consents[name.split(".")[1]] = text
                continue
            if kind == "consent" and text.casefold() in ("0", "false", "no", "n", "non", "faux"):
                continue
            try:
                day = _date(text, mapping)
            except ValueError as exc:
                bad(str(exc))
                dates_unreadable = True
                continue
            if day > today:
                bad(f"{day.isoformat()} is in the future (today is {today.isoformat()})")
                dates_unreadable = True
                continue
            if kind == "consent":
                values["consents"][name.split(".")[1]] = day
            else:
                values[name] = day
        else:
            values[name] = text
    if "email" not in values:
        errors.append(RowError(row.where, mapping.columns["email"], "the email address is missing"))
    # Every problem of the row at once: the consent and date rules below are checked even when a field
    # above was refused (a bad stage used to hide an undated consent until the next attempt).
    for kind, text in pending_consents.items():  # "yes" without a date: dated only as the mapping says
        day = values.get(mapping.consent_dated_by.get(kind, ""))
        if day is not None:
            values["consents"][kind] = day
        elif undated == "refuse":
            errors.append(RowError(row.where, mapping.columns.get(f"consents.{kind}", kind), _consent_rule(mapping, kind, text)))
    if "created" not in values:
        known = [day for day in (values.get("last_contact"), values.get("stage_changed"), values.get("unsubscribed"),
                                 *values["consents"].values()) if day]
        if known:
            values["created"] = min(known)  # in the pool by then at the latest: a real date, not a guess
        elif undated == "refuse" and not dates_unreadable:
            errors.append(RowError(row.where, "created", "no creation, last-contact or consent date in this row; " + _undated_rule(mapping)))
        else:
            values["created"] = UNDATED
    if errors:
        return None, present, errors
    member = Member(id="", **values)
    return member, present, []


def validate(rows: list[Row], mapping: Mapping, today: dt.date, undated: str = "refuse") -> tuple[list[tuple[Row, Member, set[str]]], list[RowError]]:
    """Valid rows as members, and every problem (duplicates inside the file included)."""
    valid, errors, seen = [], [], {}
    for row in rows:
        member, present, problems = parse_row(row, mapping, today, undated)
        if member is not None:
            key = normalise_email(member.email)
            if key in seen:
                problems = [RowError(row.where, mapping.columns["email"], f"{member.email!r} already appears on {seen[key]}; keep one row per person")]
            else:
                seen[key] = row.where
        if problems:
            errors += problems
        else:
            valid.append((row, member, present))
    return valid, errors


def write_rejects(path: Path, rows: list[Row], errors: list[RowError]) -> None:
    """The rejected rows with their location and reasons, as CSV: personal data, written 0600 in a 0700 folder."""
    reasons: dict[str, list[str]] = {}
    for error in errors:
        reasons.setdefault(error.where, []).append(f"{error.column}: {error.message}" if error.column else error.message)
    columns = list(dict.fromkeys(k for row in rows if row.where in reasons for k in row.raw if k != "__error__"))
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    writer.writerow(["where", "reason", *columns])
    for row in rows:
        if row.where in reasons:
            cells = [row.raw.get(column, "") for column in columns]
            cells = [json.dumps(c, ensure_ascii=False) if isinstance(c, (dict, list)) else c for c in cells]
            writer.writerow([row.where, "; ".join(reasons[row.where]), *cells])
    write_private(path, handle.getvalue())


def import_file(store, path, mapping: Mapping, today: dt.date, *, keep_valid: bool = False, rejects: Path | None = None,
                dry_run: bool = False, undated: str = "refuse") -> ImportResult:
    """Validate then import a whole file in one transaction; raise ImportFailed if any row is bad
    (unless `keep_valid`, which imports the good rows and writes the bad ones to `rejects`).

    `undated` says what to do with a member whose row has no date (or a consent without one):
    `refuse` (the default: the row is bad) or `not-eligible` (imported, never mailed until dated).
    """
    if undated not in UNDATED_CHOICES:
        raise ValueError(f"undated must be one of {', '.join(UNDATED_CHOICES)}, not {undated!r}")
    path = Path(path)
    if undated == "refuse" and not any(name in mapping.columns for name in _CLOCK_FIELDS):
        raise ImportFailed(path, [RowError("mapping", "columns", f"no column for created or last_contact; {_undated_rule(mapping)}")])
    rows, encoding = read_rows(path, mapping)
    valid, errors = validate(rows, mapping, today, undated)
    result = ImportResult(path=path, rows=len(rows), encoding=encoding, rejected=errors)
    if errors and not keep_valid:
        raise ImportFailed(path, errors)
    if errors and rejects is not None:
        from .privacy import remember_file

        remember_file(store, rejects, "rejects", today)  # noted first: an erasure cleans it, or its unfinished copy
        write_rejects(Path(rejects), rows, errors)
    with store.transaction():
        suppressed = store.suppression_lookup()  # one query, not one per row, inside the write lock
        for row, incoming, present in valid:
            if suppressed(incoming.email):
                result.suppressed += 1
                continue
            existing = store.find_by_email(incoming.email)
            if existing is None:
                result.added += 1
                if not dry_run:
                    store.add(incoming)
                    _record_outcome(store, None, incoming, row, mapping, today)
                continue
            merged = merge(existing, incoming, present, today)
            if merged == existing:
                result.unchanged += 1
            else:
                result.updated += 1
                if not dry_run:
                    store.update(merged)
                    _record_outcome(store, existing, merged, row, mapping, today)
    log.info("%s: %s", path, result.summary())
    return result


def _record_outcome(store, before, after, row: Row, mapping: Mapping, today: dt.date) -> None:
    """Keep the stage this row brought, with the row's source and campaign (for reports)."""
    column = mapping.columns.get("campaign")
    campaign = _lookup(row.raw, column) if column else None
    record_stage(store, before, after, today, source=_row_source(row, mapping, after), campaign=str(campaign or ""))


def _row_source(row: Row, mapping: Mapping, member) -> str:
    column = mapping.columns.get("source")
    raw = _lookup(row.raw, column) if column else None
    text = mapping.translate("source", str(raw).strip()) if raw else ""
    return text if text in SOURCES else member.source
