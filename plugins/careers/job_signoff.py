"""The hiring manager's sign-off of a job ad's must-haves, and the rules that keep must-haves matchable.

An ad records who agreed to its must-haves, as what, when, and the hash of
what they agreed to, in one header field written by `vivier job sign-off`:

    Signed_off: Claire Vasseur, responsable data Nantes, 2026-11-20, sha256:3f1c…

The hash covers the must-haves as skills (case, accents, spacing and order
ignored), so rewording, adding or removing one after the sign-off fails the
check until someone signs again. Nothing of it is published: the field is
read here only, never by a template, JSON-LD or a feed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass

from . import fields as f
from .fields import field_line

PREFIX = "sha256:"
_DIGEST_RE = re.compile(r"sha256:([0-9a-f]{64})")
# Words that make a must-have a choice or a sentence instead of one skill.
_ALTERNATIVES = re.compile(r"\(|\)|/|\b(?:ou|or|et/ou|and/or)\b", re.I)


@dataclass(frozen=True)
class SignOff:
    """Who agreed to the must-haves, as what, on which day, and the hash of what they agreed to."""

    name: str
    role: str
    day: dt.date
    digest: str  # 64 hex digits

    def line(self) -> str:
        return f"{self.name}, {self.role}, {self.day.isoformat()}, {PREFIX}{self.digest}"


def must_have_digest(skills) -> str:
    """The hash of a list of must-haves, blind to case, accents, spacing and order."""
    from talentpool.skills import fold

    text = "\n".join(sorted(fold(s) for s in skills))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_sign_off(value) -> SignOff:
    """'Name, role, YYYY-MM-DD, sha256:…' (the role may hold commas)."""
    raw = f._text(value)
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) < 4 or not all(parts):
        raise f.FieldValueError(
            f"{raw!r} is not 'Name, role, YYYY-MM-DD, sha256:…'; write it with `vivier job sign-off FILE --by NAME --as ROLE`")
    name, role, day, digest = parts[0], ", ".join(parts[1:-2]), parts[-2], parts[-1]
    try:
        signed = dt.date.fromisoformat(day)
    except ValueError:
        raise f.FieldValueError(f"{day!r} is not a date written YYYY-MM-DD") from None
    match = _DIGEST_RE.fullmatch(digest.lower())
    if not match:
        raise f.FieldValueError(f"{digest!r} is not 'sha256:' and 64 hex digits; sign again with `vivier job sign-off`")
    return SignOff(name, role, signed, match.group(1))


def resign_hint(path: str, name: str = "Name", role: str = "role") -> str:
    quote = lambda text: "'" + text.replace("'", "'\\''") + "'"  # noqa: E731 - as a POSIX shell reads it
    return f"vivier job sign-off {path} --by {quote(name)} --as {quote(role)}"


def check_must_haves(job, settings, vocabulary, report) -> None:
    """At most JOBS_MUST_HAVE_MAX must-haves, each one short skill of the pool's vocabulary."""
    path = job.source_path
    skills = list(job.must_have or [])
    line = lambda: field_line(path, "must_have")  # noqa: E731 - read again only for a problem
    most = settings["JOBS_MUST_HAVE_MAX"]
    if len(skills) > most:
        report.error(path, "must_have", f"lists {len(skills)} must-haves; keep at most {most} (JOBS_MUST_HAVE_MAX) "
                     "and move the others to Nice_to_have", "Must_have: Python, SQL, dbt", line())
    words = settings["JOBS_MUST_HAVE_MAX_WORDS"]
    for skill in skills:
        if _ALTERNATIVES.search(skill) or len(skill.split()) > words:
            report.error(path, "must_have", f"{skill!r} is not one skill; write each must-have as a short skill "
                         f"(at most {words} words, no alternatives or parentheses) and put choices in Nice_to_have",
                         "Must_have: SQL, Power BI", line())
        elif vocabulary.skills and not vocabulary.known(skill):
            close = vocabulary.suggest(skill)
            hint = f"did you mean {close!r}? " if close else ""
            where = vocabulary.path.name if vocabulary.path else "the skill vocabulary"
            report.error(path, "must_have", f"{skill!r} is not in the pool's skill vocabulary, so no member can match it; "
                         f"{hint}use a skill of {where} or add it there", f"Must_have: {close or 'Python'}", line())


def check_sign_off(job, settings, today: dt.date, report) -> None:
    """The must-haves are those the sign-off hashed; a missing sign-off is an error only if required."""
    path = job.source_path
    signed = getattr(job, "signed_off", None)
    if signed is None:
        if any(p.path == str(path) and p.field == "signed_off" for p in report.problems):
            return  # unreadable: the field's own error says so
        add = report.error if settings["JOBS_REQUIRE_SIGN_OFF"] else report.warning
        add(path, "signed_off", "no sign-off of the must-haves by the hiring manager; once they agree, run "
            f"`{resign_hint(_shown(path, settings))}`", "", field_line(path, "must_have"))
        return
    if signed.day > today:
        report.error(path, "signed_off", f"is dated {signed.day}, after today ({today}); write the day they agreed",
                     "", field_line(path, "signed_off"))
    if must_have_digest(job.must_have or []) != signed.digest:
        report.error(
            path, "must_have",
            f"the must-haves changed after {signed.name} ({signed.role}) signed them off on {signed.day}; "
            f"ask them to agree to the new list, then run `{resign_hint(_shown(path, settings), signed.name, signed.role)}`",
            "", field_line(path, "must_have"))


def _shown(path: str, settings) -> str:
    """The file as an editor types it: relative to the project when inside it."""
    root = settings.get("PROJECT_ROOT") or os.getcwd()
    relative = os.path.relpath(path, root)
    return path if relative.startswith("..") else relative


def read_header(path) -> dict[str, tuple[str, int]]:
    """The header fields of a Markdown content file: lower-case name -> (value, line), continuations joined."""
    fields: dict[str, tuple[str, int]] = {}
    last = None
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                break
            if line[:1] in (" ", "\t") and last is not None:
                value, first = fields[last]
                fields[last] = (f"{value} {line.strip()}".strip(), first)
                continue
            key, sep, value = line.partition(":")
            if not sep:
                break
            last = key.strip().lower()
            fields[last] = (value.strip(), number)
    return fields


def write_sign_off(path, sign_off: SignOff) -> None:
    """Put the `Signed_off:` line into the file's header (replaced, else after Hiring_manager or Must_have)."""
    with open(path, encoding="utf-8-sig") as handle:
        lines = handle.read().split("\n")
    header_end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    line = f"Signed_off: {sign_off.line()}"
    keys = [ln.partition(":")[0].strip().lower() if ln[:1] not in (" ", "\t") else None for ln in lines[:header_end]]
    if "signed_off" in keys:
        at = keys.index("signed_off")
        end = at + 1
        while end < header_end and keys[end] is None:
            end += 1
        lines[at:end] = [line]
    else:
        anchor = next((keys.index(k) for k in ("hiring_manager", "must_have") if k in keys), header_end - 1)
        at = anchor + 1
        while at < header_end and keys[at] is None:
            at += 1
        lines.insert(at, line)
    temporary = f"{path}.tmp"
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        handle.write("\n".join(lines))
    os.replace(temporary, path)
