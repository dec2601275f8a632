"""Segments as code: named rule trees over member fields, validated then compiled.

A segment file (`audiences/segments/*.yml`) holds `name`, `description` and
`rule`. A rule is `{all: [rules]}`, `{any: [rules]}`, `{not: rule}`,
`{segment: other-name}` or a condition `{field: F, OPERATOR: value}`.
Validation collects every problem with the file and the rule path
(`rule.all[1].field`) and suggests the nearest known name; evaluation runs a
compiled predicate on a per-member "view" computed once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .models import CONSENT_KINDS, LANGUAGES, SENIORITIES, SOURCES, STAGES, Member
from .store import ROW_COLUMNS, dates_of, day_of, fresh_dates, fresh_list, list_of
from .yaml_load import safe_load

# Field name -> (type, allowed values or None). Types: text, enum, ordinal, list, date.
FIELDS: dict[str, tuple[str, tuple | None]] = {
    "email": ("text", None),
    "language": ("enum", LANGUAGES),
    "city": ("text", None),
    "country": ("text", None),
    "skills": ("list", None),
    "departments": ("list", None),
    "roles": ("list", None),
    "tags": ("list", None),
    "seniority": ("ordinal", SENIORITIES),
    "stage": ("enum", STAGES),
    "source": ("enum", SOURCES),
    "consents": ("list", CONSENT_KINDS),
    "last_contact": ("date", None),
    "created": ("date", None),
    "stage_changed": ("date", None),
    "unsubscribed": ("date", None),
    **{f"consent.{kind}": ("date", None) for kind in CONSENT_KINDS},
}
# Operator -> field types it applies to.
OPERATORS: dict[str, tuple[str, ...]] = {
    "equals": ("text", "enum", "ordinal", "date"),
    "in": ("text", "enum", "ordinal"),
    "contains_any": ("list",),
    "contains_all": ("list",),
    "greater_than": ("ordinal", "date"),
    "less_than": ("ordinal", "date"),
    "before": ("date",),
    "after": ("date",),
    "within_days": ("date",),
    "older_than_days": ("date",),
    "exists": ("text", "enum", "ordinal", "list", "date"),
}
COMBINATORS = ("all", "any", "not", "segment")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")

Predicate = Callable[[dict, dt.date], bool]


class SegmentError(ValueError):
    """Invalid segment files; `problems` lists every one as 'file: rule path: what to fix'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid segments:\n" + "\n".join(f"  - {p}" for p in problems))


class UnknownSegment(KeyError):
    """A segment name that no file defines."""

    def __init__(self, name: str, known):
        hint = difflib.get_close_matches(name, list(known), n=1)
        self.message = f"unknown segment {name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "") + f"; known: {', '.join(sorted(known))}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def _fold(value) -> str:
    return str(value).strip().casefold()


# Cities, countries, skills and tags repeat across a pool: fold each distinct value once.
_fold_common = functools.lru_cache(maxsize=1 << 16)(_fold)


def member_view(member: Member) -> dict:
    """The member's fields as rules see them: text case-folded, lists as sets, active consents."""
    view = {
        "email": _fold(member.email),
        "language": member.language,
        "city": _fold_common(member.city),
        "country": _fold_common(member.country),
        "seniority": member.seniority,
        "stage": member.stage,
        "source": member.source,
        "last_contact": member.last_contact,
        "created": member.created,
        "stage_changed": member.stage_changed,
        "unsubscribed": member.unsubscribed,
    }
    for key in ("skills", "departments", "roles", "tags"):
        view[key] = frozenset(map(_fold_common, getattr(member, key)))
    active = frozenset(kind for kind in CONSENT_KINDS if member.has_consent(kind))
    view["consents"] = active
    for kind in CONSENT_KINDS:
        view[f"consent.{kind}"] = member.consents.get(kind) if kind in active else None
    return view


class LazyMemberView(dict):
    """`member_view(member)` computed key by key on first use (`view[key]`): the follow-ups' rules read a
    few keys of every member of the pool (a stage, a date), and the whole view (four folded sets among
    them) was most of deciding a member who is due nothing. A key never asked is never computed;
    `.get()` sees only keys already there. tests/sequences/test_due_fast.py compares it with `member_view`."""

    __slots__ = ("member",)

    def __missing__(self, key):
        member = self.member
        if key in _PLAIN_KEYS:
            value = getattr(member, key)
        elif key in _FOLDED_KEYS:
            value = _fold_common(getattr(member, key))
        elif key in _SET_KEYS:
            value = frozenset(map(_fold_common, getattr(member, key)))
        elif key == "email":
            value = _fold(member.email)
        elif key in _CONSENT_KEYS:
            active = frozenset(kind for kind in CONSENT_KINDS if member.has_consent(kind))
            self["consents"] = active
            for kind in CONSENT_KINDS:
                self[f"consent.{kind}"] = member.consents.get(kind) if kind in active else None
            return self[key]
        else:
            raise KeyError(key)
        self[key] = value
        return value


_PLAIN_KEYS = frozenset(("language", "seniority", "stage", "source", "last_contact", "created", "stage_changed",
                         "unsubscribed"))
_FOLDED_KEYS = frozenset(("city", "country"))
_SET_KEYS = frozenset(("skills", "departments", "roles", "tags"))


def lazy_member_view(member: Member, keys=()) -> LazyMemberView:
    """The `LazyMemberView` of a member, with `keys` computed at once (those a caller reads with `.get()`)."""
    view = LazyMemberView()
    view.member = member
    for key in keys:
        view[key]  # noqa: B018 - computes and keeps it
    return view


# --- the same view from a stored row, field by field (the whole-pool walk) ----
#
# `row_view(row, keys)` equals `member_view(member_from_row(row))` on `keys`
# without building the Member: a walk tests the rules on the row and decodes
# only the members they keep. Each getter reproduces one entry of
# `member_view`; tests/talentpool/test_audience_fast.py compares every key.

@functools.lru_cache(maxsize=1 << 12)
def _folded_set(text: str) -> frozenset:
    """A stored JSON list as `member_view` shows it: folded items, as a set."""
    return frozenset(map(_fold_common, list_of(text)))


def _folded_fresh_set(text: str) -> frozenset:
    """`_folded_set` of the skills, whose texts rarely repeat (see `store.fresh_list`): not cached."""
    return frozenset(map(_fold_common, fresh_list(text)))


_AT = {name: i for i, name in enumerate(ROW_COLUMNS)}


def _consent_entries(row: tuple) -> dict:
    """The `consents` and `consent.KIND` entries of a row's view (through Member.has_consent itself)."""
    holder = Member("", "", consents=fresh_dates(row[_AT["consents"]]), withdrawn=dict(dates_of(row[_AT["withdrawn"]])),
                    unsubscribed=day_of(row[_AT["unsubscribed"]]))
    active = frozenset(kind for kind in CONSENT_KINDS if holder.has_consent(kind))
    entries = {"consents": active}
    for kind in CONSENT_KINDS:
        entries[f"consent.{kind}"] = holder.consents.get(kind) if kind in active else None
    return entries


# View key -> (column, what member_view does to the decoded value, from the stored text).
_FROM_COLUMN: dict[str, tuple[int, Callable | None]] = {
    "email": (_AT["email"], _fold),
    **{key: (_AT[key], None) for key in ("language", "seniority", "stage", "source")},
    **{key: (_AT[key], _fold_common) for key in ("city", "country")},
    **{key: (_AT[key], day_of) for key in ("last_contact", "created", "stage_changed", "unsubscribed")},
    "skills": (_AT["skills"], _folded_fresh_set),
    **{key: (_AT[key], _folded_set) for key in ("departments", "roles", "tags")},
}
_CONSENT_KEYS = ("consents", *(f"consent.{kind}" for kind in CONSENT_KINDS))
VIEW_KEYS = (*_FROM_COLUMN, *_CONSENT_KEYS)


def _view_entry(row: tuple, key: str):
    if key in _FROM_COLUMN:
        at, change = _FROM_COLUMN[key]
        return row[at] if change is None else change(row[at])
    return _consent_entries(row)[key]


class RowView(dict):
    """`member_view` of a stored row: some keys filled in advance, any other computed on first use."""

    __slots__ = ("row",)

    def __missing__(self, key):
        value = self[key] = _view_entry(self.row, key)
        return value


def row_view(row: tuple, keys=VIEW_KEYS) -> RowView:
    """The view of a `Store.member_row_batches()` row, with `keys` filled in (the others on demand)."""
    view = RowView()
    view.row = row
    for key in keys:
        view[key] = _view_entry(row, key)
    return view


def row_viewer(segments) -> Callable[[tuple], RowView] | None:
    """`row_view` for these segments' compiled rules, filling only the keys they read,
    or None when a predicate was not compiled from its rule here (it needs `member_view`).
    A key read but not filled in (an included segment replaced after compiling) is still
    computed on first use: compiled rules only read views with `view[key]`."""
    keys: set[str] = set()
    for segment in segments:
        reads = getattr(segment.predicate, "view_keys", None)
        if reads is None:
            return None
        keys |= reads
    plain = tuple((key, *_FROM_COLUMN[key]) for key in sorted(keys) if key in _FROM_COLUMN)
    consent_keys = tuple(key for key in sorted(keys) if key not in _FROM_COLUMN)

    def view_of(row: tuple) -> RowView:
        global _LAST_VIEW
        last = _LAST_VIEW
        if last[0] is row:  # another viewer's view of this very row: its other keys computed on first use
            return last[1]
        view = RowView()
        view.row = row
        for key, at, change in plain:
            view[key] = row[at] if change is None else change(row[at])
        if consent_keys:
            entries = _consent_entries(row)
            for key in consent_keys:
                view[key] = entries[key]
        _LAST_VIEW = (row, view)
        return view
    return view_of


# The last row viewed and its view, shared by every `row_viewer`: in one walk of the pool for every kind
# (`mailing.engine.walk`) each audience views the same row in turn (four views of each row for the sample);
# the first viewer's view serves the others, whose keys it lacks are computed on first use (`RowView`),
# to the same values. Held here, the row cannot be freed and its id given to another row.
_LAST_VIEW: tuple = (None, None)


@dataclass
class Segment:
    """A named, described, compiled rule."""

    name: str
    description: str
    rule: object
    path: Path | None = None
    predicate: Predicate | None = field(default=None, repr=False)

    def matches(self, member: Member | dict, today: dt.date) -> bool:
        """True if the member (or an already computed `member_view`) satisfies the rule."""
        view = member if isinstance(member, dict) else member_view(member)
        return self.predicate(view, today)


def _suggest(word, choices) -> str:
    hint = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


class _Compiler:
    """Validates and compiles the rules of one set of segments (so includes can resolve)."""

    def __init__(self, segments: dict[str, Segment]):
        self.segments = segments
        self.problems: list[str] = []

    def problem(self, segment: Segment, where: str, message: str) -> None:
        self.problems.append(f"{segment.path or segment.name}: {where}: {message}")

    def compile(self, segment: Segment, rule, where: str = "rule") -> Predicate:
        never: Predicate = lambda view, today: False  # noqa: E731 - placeholder after an error
        if not isinstance(rule, dict) or not rule:
            self.problem(segment, where, "expected a rule: {all: [...]}, {any: [...]}, {not: ...}, {segment: name} or {field: ..., operator: value}")
            return never
        if "field" not in rule:
            keys = list(rule)
            if len(keys) != 1 or keys[0] not in COMBINATORS:
                unknown = [k for k in keys if k not in COMBINATORS]
                if not unknown:
                    self.problem(segment, where, f"one combinator per rule, found {', '.join(keys)}; nest them inside all: [...]")
                    return never
                name = unknown[0]
                self.problem(segment, f"{where}.{name}", f"unknown rule {name!r}{_suggest(name, (*COMBINATORS, 'field'))}; "
                             "a rule is one of all, any, not, segment, or a condition with field")
                return never
            key, value = keys[0], rule[keys[0]]
            if key in ("all", "any"):
                if not isinstance(value, list) or not value:
                    self.problem(segment, f"{where}.{key}", "expected a non-empty list of rules")
                    return never
                parts = [self.compile(segment, sub, f"{where}.{key}[{i}]") for i, sub in enumerate(value)]
                return _all_of(parts) if key == "all" else _any_of(parts)
            if key == "not":
                inner = self.compile(segment, value, f"{where}.not")
                return lambda view, today: not inner(view, today)
            return self.include(segment, value, f"{where}.segment")
        return self.condition(segment, rule, where)

    def include(self, segment: Segment, name, where: str) -> Predicate:
        if name not in self.segments:
            self.problem(segment, where, f"unknown segment {name!r}{_suggest(name, self.segments)}")
            return lambda view, today: False
        segments = self.segments
        return lambda view, today: segments[name].predicate(view, today)

    def condition(self, segment: Segment, rule: dict, where: str) -> Predicate:
        never: Predicate = lambda view, today: False  # noqa: E731
        name = rule["field"]
        if name not in FIELDS:
            self.problem(segment, f"{where}.field", f"unknown field {name!r}{_suggest(name, FIELDS)}; known fields: {', '.join(FIELDS)}")
            return never
        kind, allowed = FIELDS[name]
        operators = [k for k in rule if k != "field"]
        if len(operators) != 1:
            self.problem(segment, where, f"a condition needs exactly one operator, found {len(operators)}: {', '.join(operators) or 'none'}; "
                         f"operators: {', '.join(OPERATORS)}")
            return never
        op, value = operators[0], rule[operators[0]]
        at = f"{where}.{op}"
        if op not in OPERATORS:
            self.problem(segment, at, f"unknown operator {op!r}{_suggest(op, OPERATORS)}; operators: {', '.join(OPERATORS)}")
            return never
        if kind not in OPERATORS[op]:
            fitting = [o for o, kinds in OPERATORS.items() if kind in kinds]
            self.problem(segment, at, f"operator {op!r} does not apply to {name} ({kind}); use one of {', '.join(fitting)}")
            return never
        value = self.value(segment, at, op, kind, allowed, value)
        if value is None:
            return never
        return _condition(name, kind, op, value)

    def value(self, segment, at, op, kind, allowed, value):
        """The operator's argument, checked and normalised; None after a recorded problem."""
        if op == "exists":
            if not isinstance(value, bool):
                self.problem(segment, at, f"expected true or false, not {value!r}")
                return None
            return value
        if op in ("within_days", "older_than_days"):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                self.problem(segment, at, f"expected a whole number of days, like 90, not {value!r}")
                return None
            return value
        if kind == "date":
            if value == "today":
                return "today"
            if isinstance(value, dt.date):
                return value
            try:
                return dt.date.fromisoformat(str(value))
            except ValueError:
                self.problem(segment, at, f"expected a date like 2026-01-31 or 'today', not {value!r}")
                return None
        many = op in ("in", "contains_any", "contains_all")
        items = value if many else [value]
        if many and (not isinstance(value, list) or not value):
            self.problem(segment, at, f"expected a non-empty list, like [{'python, sql' if kind == 'list' else 'Lyon, Nantes'}]")
            return None
        if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in items):
            self.problem(segment, at, f"expected text values, not {value!r}")
            return None
        if allowed is not None:
            bad = [v for v in items if str(v) not in allowed]
            for v in bad:
                self.problem(segment, at, f"unknown value {v!r}{_suggest(v, allowed)}; allowed: {', '.join(allowed)}")
            if bad:
                return None
        if kind == "ordinal" and op in ("greater_than", "less_than"):
            return allowed.index(str(value))
        folded = [str(v) if allowed is not None else _fold(v) for v in items]
        return frozenset(folded) if many else folded[0]


# `all(p(view, today) for p in parts)` and `any(...)` as chained tests: the same answer (True or False),
# the parts called in the same order and as few of them, without a generator per test (a whole-pool walk
# tests a few rules per member: 650,000 all/any calls for the newsletters at 100,000 members).
# tests/talentpool/test_segments_fast.py compares every rule with a plain reading of the rule.
def _all_of(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        first, = parts
        return lambda view, today: bool(first(view, today))
    if len(parts) == 2:
        first, second = parts
        return lambda view, today: bool(first(view, today)) and bool(second(view, today))
    if len(parts) == 3:
        first, second, third = parts
        return lambda view, today: bool(first(view, today)) and bool(second(view, today)) and bool(third(view, today))
    parts = tuple(parts)

    def every(view, today) -> bool:
        for part in parts:
            if not part(view, today):
                return False
        return True
    return every


def _any_of(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        first, = parts
        return lambda view, today: bool(first(view, today))
    if len(parts) == 2:
        first, second = parts
        return lambda view, today: bool(first(view, today)) or bool(second(view, today))
    if len(parts) == 3:
        first, second, third = parts
        return lambda view, today: bool(first(view, today)) or bool(second(view, today)) or bool(third(view, today))
    parts = tuple(parts)

    def some(view, today) -> bool:
        for part in parts:
            if part(view, today):
                return True
        return False
    return some


def _condition(name: str, kind: str, op: str, value) -> Predicate:
    """The predicate of one validated condition."""
    if op == "exists":
        return lambda view, today: bool(view[name]) == value
    if kind == "list":
        if op == "contains_any":
            return lambda view, today: not value.isdisjoint(view[name])
        return lambda view, today: value <= view[name]
    if kind == "ordinal" and op in ("greater_than", "less_than"):
        ranks = {s: i for i, s in enumerate(SENIORITIES)}
        if op == "greater_than":
            return lambda view, today: view[name] in ranks and ranks[view[name]] > value
        return lambda view, today: view[name] in ranks and ranks[view[name]] < value
    if kind == "date":
        def bound(today):
            return today if value == "today" else value
        tests = {
            "equals": lambda day, today: day == bound(today),
            "before": lambda day, today: day < bound(today),
            "less_than": lambda day, today: day < bound(today),
            "after": lambda day, today: day > bound(today),
            "greater_than": lambda day, today: day > bound(today),
            "within_days": lambda day, today: today - dt.timedelta(days=value) <= day <= today,
            "older_than_days": lambda day, today: day < today - dt.timedelta(days=value),
        }
        test = tests[op]
        return lambda view, today: view[name] is not None and test(view[name], today)
    if op == "equals":
        return lambda view, today: view[name] == value
    return lambda view, today: view[name] in value  # in


def parse_segment(data, path: Path | None = None) -> tuple[Segment | None, list[str]]:
    """A segment from one file's YAML data (rule not compiled yet), or the problems found."""
    where = path or "segment"
    if not isinstance(data, dict):
        return None, [f"{where}: expected name, description and rule"]
    problems = [f"{where}: {key}: unknown key{_suggest(key, ('name', 'description', 'rule'))}; a segment has name, description, rule"
                for key in data if key not in ("name", "description", "rule")]
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.append(f"{where}: name: expected a lower-case name with dashes, like data-lyon, not {name!r}")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        problems.append(f"{where}: description: say in a sentence who is in this segment and what for")
    if "rule" not in data:
        problems.append(f"{where}: rule: missing; write e.g. rule: {{field: city, in: [Lyon]}}")
    if problems:
        return None, problems
    return Segment(name=name, description=" ".join(description.split()), rule=data["rule"], path=path), []


def _cycles(segments: dict[str, Segment]) -> list[str]:
    """Problems for segments that include themselves, directly or not."""
    def includes(rule) -> set[str]:
        found: set[str] = set()
        if isinstance(rule, dict):
            if isinstance(rule.get("segment"), str):
                found.add(rule["segment"])
            for value in rule.values():
                for item in value if isinstance(value, list) else [value]:
                    found |= includes(item)
        return found

    graph = {name: includes(seg.rule) & set(segments) for name, seg in segments.items()}
    problems = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    problems.append(f"{segments[start].path or start}: rule: includes itself through {' -> '.join(trail + [start])}")
                    stack = []
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, trail + [nxt]))
    return problems


def compile_segments(segments: dict[str, Segment]) -> dict[str, Segment]:
    """Validate and compile rules (includes resolved across the set); raise SegmentError with every problem."""
    problems = _cycles(segments)
    if problems:
        raise SegmentError(problems)
    compiler = _Compiler(segments)
    for segment in segments.values():
        segment.predicate = compiler.compile(segment, segment.rule)
    if compiler.problems:
        raise SegmentError(compiler.problems)
    for segment in segments.values():
        # What the compiled rule reads of a view, included segments too (`row_viewer` fills these).
        segment.predicate.view_keys = frozenset(_reads(segment.rule, segments))
    return segments


def _reads(rule, segments: dict[str, Segment]) -> set[str]:
    """The view keys a validated rule reads, through its includes (no cycles: checked before)."""
    if "field" in rule:
        return {rule["field"]}
    (key, value), = rule.items()
    if key in ("all", "any"):
        return set().union(*(_reads(sub, segments) for sub in value))
    if key == "not":
        return _reads(value, segments)
    return _reads(segments[value].rule, segments)


def load_segments(folder: str | Path) -> dict[str, Segment]:
    """Every segment of a folder's `*.yml` files, by name (sorted), validated and compiled."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SegmentError([f"{folder}: no such folder; segments live in audiences/segments/*.yml"])
    segments: dict[str, Segment] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            data = safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            problems.append(f"{path}: not valid YAML: {exc}")
            continue
        segment, found = parse_segment(data, path)
        problems += found
        if segment is None:
            continue
        if segment.name in segments:
            problems.append(f"{path}: name: {segment.name!r} is already defined in {segments[segment.name].path}")
            continue
        segments[segment.name] = segment
    if problems:
        raise SegmentError(problems)
    return compile_segments(dict(sorted(segments.items())))
