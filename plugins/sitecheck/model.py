"""What a check reports: problems naming the file, the place and the fix."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the built site, with what to do about it."""

    check: str
    path: str  # relative to the output folder, with forward slashes
    message: str
    fix: str = ""
    line: int | None = None
    severity: str = "error"  # "error" fails the check; "warning" is only shown

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def where(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def format(self) -> str:
        text = f"{self.where()}: {self.message}"
        return f"{text} — fix: {self.fix}" if self.fix else text


@dataclass
class CheckResult:
    """The outcome of one check over the whole site."""

    name: str
    title: str
    problems: list[Problem] = field(default_factory=list)
    checked: int = 0
    unit: str = "files"
    seconds: float = 0.0
    skipped: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        return self.skipped or not self.errors
