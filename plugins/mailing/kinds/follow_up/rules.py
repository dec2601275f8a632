"""Follow-up sequences as code: `audiences/sequences/*.yml`, validated with every problem named.

A sequence has a trigger on member data (a stage entered, a date field, the
end of retention), an optional audience rule, exit rules and ordered steps
with delays and their content. Rules use the talent pool's segment language
(`{field: stage, in: [applied]}`, `{segment: juniors}`), compiled by
`talentpool.segments`, so a sequence reads like a segment.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from talentpool.models import STAGES
from talentpool.policy import add_months
from talentpool.segments import Segment, SegmentError, compile_segments
from talentpool.yaml_load import safe_load

NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DATE_FIELDS = ("created", "stage_changed", "last_contact", "consent.newsletter", "consent.events", "consent.job_alerts")
TRIGGERS = ("stage", "date", "retention_end")
SEQUENCE_KEYS = ("name", "description", "kind", "trigger", "audience", "exit", "max_wait", "steps")
STEP_KEYS = ("id", "after", "before", "every", "template", "subject", "preheader", "body", "cta")
_DURATION = re.compile(r"^\s*(\d+)\s*(days?|jours?|weeks?|semaines?|months?|mois|years?|ans?)\s*$", re.I)
_UNITS = {"day": "days", "jour": "days", "week": "weeks", "semaine": "weeks", "month": "months", "mois": "months",
          "year": "years", "an": "years"}


class SequenceError(ValueError):
    """Invalid sequence files; `problems` holds (path, key, message, line) for each one."""

    def __init__(self, problems: list[tuple[str, str, str, int | None]]):
        self.problems = problems
        super().__init__("invalid sequences:\n" + "\n".join(
            f"  - {path}{f':{line}' if line else ''}: {key}: {message}" for path, key, message, line in problems))


@dataclass(frozen=True)
class Duration:
    """A whole number of days, weeks, months or years (months clamp to the month's end)."""

    count: int
    unit: str  # days | weeks | months | years

    def add(self, day: dt.date, times: int = 1) -> dt.date:
        """`day` plus this duration `times` times (negative: minus)."""
        n = self.count * times
        if self.unit == "days":
            return day + dt.timedelta(days=n)
        if self.unit == "weeks":
            return day + dt.timedelta(weeks=n)
        return add_months(day, n * (12 if self.unit == "years" else 1))

    def __str__(self) -> str:
        return f"{self.count} {self.unit if self.count != 1 else self.unit[:-1]}"


def parse_duration(value) -> Duration | None:
    """'6 months', '90 days', '2 weeks', '1 year' (French units too); None if unreadable."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return Duration(value, "days")
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not match:
        return None
    unit = match.group(2).lower()
    unit = unit[:-1] if unit.endswith("s") and unit not in ("mois",) else unit
    return Duration(int(match.group(1)), _UNITS.get(unit, "days"))


@dataclass
class Trigger:
    """Where a member's sequence starts (the anchor) and the condition for it to exist."""

    type: str  # stage | date | retention_end
    stage: str | None = None
    date_field: str | None = None
    when: object = None  # compiled predicate or None

    def describe(self) -> str:
        if self.type == "stage":
            return f"entered stage {self.stage}"
        if self.type == "date":
            return f"date {self.date_field}" + (" (with a condition)" if self.when else "")
        return "end of retention"


@dataclass
class Step:
    """One message of a sequence: when (relative to the anchor), and its content per language."""

    id: str
    offset: Duration
    sign: int  # +1 after the anchor, -1 before it
    every: Duration | None
    template: str
    subject: dict[str, str]
    preheader: dict[str, str]
    body: dict[str, str]  # Markdown per language
    cta: dict | None = None  # {"text": {lang: …}, "url": {lang: …}}

    def first_due(self, anchor: dt.date) -> dt.date:
        return self.offset.add(anchor, self.sign)

    def describe(self) -> str:
        when = f"{self.offset} {'after' if self.sign > 0 else 'before'}"
        return when + (f", then every {self.every}" if self.every else "")


@dataclass
class Sequence:
    """A validated sequence file."""

    name: str
    description: str
    kind: str
    trigger: Trigger
    steps: list[Step]
    max_wait: Duration
    audience: object = None  # predicate or None
    exits: dict[str, object] = field(default_factory=dict)  # name -> predicate
    path: Path | None = None
    languages: tuple[str, ...] = ()


class _Lines:
    """Line numbers of keys in a YAML file, by dotted path (steps[1].subject.fr)."""

    def __init__(self, text: str):
        self.lines: dict[str, int] = {}
        try:
            self._walk(yaml.compose(text), "")
        except yaml.YAMLError:
            pass

    def _walk(self, node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                path = f"{prefix}.{key.value}" if prefix else str(key.value)
                self.lines[path] = key.start_mark.line + 1
                self._walk(value, path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                path = f"{prefix}[{index}]"
                self.lines[path] = item.start_mark.line + 1
                self._walk(item, path)

    def __call__(self, key: str) -> int | None:
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rsplit(".", 1)[0] if "." in key else ""
        return None


def _suggest(word, choices) -> str:
    hint = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


class _Parser:
    """Validates one file, collecting every problem."""

    def __init__(self, path: Path, text: str, languages, kinds, default_wait: int):
        self.path, self.languages, self.kinds, self.default_wait = path, tuple(languages), tuple(kinds), default_wait
        self.line = _Lines(text)
        self.problems: list[tuple[str, str, str, int | None]] = []
        self.rules: dict[str, tuple[str, object]] = {}  # segment name -> (key, rule)

    def problem(self, key: str, message: str) -> None:
        self.problems.append((str(self.path), key, message, self.line(key)))

    def rule(self, key: str, value) -> str:
        """Register a rule to compile with the pool's segments; returns its internal name."""
        name = f"{self.path.stem}#{key}"
        self.rules[name] = (key, value)
        return name

    def texts(self, key: str, value, required=True) -> dict[str, str]:
        if value is None and not required:
            return {}
        if isinstance(value, str) and len(self.languages) == 1:
            return {self.languages[0]: value}
        if not isinstance(value, dict):
            self.problem(key, f"expected one text per language, like {{{', '.join(f'{l}: …' for l in self.languages)}}}")
            return {}
        result = {}
        for lang in self.languages:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.problem(f"{key}.{lang}" if lang in value else key, f"the {lang} text is missing; write one per language ({', '.join(self.languages)})")
            else:
                result[lang] = text.strip()
        for lang in value:
            if lang not in self.languages:
                self.problem(f"{key}.{lang}", f"unknown language {lang!r}{_suggest(lang, self.languages)}; languages: {', '.join(self.languages)}")
        return result

    def duration(self, key: str, value) -> Duration | None:
        found = parse_duration(value)
        if found is None:
            self.problem(key, f"expected a delay like '90 days', '2 weeks' or '6 months', not {value!r}")
        return found

    def parse(self, data) -> Sequence | None:
        if not isinstance(data, dict):
            self.problem("file", "expected a mapping with " + ", ".join(SEQUENCE_KEYS))
            return None
        for key in data:
            if key not in SEQUENCE_KEYS:
                self.problem(str(key), f"unknown key{_suggest(key, SEQUENCE_KEYS)}; a sequence has {', '.join(SEQUENCE_KEYS)}")
        name = data.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            self.problem("name", f"expected a lower-case name with dashes, like silver-medalists-check-in, not {name!r}")
        description = data.get("description")
        if not isinstance(description, str) or not description.strip():
            self.problem("description", "say in a sentence who receives this sequence and why")
        kind = data.get("kind", "follow_up")
        if kind not in self.kinds:
            self.problem("kind", f"unknown message kind {kind!r}{_suggest(kind, self.kinds)}; the policy knows {', '.join(self.kinds)}")
        trigger = self.trigger(data.get("trigger"))
        audience = self.rule("audience", data["audience"]) if "audience" in data else None
        exits = {}
        raw_exits = data.get("exit", {})
        if not isinstance(raw_exits, dict):
            self.problem("exit", "expected named rules, like applied: {field: stage, in: [applied, interviewing]}")
        else:
            for exit_name, rule in raw_exits.items():
                exits[str(exit_name)] = self.rule(f"exit.{exit_name}", rule)
        wait = self.duration("max_wait", data["max_wait"]) if "max_wait" in data else Duration(self.default_wait, "days")
        steps = self.steps(data.get("steps"), trigger)
        if self.problems or trigger is None or wait is None:
            return None
        return Sequence(name=name, description=" ".join(description.split()), kind=kind, trigger=trigger, steps=steps,
                        max_wait=wait, audience=audience, exits=exits, path=self.path, languages=self.languages)

    def trigger(self, raw) -> Trigger | None:
        example = "trigger: {stage: hired_elsewhere}, {date: created} or {retention_end: true}"
        if not isinstance(raw, dict):
            self.problem("trigger", f"missing; write {example}")
            return None
        types = [k for k in raw if k in TRIGGERS]
        for key in raw:
            if key not in (*TRIGGERS, "when"):
                self.problem(f"trigger.{key}", f"unknown key{_suggest(key, (*TRIGGERS, 'when'))}; {example}")
        if len(types) != 1:
            self.problem("trigger", f"exactly one of stage, date, retention_end, found {', '.join(types) or 'none'}; {example}")
            return None
        kind = types[0]
        trigger = Trigger(kind)
        if kind == "stage":
            if raw["stage"] not in STAGES:
                self.problem("trigger.stage", f"unknown stage {raw['stage']!r}{_suggest(raw['stage'], STAGES)}; stages: {', '.join(STAGES)}")
            trigger.stage = raw["stage"]
        elif kind == "date":
            if raw["date"] not in DATE_FIELDS:
                self.problem("trigger.date", f"unknown date field {raw['date']!r}{_suggest(raw['date'], DATE_FIELDS)}; use one of {', '.join(DATE_FIELDS)}")
            trigger.date_field = raw["date"]
        elif raw["retention_end"] is not True:
            self.problem("trigger.retention_end", "write retention_end: true (the day the member's retention ends)")
        if "when" in raw:
            trigger.when = self.rule("trigger.when", raw["when"])
        return trigger

    def steps(self, raw, trigger) -> list[Step]:
        if not isinstance(raw, list) or not raw:
            self.problem("steps", "expected a list of steps, each with id, after (or before), subject, preheader, body")
            return []
        steps, seen = [], set()
        for index, item in enumerate(raw):
            where = f"steps[{index}]"
            if not isinstance(item, dict):
                self.problem(where, "expected a mapping with id, after, subject, preheader, body")
                continue
            for key in item:
                if key not in STEP_KEYS:
                    self.problem(f"{where}.{key}", f"unknown key{_suggest(key, STEP_KEYS)}; a step has {', '.join(STEP_KEYS)}")
            step_id = item.get("id")
            if not isinstance(step_id, str) or not NAME.match(step_id):
                self.problem(f"{where}.id", f"expected a lower-case id with dashes, like end-of-trial, not {step_id!r}")
            elif step_id in seen:
                self.problem(f"{where}.id", f"{step_id!r} is already the id of another step; ids are unique in a sequence")
            seen.add(step_id)
            if ("after" in item) == ("before" in item):
                self.problem(where, "give exactly one of after: (delay after the trigger) or before: (delay before it)")
                continue
            sign = 1 if "after" in item else -1
            offset = self.duration(f"{where}.{'after' if sign > 0 else 'before'}", item["after" if sign > 0 else "before"])
            every = self.duration(f"{where}.every", item["every"]) if "every" in item else None
            if every is not None and every.count == 0:
                self.problem(f"{where}.every", "a repeat needs a delay above zero, like '90 days'")
            template = item.get("template", "followup")
            if not isinstance(template, str) or not re.fullmatch(r"(followup|sequence)[a-z0-9_-]*", template):
                self.problem(f"{where}.template", f"expected a mail-theme template named followup… or sequence… (theme/mail/NAME.mjml and NAME.txt), not {template!r}")
            subject = self.texts(f"{where}.subject", item.get("subject"))
            preheader = self.texts(f"{where}.preheader", item.get("preheader"))
            body = self.texts(f"{where}.body", item.get("body"))
            cta = None
            if "cta" in item:
                raw_cta = item["cta"]
                if not isinstance(raw_cta, dict) or set(raw_cta) != {"text", "url"}:
                    self.problem(f"{where}.cta", "expected text: {fr: …, en: …} and url: {fr: emplois/, en: en/jobs/}")
                else:
                    cta = {"text": self.texts(f"{where}.cta.text", raw_cta["text"]), "url": self.texts(f"{where}.cta.url", raw_cta["url"])}
            if offset is not None and isinstance(step_id, str):
                steps.append(Step(step_id, offset, sign, every, template, subject, preheader, body, cta))
        for index, step in enumerate(steps[:-1]):
            if step.every is not None:
                self.problem(f"steps[{index}].every", "only the last step may repeat (a repeating step never ends); move it last")
        for previous, step in zip(steps, steps[1:]):
            a, b = previous.first_due(dt.date(2000, 1, 1)), step.first_due(dt.date(2000, 1, 1))
            if b < a:
                self.problem(f"steps[{steps.index(step)}]", f"step {step.id!r} comes before {previous.id!r} in time; list steps in the order they go out")
        return steps


def load_sequences(folder, segments: dict[str, Segment], *, languages=("fr", "en"), kinds=("follow_up",),
                   default_wait: int = 30) -> dict[str, Sequence]:
    """Every sequence of a folder, by name; raise SequenceError listing every problem."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    problems: list = []
    sequences: dict[str, Sequence] = {}
    pending: list[tuple[_Parser, Sequence]] = []
    rules: dict[str, Segment] = {}
    owners: dict[str, _Parser] = {}
    for path in sorted(folder.glob("*.y*ml")):
        text = path.read_text(encoding="utf-8")
        parser = _Parser(path, text, languages, kinds, default_wait)
        try:
            data = safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append((str(path), "file", f"not valid YAML: {getattr(exc, 'problem', exc)}", mark.line + 1 if mark else None))
            continue
        sequence = parser.parse(data)
        for name, (key, rule) in parser.rules.items():
            rules[name] = Segment(name=name, description=key, rule=rule, path=None)
            owners[name] = parser
        problems += parser.problems
        if sequence is None:
            continue
        if sequence.name in sequences:
            problems.append((str(path), "name", f"{sequence.name!r} is already the name of {sequences[sequence.name].path}", parser.line("name")))
            continue
        sequences[sequence.name] = sequence
        pending.append((parser, sequence))
    compiled = _compile_rules(rules, segments, problems, owners)
    if problems:
        raise SequenceError(problems)
    for parser, sequence in pending:
        if sequence.audience:
            sequence.audience = compiled[sequence.audience]
        if sequence.trigger.when:
            sequence.trigger.when = compiled[sequence.trigger.when]
        sequence.exits = {name: compiled[rule] for name, rule in sequence.exits.items()}
    return sequences


def _compile_rules(rules: dict[str, Segment], segments, problems, parsers) -> dict:
    """Compile every sequence rule beside the pool's segments (so `{segment: name}` resolves)."""
    if not rules:
        return {}
    merged = {**segments, **rules}
    try:
        compile_segments(merged)
    except SegmentError as exc:
        for text in exc.problems:
            owner = next((name for name in rules if text.startswith(f"{name}: ")), None)
            if owner is None:
                problems.append(("audiences/segments", "rule", text, None))
                continue
            file_stem, key = owner.split("#", 1)
            where, _, message = text[len(owner) + 2:].partition(": ")
            key_path = key + where[len("rule"):]
            parser = parsers.get(owner)
            path = str(parser.path) if parser else file_stem
            problems.append((path, key_path, message, parser.line(key_path) if parser else None))
        return {}
    return {name: merged[name].predicate for name in rules}
