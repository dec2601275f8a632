"""Staffing forecasts: sales' likely needs, one private YAML file each, validated with file and line.

A forecast says which profile the next missions will probably need, with
which must-haves, where, from when, how likely, and for which client. The
client is confidential: it is read so the file is complete for sales, and
never printed, logged, or put in an error message (a `Forecast` does not
even show it in its repr). The folder is private (`STAFFING_FORECASTS_PATH`,
`$VIVIER_FORECASTS`, default `var/forecasts/`): never in `output/`, never
in git. See docs/forecasts.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

STATUSES = ("open", "won", "lost")
STATUS_ALIASES = {"ouvert": "open", "gagné": "won", "gagne": "won", "signed": "won", "signé": "won",
                  "perdu": "lost", "fell through": "lost", "abandonné": "lost", "cancelled": "lost"}
FIELDS = {
    "profile": "the profile needed, e.g. 'Ingénieur·e data confirmé·e'",
    "must_have": "the must-have skills, a list like [Python, SQL, dbt] (skills of audiences/skills.yml)",
    "place": "'City, country code', e.g. 'Lyon, FR'",
    "start": "the likely start day, YYYY-MM-DD",
    "probability": "how likely the need is, in percent, 0 to 100",
    "client": "the client's name: confidential, never shown by Vivier",
    "status": "open, won or lost (the need fell through)",
    "id": "a short name for the forecast (default: the file name); never the client's name",
}
REQUIRED = ("profile", "must_have", "place", "start", "probability")
_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Forecast:
    """One likely need; `client` is kept out of its repr and of everything Vivier prints."""

    id: str
    profile: str
    must_have: tuple[str, ...]
    city: str
    country: str
    start: dt.date
    probability: int
    status: str
    path: Path
    client: str = field(default="", repr=False, compare=False)

    @property
    def place(self) -> str:
        return f"{self.city}, {self.country}"


class ForecastError(ValueError):
    """Every problem of the forecast files, each 'file:line: field: what to write'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the staffing forecasts:\n" + "\n".join(f"  {p}" for p in problems))


def load_forecasts(folder: Path, *, vocabulary=None, max_must_have: int = 5) -> list[Forecast]:
    """Every `*.yml` forecast of `folder`, by id; ForecastError lists every problem of every file."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    forecasts, problems, seen = [], [], {}
    for path in sorted(folder.glob("*.y*ml")):
        forecast, found = _read(path, vocabulary, max_must_have)
        problems += found
        if forecast is None:
            continue
        if forecast.id in seen:
            problems.append(f"{path}: id: {forecast.id!r} is also the id of {seen[forecast.id].name}; give each forecast its own")
            continue
        seen[forecast.id] = path
        forecasts.append(forecast)
    if problems:
        raise ForecastError(problems)
    return forecasts


def _read(path: Path, vocabulary, max_must_have: int):
    problems: list[str] = []
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        # YAML's own words may quote the line's text (an alias named after the client): never repeated.
        what = re.sub(r"'[^']*'|\"[^\"]*\"", "…", str(getattr(exc, "problem", None) or "syntax error"))
        return None, [f"{where}: not valid YAML ({what}); write one 'field: value' per line, and put a value "
                      "that starts with *, &, !, [, { or a quote between quotes"]
    if not isinstance(node, yaml.MappingNode):
        return None, [f"{path}: expected 'field: value' lines: {', '.join(FIELDS)}"]
    values, lines = {}, {}
    for key_node, value_node in node.value:
        key = str(key_node.value).strip().lower()
        line = key_node.start_mark.line + 1
        if key not in FIELDS:
            close = difflib.get_close_matches(key, list(FIELDS), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            problems.append(f"{path}:{line}: {key}: unknown field; {hint}known fields: {', '.join(FIELDS)}")
            continue
        if key in lines:
            problems.append(f"{path}:{line}: {key}: given a second time (first on line {lines[key]}); keep one")
            continue
        values[key] = _value(value_node)
        lines[key] = line

    def problem(key: str, message: str) -> None:
        where = f"{path}:{lines[key]}" if key in lines else str(path)
        problems.append(f"{where}: {key}: {message}")

    for key in REQUIRED:
        if values.get(key) in (None, "", []):
            problem(key, f"is missing; write {FIELDS[key]}")
    stem = path.stem
    ident = str(values.get("id") or stem).strip()
    if not _ID_RE.fullmatch(ident):
        problem("id", f"{ident!r} is not a short name in lower case with dashes, like data-lyon-2027-q1")
    profile = str(values.get("profile") or "").strip()
    must = _must_have(values.get("must_have"), problem, vocabulary, max_must_have) if "must_have" in values else ()
    city = country = ""
    if values.get("place"):
        parts = [p.strip() for p in str(values["place"]).split(",") if p.strip()]
        if len(parts) != 2 or not re.fullmatch(r"[A-Za-z]{2}", parts[1]):
            problem("place", f"{values['place']!r} is not 'City, country code'; write e.g. 'Lyon, FR'")
        else:
            city, country = parts[0], parts[1].upper()
    start = values.get("start")
    if start not in (None, "") and not isinstance(start, dt.date):
        try:
            start = dt.date.fromisoformat(str(start).strip())
        except ValueError:
            problem("start", f"{start!r} is not a date; write YYYY-MM-DD, e.g. 2027-02-01")
            start = None
    probability = _probability(values.get("probability"), problem)
    status = str(values.get("status") or "open").strip().casefold()
    status = STATUS_ALIASES.get(status, status)
    if status not in STATUSES:
        problem("status", f"{values.get('status')!r} is not one of {', '.join(STATUSES)} (lost: the need fell through)")
    client = values.get("client")
    if client is not None and not isinstance(client, (str, int)):
        problem("client", "write the client's name as plain text (it stays confidential)")  # the value is never echoed
    if problems:
        return None, problems
    return Forecast(ident, profile, must, city, country, start, probability, status, path, str(client or "")), []


def _value(node):
    """The Python value of one node; a scalar YAML cannot type (a 13th month) stays its text."""
    try:
        return yaml.safe_load(yaml.serialize(node))
    except (yaml.YAMLError, ValueError):
        return node.value if isinstance(node, yaml.ScalarNode) else None


def _must_have(raw, problem, vocabulary, max_must_have: int) -> tuple[str, ...]:
    items = [s.strip() for s in raw.split(",")] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(s, str) and s.strip() for s in items):
        problem("must_have", "expected a list of skills, like [Python, SQL, dbt]")
        return ()
    items = [s.strip() for s in items]
    if len(items) > max_must_have:
        problem("must_have", f"lists {len(items)} skills; keep at most {max_must_have} (JOBS_MUST_HAVE_MAX)")
    for skill in items:
        if vocabulary is not None and vocabulary.skills and not vocabulary.known(skill):
            close = vocabulary.suggest(skill)
            hint = f"did you mean {close!r}? " if close else ""
            problem("must_have", f"{skill!r} is not in the pool's skill vocabulary; {hint}use a skill of audiences/skills.yml")
    return tuple(items)


def _probability(raw, problem) -> int:
    if raw in (None, ""):
        return 0
    text = str(raw).strip().rstrip("%").strip()
    try:
        number = float(text)
    except ValueError:
        problem("probability", f"{raw!r} is not a number; write a percentage from 0 to 100, e.g. 70")
        return 0
    if 0 < number < 1 and "." in text:
        number *= 100  # 0.7 means 70 %
    if not 0 <= number <= 100:
        problem("probability", f"{raw!r} is outside 0 to 100 (percent)")
        return 0
    return round(number)
