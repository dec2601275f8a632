"""Checks on the raw text of a content file, before its fields mean anything.

Markdown's header ends, without a word, at the first line that is not
`Field: value` (or at a blank line): every field after it becomes body text
and the build then lists five "missing" fields instead of the one line to
fix. A file saved in Latin-1 cannot be read at all; `![](photo.jpg)` publishes
an image nobody can hear; a Markdown file outside the folders the build reads
is never published. Each gets one error naming the file, the line and what
to write.
"""

from __future__ import annotations

import fnmatch
import os
import re

# Python-Markdown's own patterns (markdown.extensions.meta), so we see the header it sees.
_FIELD_RE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
_MORE_RE = re.compile(r"^[ ]{4,}(?P<value>.*)")
_BEGIN_RE = re.compile(r"^-{3}(\s.*)?")
_END_RE = re.compile(r"^(-{3}|\.{3})(\s.*)?")
# Field names Pelican and every content type read; a line of the body written `Note: …` is not one.
KNOWN_FIELDS = frozenset({
    "title", "slug", "reference", "lang", "status", "department", "locations", "location", "remote", "contract",
    "working_time", "salary_min", "salary_max", "salary_currency", "salary_period", "experience", "must_have",
    "nice_to_have", "hiring_manager", "apply_url", "apply_email", "date", "valid_through", "interview_steps",
    "applicant_countries", "summary", "author", "authors", "category", "tags", "image", "image_alt", "nav",
    "modified", "template", "translation", "start", "end", "timezone", "venue", "address", "postal_code", "city",
    "country", "online_url", "registration_url", "capacity", "segments", "name", "role", "team", "office",
    "languages", "topics", "formats", "booking", "photo", "photo_alt", "photo_consent", "consent_until",
    "questions", "subject", "preheader", "featured_jobs", "featured_articles", "featured_events",
    "bureau", "consentement_jusqu_au", "equipe", "équipe", "free", "langues", "monthly_cap", "plafond_mensuel",
    "poste", "previous_start", "reservation", "réservation", "revision", "sujets", "visibility",
    "ambassador", "articles", "cta", "cta-url", "cta_url", "events", "holdout", "if-nothing", "if_nothing", "jobs",
    "matches", "subject-b", "subject_b", "signed_off", "street_address",
})
HEADER = "header"
ENCODING = "encoding"


def header_problem(text: str) -> tuple[int, str, str] | None:
    """(line, message, example) when the header stops before its last field; else None."""
    lines = text.split("\n")
    start = 1 if lines and _BEGIN_RE.match(lines[0]) else 0
    fields, index = 0, start
    while index < len(lines):
        line = lines[index]
        if not line.strip() or (index > start and _END_RE.match(line)):
            break
        if _FIELD_RE.match(line):
            fields += 1
        elif not (fields and _MORE_RE.match(line)):
            following = _field_lines(lines, index + 1)
            if following:
                word, _, rest = line.strip().partition(" ")
                example = f"{word}: {rest.strip()}" if word.lower() in KNOWN_FIELDS else "Field: value"
                return (index + 1,
                        f"{line.strip()[:60]!r} is not 'Field: value', so the header ends here and "
                        f"{_names(following)} below it {'is' if len(following) == 1 else 'are'} not read; "
                        "add the ':' after the field's name (or remove the line)",
                        example)
            return None
        index += 1
    if not fields or index >= len(lines) or lines[index].strip():
        return None
    after = index
    while after < len(lines) and not lines[after].strip():
        after += 1
    following = _field_lines(lines, after, whole_paragraph=True)
    if following:
        return (index + 1,
                f"a blank line inside the header: it ends here, so {_names(following)} below it "
                f"{'is' if len(following) == 1 else 'are'} read as text; remove the blank line "
                "(one blank line goes between the header and the text)",
                "")
    return None


def _field_lines(lines, start, whole_paragraph=False) -> list[str]:
    """The known field names written `Field: value` from `start` to the next blank line.

    With `whole_paragraph`, every line of the paragraph must be one (a body
    paragraph that happens to start with `Date: …` is text).
    """
    names, fields = [], 0
    for line in lines[start:]:
        if not line.strip():
            break
        match = _FIELD_RE.match(line)
        if match and match.group("key").lower() in KNOWN_FIELDS:
            names.append(match.group("key"))
        elif match and match.group("key")[:1].isupper():  # a field of a type added since (`Signed_off: …`)
            fields += 1
        elif whole_paragraph and not ((names or fields) and _MORE_RE.match(line)):
            return []
    return names


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:4]) + (", …" if len(names) > 4 else "")
    return f"the field{'s' if len(names) > 1 else ''} {shown}"


def decode(data: bytes) -> tuple[str, tuple[int, str, str] | None]:
    """The file's text, and a problem when it is not UTF-8 (then decoded anyway, so the build goes on)."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start:exc.start + 1].hex()
        hint = " (probably Latin-1 or Windows-1252)" if _is_latin1_text(data) else ""
        message = (f"is not UTF-8{hint}: byte 0x{byte} on this line cannot be read; "
                   "save the file as UTF-8 in your editor (in VS Code: 'Save with Encoding' → UTF-8)")
        return data.decode("utf-8-sig", errors="replace"), (line, message, "")


def _is_latin1_text(data: bytes) -> bool:
    return any(0xC0 <= b <= 0xFF for b in data)


# `![](src)` or `![   ](src "title")`; `![text](src)` and reference images `![][id]` with text are fine.
_EMPTY_ALT_RE = re.compile(r"!\[\s*\]\s*[\(\[]")
_CODE_FENCE_RE = re.compile(r"^\s*(```|~~~)")


def empty_alts(text: str) -> list[tuple[int, str, str]]:
    """Each Markdown image without a text alternative, with its line (code blocks left out)."""
    problems, fenced = [], False
    for number, line in enumerate(text.split("\n"), start=1):
        if _CODE_FENCE_RE.match(line):
            fenced = not fenced
            continue
        if fenced or line.startswith("    "):
            continue
        for match in _EMPTY_ALT_RE.finditer(re.sub(r"`[^`]*`", "", line)):
            problems.append((number, "image without a text alternative: screen readers say nothing, or its file name; "
                             "write what the image shows between the brackets", "![L'équipe data devant le tableau](photo.jpg)"))
    return problems


def check_text(path: str, text: str, report) -> None:
    """The header and the images of one file."""
    problem = header_problem(text)
    if problem:
        report.error(path, HEADER, problem[1], problem[2], problem[0])
    for line, message, example in empty_alts(text):
        report.error(path, "image", message, example, line)


def header_broken(report, path) -> bool:
    """Whether `path`'s header stopped early or its text could not be decoded: its "missing" or garbled
    fields are that one problem, not others."""
    path = str(path)
    return any(p.path == path and p.field in (HEADER, ENCODING) for p in getattr(report, "problems", ()))


def read_folders(settings) -> list[str]:
    """The folders under PATH whose Markdown files some generator reads ('' is the whole folder)."""
    folders = list(settings.get("ARTICLE_PATHS", [])) + list(settings.get("PAGE_PATHS", []))
    folders += list(settings.get("ARTICLE_EXCLUDES", []))  # excluded from articles because another type reads them
    folders += list(settings.get("JOBS_CONTENT_PATHS", ["jobs"])) + list(settings.get("AMBASSADORS_PATHS", ["ambassadors"]))
    folders.append(settings.get("EVENTS_PATH", "events"))
    return list(dict.fromkeys(f.strip("/") for f in folders))


def stray_files(settings) -> list[str]:
    """Markdown files under PATH that no generator reads (`content/zz.md`), relative to PATH."""
    root = settings["PATH"]
    folders = read_folders(settings)
    if any(f in ("", ".") for f in folders):
        return []
    extensions = (".md", ".markdown", ".mdown", ".mkd")
    ignores = settings.get("IGNORE_FILES", [])
    static = [s.strip("/") for s in settings.get("STATIC_PATHS", [])]
    read = tuple(f + "/" for f in folders + static)
    found = []
    # A folder some generator reads is not walked: none of its files can be stray (at 5,000 job ads the
    # walk and a relative path per file cost every build about 0.1 s).
    for dirpath, dirs, files in os.walk(root):
        here = os.path.relpath(dirpath, root).replace(os.sep, "/")
        prefix = "" if here == "." else here + "/"
        dirs[:] = sorted(d for d in dirs if not any(fnmatch.fnmatch(d, i) for i in ignores)
                         and not (prefix + d + "/").startswith(read))
        for name in sorted(files):
            if not name.lower().endswith(extensions) or any(fnmatch.fnmatch(name, i) for i in ignores):
                continue
            rel = prefix + name
            if not rel.startswith(read):
                found.append(rel)
    return found


def check_stray_files(settings, report) -> None:
    folders = ", ".join(f"{f}/" for f in read_folders(settings))
    for rel in stray_files(settings):
        report.error(os.path.join(settings["PATH"], rel), "file",
                     f"is outside the folders the build reads ({folders}), so it is never published; "
                     "move it into one of them (articles/, pages/, jobs/…) or delete it", "")
