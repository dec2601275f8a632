"""Collect every content problem of a build, then report them all at once.

Editors fix a whole pull request in one go when the build lists every problem
(file, field, what is wrong, what to write instead) instead of stopping at the
first one. Each Pelican run gets a fresh report (see `careers.register`).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

REPORT_KEY = "CAREERS_CONTENT_REPORT"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in one content file."""

    path: str
    field: str
    message: str
    example: str = ""
    line: int | None = None
    severity: str = "error"  # or "warning"

    def format(self, root: str | None = None) -> str:
        path = os.path.relpath(self.path, root) if root and os.path.isabs(self.path) else self.path
        where = f"{path}:{self.line}" if self.line else path
        text = f"{where}: {self.field}: {self.message}"
        if self.example:
            text += f" (for example: {self.example})"
        return text


class ContentError(Exception):
    """Raised once per build when the report holds errors; Pelican exits non-zero."""

    exitcode = 1

    def __init__(self, problems: list[Problem], root: str | None = None):
        self.problems = problems
        lines = [p.format(root) for p in problems]
        noun = "problem" if len(lines) == 1 else "problems"
        super().__init__(
            f"{len(lines)} content {noun} must be fixed before the site can be published:\n  "
            + "\n  ".join(lines)
        )


@dataclass
class ContentReport:
    """The problems found in one build, errors and warnings alike."""

    root: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # Set once the site's content passed (careers.validate_build): its pages are being written, so an
    # error raised later (an email's) leaves them updated; `vivier build` says so instead of "nothing was published".
    site_validated: bool = False
    # Files whose problems were filed while our reader read them: a cached read would not file them again.
    read_with_problems: set[str] = field(default_factory=set)

    def __reduce__(self):
        # Pelican pickles settings into its content cache: a cached file must
        # not carry an old build's problems into the next one.
        return (ContentReport, (self.root,))

    def error(self, path, field, message, example="", line=None):
        self.problems.append(Problem(str(path), field, message, example, line, "error"))

    def warning(self, path, field, message, example="", line=None):
        self.problems.append(Problem(str(path), field, message, example, line, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def has_errors_for(self, path) -> bool:
        return any(p.path == str(path) and p.severity == "error" for p in self.problems)

    def raise_if_errors(self) -> None:
        """Log the warnings, then raise one ContentError listing every error."""
        for warning in self.warnings:
            logger.warning("%s", warning.format(self.root))
        errors = self.errors
        if errors:
            raise ContentError(sorted(errors, key=lambda p: (p.path, p.line or 0, p.field)), self.root)


def get_report(settings) -> ContentReport:
    """The current build's report, created on first use."""
    report = settings.get(REPORT_KEY)
    if report is None:
        report = settings[REPORT_KEY] = ContentReport(root=settings.get("PATH"))
    return report


def reset_report(settings) -> ContentReport:
    settings[REPORT_KEY] = ContentReport(root=settings.get("PATH"))
    return settings[REPORT_KEY]
