"""The pool's skill vocabulary: the skill names members carry, and the other ways ads write them.

`audiences/skills.yml` (setting `POOL_SKILLS_PATH`) lists each skill once by
the name imports store in members' `skills` ("spring"), with the spellings a
job ad may use for it ("Spring Boot", "tests automatisés" / "automated
testing"). A must-have can be matched against the pool only when it names one
of these skills; the job check and the pool fit both read this file.
Comparison ignores case, accents and spacing.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from .yaml_load import safe_load


class VocabularyError(ValueError):
    """An invalid vocabulary file; the message names the file and every bad entry."""

    def __init__(self, path, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(f"{path}: invalid skill vocabulary\n" + "\n".join(f"  - {p}" for p in problems))


@functools.lru_cache(maxsize=1 << 14)
def fold(text: str) -> str:
    """'  Données_Cloud ' -> 'donnees cloud' (case, accents and spacing ignored)."""
    text = unicodedata.normalize("NFKD", str(text or "")).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s_]+", " ", text).strip()


@dataclass(frozen=True)
class Vocabulary:
    """Skill name -> its spellings; `canonical` maps any spelling to the skill name members carry."""

    skills: dict[str, tuple[str, ...]]
    path: Path | None = None

    @functools.cached_property
    def _lookup(self) -> dict[str, str]:
        table = {}
        for name, aliases in self.skills.items():
            for spelling in (name, *aliases):
                table[fold(spelling)] = name
        return table

    def known(self, term: str) -> bool:
        return fold(term) in self._lookup

    def canonical(self, term: str) -> str:
        """The vocabulary's name of `term`, folded; an unknown term is only folded."""
        return fold(self._lookup.get(fold(term), term))

    def suggest(self, term: str) -> str | None:
        """The closest known spelling, for a 'did you mean'."""
        spellings = {fold(s): s for name, aliases in self.skills.items() for s in (name, *aliases)}
        close = difflib.get_close_matches(fold(term), list(spellings), n=1, cutoff=0.6)
        return spellings[close[0]] if close else None


EMPTY = Vocabulary({})


def load_vocabulary(path: str | Path) -> Vocabulary:
    """The vocabulary of a YAML file (`skills: {name: [spelling, …]}`); EMPTY when the file is absent."""
    path = Path(path)
    if not path.exists():
        return EMPTY
    return _load(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _load(path: Path, _stamp: int) -> Vocabulary:
    try:
        data = safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise VocabularyError(path, [f"not valid YAML: {exc}"]) from None
    skills = data.get("skills") if isinstance(data, dict) else None
    if not isinstance(skills, dict):
        raise VocabularyError(path, ["expected `skills:` followed by `name: [other spelling, …]` lines"])
    problems, result, owner = [], {}, {}
    for name, aliases in skills.items():
        aliases = [] if aliases is None else aliases
        if not isinstance(name, str) or not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.append(f"{name}: expected a list of spellings, like `spring: [spring boot]`")
            continue
        for spelling in (name, *aliases):
            other = owner.setdefault(fold(spelling), name)
            if other != name:
                problems.append(f"{name}: {spelling!r} is already a spelling of {other!r}; keep it in one place")
        result[name] = tuple(aliases)
    if problems:
        raise VocabularyError(path, problems)
    return Vocabulary(result, path)
