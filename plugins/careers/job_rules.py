"""The job-ad rule check: lawful, dated, paid, located, in French for France.

Runs in every build and in `vivier check` (both read jobs through
`JobsGenerator`). Errors fail the build; warnings are listed. The wording
rules come from a data file (`data/job_rules.yml`) so HR can review them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from .fields import field_line

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


@dataclass(frozen=True)
class TitleRule:
    masculine: tuple[str, ...]
    feminine: tuple[str, ...]
    neutral: tuple[re.Pattern, ...]
    instead: str


@dataclass(frozen=True)
class Rules:
    wording: tuple[WordingRule, ...]
    titles: dict


def rules_path(settings) -> str:
    return settings.get("JOBS_RULES_FILE") or DEFAULT_RULES


def load_rules(path: str) -> Rules:
    """The rule list, read once per file version."""
    return _load(path, os.path.getmtime(path))


@lru_cache(maxsize=4)
def _load(path: str, _mtime: float) -> Rules:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
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
    return [m.group(0) for w in words for m in re.finditer(rf"\b{re.escape(w)}s?\b", text, re.I)]


def check_title(path, title: str, lang: str, rules: Rules, report) -> None:
    """A gendered title needs a neutral form (both forms, a middle dot, H/F)."""
    rule = rules.titles.get(lang)
    if not rule or not title:
        return
    masculine, feminine = _words(rule.masculine, title), _words(rule.feminine, title)
    gendered = masculine or feminine
    if not gendered or (masculine and feminine) or any(p.search(title) for p in rule.neutral):
        return
    hint = "write both forms or add (H/F)" if rule.neutral else "use a gender-neutral word"
    report.error(path, "title", f"gendered title {gendered[0]!r} without a neutral form; {hint}", rule.instead, field_line(path, "title"))


def _scannable_lines(path: str):
    """(line number, text) of the header values and the body, comments blanked."""
    with open(path, encoding="utf-8-sig") as handle:
        text = handle.read()
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


def check_wording(path: str, lang: str, rules: Rules, report) -> None:
    """Every discriminatory expression, reported with its line."""
    for number, line in _scannable_lines(path):
        for rule in rules.wording:
            if rule.languages and lang not in rule.languages:
                continue
            for match in rule.pattern.finditer(line):
                message = f"discriminatory wording {match.group(0)!r} ({rule.message}); remove it"
                add = report.error if rule.severity == "error" else report.warning
                add(path, "wording", message, rule.instead, number)


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
    line = field_line(path, "locations") or field_line(path, "location")
    for place in job.locations:
        if place.country is None:
            report.error(path, "locations", f"{place.raw!r} has no country; add its two-letter ISO code", f"{place.raw}, FR", line)
        elif place.city is None and job.remote != "remote":
            report.error(path, "locations", f"{place.raw!r} has no city; only fully remote jobs may give a country alone", "Lyon, FR", line)
    if not (job.apply_url or job.apply_email):
        report.error(path, "apply_url", "says nowhere how to apply; add Apply_url or Apply_email", "Apply_email: recrutement@cardamome.example")
    if job.date is not None and job.valid_through is not None and job.valid_through < job.date.date():
        report.error(path, "valid_through", f"{job.valid_through} is before the date posted ({job.date.date()})", "Valid_through: 2027-01-31", field_line(path, "valid_through"))


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
        if "fr" in seen or not any(p.country == "FR" for job in versions for p in job.locations):
            continue
        for job in versions:
            report.error(
                job.source_path, "lang",
                f"job {reference} is located in France but has no French version; add a file with Lang: fr and Reference: {reference}",
                "Lang: fr", field_line(job.source_path, "lang"),
            )


def _reported(report, path, name) -> bool:
    return any(p.path == str(path) and p.field == name for p in report.problems)
