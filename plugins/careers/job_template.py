"""The texts `vivier new job` writes, and the check that none of them is published as they are.

A new ad starts with an example in every field and a body of guiding
sentences. Left as they are, they passed every check and would be published:
"One sentence that makes people want to apply.", a hiring manager who is
someone else's, an apply link with another job's reference. Each one left is
an error naming its line and what to write instead.
"""

from __future__ import annotations

import html
import re

from .fields import field_line

# Values `vivier new job --lang en` writes instead of the (French) field guide's examples.
ENGLISH_VALUES = {
    "summary": "One sentence that makes people want to apply.",
    "must_have": "Python, SQL, data modelling",
    "interview_steps": "30-minute call with the recruiter; Interview with the team; Meeting with the manager",
    "hiring_manager": "Claire Vasseur, head of data in Nantes",
}
# The body of a new ad: (heading, guiding sentence) per section.
BODY = {
    "fr": (("Votre mission", "Ce que la personne fera, avec qui, pour quels clients."),
           ("L'équipe", "Qui elle rejoint, comment l'équipe travaille."),
           ("Ce que nous offrons", "Rémunération, télétravail, formation, avantages.")),
    "en": (("Your mission", "What the person will do, with whom, for which clients."),
           ("The team", "Who they join, how the team works."),
           ("What we offer", "Pay, remote work, training, benefits.")),
}
# Fields whose example can only be a placeholder (a real ad may well ask for "Python, SQL").
CHECKED = ("summary", "hiring_manager", "interview_steps")
_TAGS = re.compile(r"<[^>]+>")


def body(lang: str) -> str:
    sections = BODY.get(lang, BODY["en"])
    return "\n".join(f"## {heading}\n\n{sentence}\n" for heading, sentence in sections)


def placeholders(schema) -> dict[str, set[str]]:
    """Every example value a new file may hold, per field."""
    found: dict[str, set[str]] = {}
    for spec in schema.fields:
        if spec.name in CHECKED and spec.example:
            found.setdefault(spec.name, set()).add(spec.example)
    for name, value in ENGLISH_VALUES.items():
        if name in CHECKED:
            found.setdefault(name, set()).add(value)
    return found


def _plain(value) -> str:
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    return html.unescape(_TAGS.sub("", str(value or ""))).strip()


def check_placeholders(job, examples: dict[str, set[str]], report) -> None:
    """Example values and guiding sentences left in one ad (cheap: no file read unless one is found)."""
    path = job.source_path
    for name in CHECKED:
        value = _plain(job.metadata.get(name) if name == "summary" else getattr(job, name, None))
        if value and value in examples.get(name, ()):
            report.error(path, name, f"still holds the example {value!r} that `vivier new job` wrote; write this job's own {name}",
                         "", field_line(path, name))
    content = html.unescape(job.content or "") if job.content else ""
    for sections in BODY.values():
        for heading, sentence in sections:
            if sentence in content:
                report.error(path, "body", f"the guiding sentence {sentence!r} under '## {heading}' is still there; "
                             "replace it with this job's text", "", _line_of(path, sentence))


def check_apply_references(jobs, report, example_reference: str = "") -> None:
    """An apply link that names another job's reference (or the example's) sends candidates to the wrong job.

    A reference made of letters, digits, `_` and `-` (every real one) is
    found in a link exactly when it is one of the link's maximal runs of
    those characters, so each link is split once and looked up in a set:
    linear in the number of jobs, where trying every reference in every link
    took 8 s at 5,000 jobs. Any other reference is searched as before.
    """
    references = {job.reference for job in jobs if job.reference} | ({example_reference} if example_reference else set())
    plain = {r for r in references if _TOKEN.fullmatch(r)}
    others = sorted(references - plain)
    for job in jobs:
        url = job.apply_url or ""
        if not url:
            continue
        found = sorted(t for t in set(_TOKEN.findall(url)) if t in plain and t != job.reference)
        found += [other for other in others if other != job.reference and _has_reference(url, other)]
        if found:
            other = found[0]
            whose = "the example `vivier new job` wrote" if other == example_reference else "another job"
            report.error(job.source_path, "apply_url", f"carries the reference {other!r} of {whose}, not this "
                         f"job's ({job.reference}): candidates would apply to the wrong job",
                         url.replace(other, job.reference or ""), field_line(job.source_path, "apply_url"))


_TOKEN = re.compile(r"[\w-]+")


def _has_reference(url: str, reference: str) -> bool:
    """`reference` stands alone in `url`: no letter, digit, `_` or `-` touches it on either side."""
    return bool(url) and re.search(rf"(?<![\w-]){re.escape(reference)}(?![\w-])", url) is not None


def _line_of(path, sentence) -> int | None:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if sentence in line:
                    return number
    except OSError:
        return None
    return None
