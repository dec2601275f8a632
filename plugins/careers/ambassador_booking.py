"""Booking links with the candidate's format, questions and job reference prefilled.

The same recipe runs twice: here at build time (the plain per-format links
that work without JavaScript) and in `theme/static/js/booking.js` (the live
link once the candidate has typed their questions). Both read the wording from
`booking_config`, and the encoding matches JavaScript's encodeURIComponent, so
the two always produce the same URL for the same choices.

- Cal.com: `notes` (plus `format` and `job`, which prefill booking questions
  with those identifiers if HR adds them to the event type);
- Calendly: `a1`, the answer to the event type's first custom question;
- mailto (RFC 6068): `subject` and `body`, percent-encoded, CRLF line breaks.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from .ambassador_fields import booking_kind

# What encodeURIComponent leaves alone; everything else is percent-encoded.
_JS_SAFE = "-_.!~*'()"
# A job reference as it may arrive in `?job=`: short and plain.
JOB_REF_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
FIELD_OF = {"calcom": "notes", "calendly": "a1"}


def encode(value: str) -> str:
    """Percent-encode like JavaScript's encodeURIComponent (UTF-8, %20 for spaces)."""
    return quote(value, safe=_JS_SAFE)


def texts(strings: dict[str, str], name: str) -> dict:
    """The wording of messages in one language, for Python and for booking.js."""
    first_name = name.split()[0] if name.split() else name
    return {
        "subject": strings["ambassadors.booking.subject"].replace("{name}", name),
        "greeting": strings["ambassadors.booking.greeting"].replace("{name}", first_name),
        "intro": strings["ambassadors.booking.intro"],
        "format_line": strings["ambassadors.booking.format_line"],
        "job_line": strings["ambassadors.booking.job_line"],
        "questions_heading": strings["ambassadors.booking.questions_heading"],
        "formats": {k.rsplit(".", 1)[1]: v for k, v in strings.items() if k.startswith("ambassadors.formats.")},
    }


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n").split("\n")


def notes(words: dict, *, fmt: str = "", questions: str = "", job: str = "", job_title: str = "") -> str:
    """The message the ambassador receives: format, job, then the questions."""
    lines = []
    if fmt:
        lines.append(words["format_line"].replace("{format}", words["formats"].get(fmt, fmt)))
    if job:
        lines.append(words["job_line"].replace("{job}", f"{job_title} ({job})" if job_title else job))
    if questions.strip():
        if lines:
            lines.append("")
        lines.append(words["questions_heading"])
        lines.extend(line.rstrip() for line in _lines(questions.strip()))
    return "\n".join(lines)


def booking_url(base: str, words: dict, *, fmt: str = "", questions: str = "", job: str = "", job_title: str = "") -> str:
    """The booking link for one choice of format, questions and job reference."""
    kind = booking_kind(base)
    job = job if job and JOB_REF_RE.fullmatch(job) else ""
    text = notes(words, fmt=fmt, questions=questions, job=job, job_title=job_title)
    params: list[tuple[str, str]] = []
    if kind == "mailto":
        subject = words["subject"]
        if fmt:
            subject += " — " + words["formats"].get(fmt, fmt)
        if job:
            subject += f" — {job}"
        body = words["greeting"] + "\n\n" + words["intro"] + ("\n\n" + text if text else "") + "\n"
        params = [("subject", subject), ("body", body.replace("\n", "\r\n"))]
    elif kind in FIELD_OF:
        if text:
            params.append((FIELD_OF[kind], text))
        if kind == "calcom":
            params += [("format", fmt), ("job", job)]
    else:
        return base
    query = "&".join(f"{key}={encode(value)}" for key, value in params if value)
    if not query:
        return base
    return base + ("&" if "?" in base else "?") + query


def booking_config(ambassador, words: dict, jobs: dict[str, str]) -> str:
    """JSON for booking.js: where to book, the wording, known job titles."""
    return json.dumps(
        {
            "kind": booking_kind(ambassador.booking),
            "base": ambassador.booking,
            "words": words,
            "jobs": jobs,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).replace("</", "<\\/")
