"""The job-ad rule check: lawful, dated, paid, located, in French for France.

Runs in every build and in `vivier check` (both read jobs through
`JobsGenerator`). Errors fail the build; warnings are listed. The wording
rules come from a data file (`data/job_rules.yml`) so HR can review them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from .fields import field_line
from talentpool.yaml_load import safe_load

DEFAULT_RULES = os.path.join(os.path.dirname(__file__), "data", "job_rules.yml")
# Header fields whose values are free text worth checking for wording.
_TEXT_FIELDS = {"title", "summary", "must_have", "nice_to_have", "interview_steps", "hiring_manager"}
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)


@dataclass(frozen=True)
class WordingRule:
    id: str
    languages: tuple[str, ...]
    pattern: re.Pattern
    severity: str
    message: str
    instead: str


def screen_of(patterns) -> re.Pattern | None:
    """One expression that finds something in a text exactly when one of `patterns` does.

    `(?:p1)|(?:p2)|…` has a match at a position when one of the alternatives
    matches there, so its `search` succeeds on the very texts where some
    `pi.search` does. None (test every pattern) when the alternation could
    mean something else: a pattern with groups (a numbered back-reference
    would point elsewhere), differing flags, or global flags inside a pattern.
    """
    patterns = list(patterns)
    if not patterns or any(p.groups for p in patterns) or len({p.flags for p in patterns}) != 1:
        return None
    try:
        screen = re.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)
    except re.error:
        return None
    return screen if screen.flags == patterns[0].flags else None


class WordList:
    """The words of a title rule, each searched as a whole word (a plural "s" allowed), any case."""

    def __init__(self, words):
        self.words = tuple(words)
        self.patterns = tuple(re.compile(rf"\b{re.escape(w)}s?\b", re.I) for w in self.words)
        self.screen = screen_of(self.patterns)

    def first(self, text: str) -> str | None:
        """`_words(words, text)[0]` (the first word of the list found, at its first place), or None."""
        if self.screen is not None and self.screen.search(text) is None:
            return None
        for pattern in self.patterns:
            match = pattern.search(text)
            if match is not None:
                return match.group(0)
        return None


@dataclass(frozen=True)
class TitleRule:
    masculine: tuple[str, ...]
    feminine: tuple[str, ...]
    neutral: tuple[re.Pattern, ...]
    instead: str
    masculine_words: WordList = field(init=False, repr=False, compare=False)
    feminine_words: WordList = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "masculine_words", WordList(self.masculine))
        object.__setattr__(self, "feminine_words", WordList(self.feminine))


@dataclass(frozen=True)
class LanguageRules:
    """The wording rules of one language, in file order, and their screen."""

    rules: tuple[WordingRule, ...]
    screen: re.Pattern | None


@dataclass(frozen=True)
class Rules:
    wording: tuple[WordingRule, ...]
    titles: dict
    _by_language: dict = field(default_factory=dict, repr=False, compare=False)

    def for_language(self, lang: str) -> LanguageRules:
        chosen = self._by_language.get(lang)
        if chosen is None:
            rules = tuple(r for r in self.wording if not r.languages or lang in r.languages)
            chosen = self._by_language[lang] = LanguageRules(rules, screen_of(r.pattern for r in rules))
        return chosen


def rules_path(settings) -> str:
    return settings.get("JOBS_RULES_FILE") or DEFAULT_RULES


def load_rules(path: str) -> Rules:
    """The rule list, read once per file version."""
    return _load(path, os.path.getmtime(path))


@lru_cache(maxsize=4)
def _load(path: str, _mtime: float) -> Rules:
    with open(path, encoding="utf-8") as handle:
        data = safe_load(handle) or {}
    wording = tuple(
        WordingRule(
            id=item["id"],
            languages=tuple(item.get("lang") or ()),
            pattern=re.compile(item["pattern"], re.I),
            severity=item.get("severity", "error"),
            message=item["message"],
            instead=item.get("instead", ""),
        )
        for item in data.get("wording", [])
    )
    titles = {
        lang: TitleRule(
            masculine=tuple(spec.get("masculine", [])),
            feminine=tuple(spec.get("feminine", [])),
            neutral=tuple(re.compile(p, re.I) for p in spec.get("neutral_markers", [])),
            instead=spec.get("instead", ""),
        )
        for lang, spec in (data.get("gendered_titles") or {}).items()
    }
    return Rules(wording, titles)


def _words(words, text):
    """Every match of every word, word by word (the straightforward form of `WordList.first`)."""
    return [m.group(0) for w in words for m in re.finditer(rf"\b{re.escape(w)}s?\b", text, re.I)]


def check_title(path, title: str, lang: str, rules: Rules, report) -> None:
    """A gendered title needs a neutral form (both forms, a middle dot, H/F)."""
    rule = rules.titles.get(lang)
    if not rule or not title:
        return
    masculine, feminine = rule.masculine_words.first(title), rule.feminine_words.first(title)
    gendered = masculine if masculine is not None else feminine
    if gendered is None or (masculine is not None and feminine is not None) or any(p.search(title) for p in rule.neutral):
        return
    hint = "write both forms or add (H/F)" if rule.neutral else "use a gender-neutral word"
    report.error(path, "title", f"gendered title {gendered!r} without a neutral form; {hint}", rule.instead, field_line(path, "title"))


def _scannable_lines(path: str, text: str | None = None):
    """(line number, text) of the header values and the body, comments blanked.

    `text` is the file's text when the caller already read it (as
    `open(path, encoding="utf-8-sig").read()` gives it); else it is read here.
    """
    if text is None:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            text = handle.read()
    if "<!--" in text:
        text = _COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    in_header = True
    for number, line in enumerate(text.split("\n"), start=1):
        if in_header:
            if not line.strip():
                in_header = False
                continue
            key, sep, value = line.partition(":")
            if sep and key.strip().lower() in _TEXT_FIELDS:
                yield number, value
            continue
        yield number, line


def check_wording(path: str, lang: str, rules: Rules, report, text: str | None = None) -> None:
    """Every discriminatory expression, reported with its line.

    Lines where the language's screen finds nothing are skipped (no rule can
    match them); the others go through every rule, in file order, as before.
    """
    chosen = rules.for_language(lang)
    screen = chosen.screen
    for number, line in _scannable_lines(path, text):
        if screen is not None and screen.search(line) is None:
            continue
        for rule in chosen.rules:
            for match in rule.pattern.finditer(line):
                message = f"discriminatory wording {match.group(0)!r} ({rule.message}); remove it"
                add = report.error if rule.severity == "error" else report.warning
                add(path, "wording", message, rule.instead, number)


def wording_problems(path: str, lang: str, rules: Rules, text: str | None = None) -> tuple:
    """`check_wording`'s problems as (severity, field, message, example, line), to be filed later in order."""
    recorder = _Recorder()
    check_wording(path, lang, rules, recorder, text)
    return tuple(recorder.problems)


class _Recorder:
    """Stands in for the report while a check runs, so its problems can be kept and replayed."""

    def __init__(self):
        self.problems: list[tuple] = []

    def error(self, path, field, message, example="", line=None):
        self.problems.append(("error", field, message, example, line))

    def warning(self, path, field, message, example="", line=None):
        self.problems.append(("warning", field, message, example, line))


class WordingChecks:
    """`check_wording`, remembered per job file with Pelican's content cache (same settings, same folder).

    A warm build finds most ads unchanged: their problems (usually none) are
    replayed in the same order, with the same messages and lines, instead of
    reading and scanning the file again. A result is used only for the same
    file stamp (Pelican's own test: `CHECK_MODIFIED_METHOD`), the same
    language, the same rules file and the same version of this module.
    """

    CACHE_NAME = "JobsGenerator-Wording"

    def __init__(self, settings, rules_file: str):
        from pelican.cache import FileStampDataCacher

        self._cache = FileStampDataCacher(settings, self.CACHE_NAME, settings.get("CACHE_CONTENT", False),
                                          settings.get("LOAD_CONTENT_CACHE", False))
        digest = hashlib.sha256()
        for part in (rules_file, __file__):
            with open(part, "rb") as handle:
                digest.update(handle.read())
            digest.update(b"\0")
        self._version = digest.hexdigest()
        self._changed = False
        self.counts = {"replayed": 0, "taken": 0, "checked": 0}  # logged by `save` (debug): where the answers came from

    def check(self, path: str, lang: str, rules: Rules, report, text: str | None = None, found=None) -> None:
        """`found`: (language, problems) of `wording_problems` for this file's text, worked out by the process
        that converted it (careers.prefetch); used when the language is the job's."""
        key = (self._version, lang)
        cached = self._cache.get_cached_data(path, None)
        if cached is not None and cached[0] == key:
            problems, how = cached[1], "replayed"
        elif found is not None and found[0] == lang:
            problems, how = found[1], "taken"
        else:
            problems, how = wording_problems(path, lang, rules, text), "checked"
        self.counts[how] += 1
        if how != "replayed":
            self._cache.cache_data(path, (key, problems))
            self._changed = True
        for severity, field_name, message, example, line in problems:
            add = report.error if severity == "error" else report.warning
            add(path, field_name, message, example, line)

    def save(self) -> None:
        logging.getLogger(__name__).debug("wording of job ads: %(replayed)d replayed from the cache, %(taken)d checked by "
                                          "the process that converted them, %(checked)d checked here", self.counts)
        if self._changed:
            self._cache.save_cache()
            self._changed = False


def check_job(job, settings, report) -> None:
    """Dated, paid, located; one job's own rules."""
    path = job.source_path
    if getattr(job, "date", None) is None and not _reported(report, path, "date"):
        report.error(path, "date", "the ad is undated; add the day it is published", "Date: 2026-11-02 09:00")
    low, high = job.salary_min, job.salary_max
    if low is None or high is None:
        missing = " and ".join(n for n, v in (("Salary_min", low), ("Salary_max", high)) if v is None)
        message = f"no pay range ({missing} missing); the EU Pay Transparency Directive 2023/970 requires one in every ad"
        if not (_reported(report, path, "salary_min") or _reported(report, path, "salary_max")):
            add = report.error if settings.get("JOBS_REQUIRE_SALARY", True) else report.warning
            add(path, "salary", message, "Salary_min: 42000, Salary_max: 50000, Salary_period: year",
                field_line(path, "salary_min") or field_line(path, "salary_max"))
    elif low > high:
        report.error(path, "salary_min", f"{low} is above Salary_max ({high}); write the lowest pay first", "Salary_min: 42000", field_line(path, "salary_min"))
    elif high > low * Decimal(str(settings.get("JOBS_SALARY_MAX_RATIO", 2))):
        ratio = settings.get("JOBS_SALARY_MAX_RATIO", 2)
        report.error(path, "salary_max", f"the range {low} – {high} is too wide to tell candidates their pay (the top is more "
                     f"than {ratio} times the bottom, JOBS_SALARY_MAX_RATIO); give the range you would really pay",
                     "Salary_min: 42000, Salary_max: 50000", field_line(path, "salary_max"))
    for place in job.locations:  # the line is looked up only for a problem (it re-reads the file)
        if place.country is None:
            report.error(path, "locations", f"{place.raw!r} has no country; add its two-letter ISO code", f"{place.raw}, FR",
                         _locations_line(path))
        elif place.city is None and job.remote != "remote":
            report.error(path, "locations", f"{place.raw!r} has no city; only fully remote jobs may give a country alone", "Lyon, FR",
                         _locations_line(path))
    if not (job.apply_url or job.apply_email):
        report.error(path, "apply_url", "says nowhere how to apply; add Apply_url or Apply_email", "Apply_email: recrutement@cardamome.example")
    if job.date is not None and job.valid_through is not None and job.valid_through < job.date.date():
        report.error(path, "valid_through", f"{job.valid_through} is before the date posted ({job.date.date()})", "Valid_through: 2027-01-31", field_line(path, "valid_through"))


def _locations_line(path):
    return field_line(path, "locations") or field_line(path, "location")


def check_translations(groups: dict[str, list], settings, report) -> None:
    """One version per language; a job located in France has a French version."""
    for reference, versions in groups.items():
        seen = {}
        for job in versions:
            if job.lang in seen:
                report.error(
                    job.source_path, "reference",
                    f"{reference!r} is also used by {os.path.basename(seen[job.lang].source_path)} in the same language; each reference names one job",
                    "Reference: CC-2026-015", field_line(job.source_path, "reference"),
                )
            seen.setdefault(job.lang, job)
        check_agreement(reference, versions, settings, report)
        if "fr" in seen or not any(p.country == "FR" for job in versions for p in job.locations):
            continue
        for job in versions:
            report.error(
                job.source_path, "lang",
                f"job {reference} is located in France but has no French version; add a file with Lang: fr and Reference: {reference}",
                "Lang: fr", field_line(job.source_path, "lang"),
            )


# What every language version of a job must say alike (the wording may differ): (field, label, value of a job).
AGREEING = (
    ("salary_min", "Salary_min", lambda j: j.salary_min),
    ("salary_max", "Salary_max", lambda j: j.salary_max),
    ("salary_currency", "Salary_currency", lambda j: j.salary_currency),
    ("salary_period", "Salary_period", lambda j: j.salary_period),
    ("locations", "Locations", lambda j: _places(j.locations)),
    ("remote", "Remote", lambda j: j.remote),
    ("contract", "Contract", lambda j: j.contract),
    ("working_time", "Working_time", lambda j: j.working_time),
    ("date", "Date", lambda j: j.date.date() if j.date is not None else None),
    ("valid_through", "Valid_through", lambda j: j.valid_through),
    ("status", "Status", lambda j: j.status),
)


def _places(locations):
    """Places as translations must agree on them: the country, and the postal code or the city's key."""
    return tuple((p.country, p.postal_code or p.key) for p in locations or ())


def _shown(name, job):
    if name == "locations":
        return "; ".join(str(p) for p in job.locations or ()) or "(none)"
    value = getattr(job, name)
    if name == "date" and value is not None:
        value = value.date()
    return "(none)" if value is None else str(value)


def check_agreement(reference, versions, settings, report) -> None:
    """Each translation says what the original says on pay, places, contract and dates; one error per field."""
    if len(versions) < 2:
        return
    default = settings.get("DEFAULT_LANG", "fr")
    original = next((j for j in versions if j.lang == default), versions[0])
    if report.has_errors_for(original.source_path):
        return  # its own problems first: a comparison with half-read values would only add noise
    where = os.path.relpath(original.source_path, settings.get("PATH") or ".")
    for job in versions:
        if job is original or report.has_errors_for(job.source_path):
            continue
        for name, label, value in AGREEING:
            if value(job) == value(original):
                continue
            line = field_line(job.source_path, name) or (_locations_line(job.source_path) if name == "locations" else None)
            report.error(
                job.source_path, name,
                f"{label} is {_shown(name, job)!r} here but {_shown(name, original)!r} in {where} ({original.lang}), "
                f"the same job {reference}; translations must agree on pay, places, contract and dates "
                "(only the wording may differ)",
                f"{label}: {_shown(name, original)}", line,
            )


def _reported(report, path, name) -> bool:
    return any(p.path == str(path) and p.field == name for p in report.problems)
