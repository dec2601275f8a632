"""Read and check a sign-up or preferences form: every problem tied to its field, none raised.

The values come as lists per field (a checkbox group is one name repeated),
as the web application's `Request.form_lists()` reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from talentpool.models import is_valid_email

from .settings import CONSENTS, REMOTE, RHYTHMS

HONEYPOT = "website"  # hidden from people and assistive technology; bots fill it
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_NAME = 80
MAX_SKILL = 40


def one_line(value: str, limit: int) -> str:
    return " ".join(_CONTROL.sub(" ", value or "").split())[:limit]


def split_skills(text: str) -> list[str]:
    """'Python, SQL ; dbt' -> ['Python', 'SQL', 'dbt'] (duplicates dropped, case kept)."""
    seen, skills = set(), []
    for raw in re.split(r"[,;\n]", text or ""):
        skill = one_line(raw, 200)
        if skill and skill.casefold() not in seen:
            seen.add(skill.casefold())
            skills.append(skill)
    return skills


@dataclass
class Choices:
    """What a person chose in the form, cleaned; `errors` maps a field to a message key."""

    email: str = ""
    first_name: str = ""
    language: str = ""
    departments: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    remote: str = "any"
    skills: list[str] = field(default_factory=list)
    consents: list[str] = field(default_factory=list)
    open_to_unlisted: bool = False
    rhythm: str = "instant"
    errors: dict[str, str] = field(default_factory=dict)
    bot: bool = False

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("errors", "bot")}

    @classmethod
    def from_json(cls, data: dict) -> "Choices":
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def _pick(values: list[str], allowed, field_name: str, errors: dict) -> list[str]:
    chosen = [v for v in dict.fromkeys(v.strip() for v in values) if v]
    if any(v not in allowed for v in chosen):
        errors[field_name] = "unknown_choice"
    return [v for v in chosen if v in allowed]


def read_choices(values: dict[str, list[str]], settings: dict, *, with_email: bool = True) -> Choices:
    """Clean and check a submitted form; problems go to `errors`, never raised."""
    first = lambda name: (values.get(name) or [""])[0]  # noqa: E731
    errors: dict[str, str] = {}
    choices = Choices(bot=bool(first(HONEYPOT).strip()))
    if with_email:
        choices.email = first("email").strip()
        if not choices.email:
            errors["email"] = "email_missing"
        elif not is_valid_email(choices.email):
            errors["email"] = "email_invalid"
    name = first("first_name")
    choices.first_name = one_line(name, MAX_NAME)
    if len(name.strip()) > MAX_NAME:
        errors["first_name"] = "name_too_long"
    languages = list(settings.get("CAREERS_LANGUAGES") or ["fr", "en"])
    choices.language = first("language").strip() or settings.get("DEFAULT_LANG", languages[0])
    if choices.language not in languages:
        errors["language"] = "unknown_choice"
        choices.language = languages[0]
    choices.departments = _pick(values.get("departments", []), settings.get("JOBS_DEPARTMENTS") or {}, "departments", errors)
    choices.locations = _pick(values.get("locations", []), settings.get("COMMUNITY_LOCATIONS") or [], "locations", errors)
    remote = first("remote").strip() or "any"
    choices.remote = remote if remote in REMOTE else "any"
    if remote not in REMOTE:
        errors["remote"] = "unknown_choice"
    choices.skills = split_skills(first("skills"))
    if len(choices.skills) > settings.get("COMMUNITY_SKILLS_MAX", 15):
        errors["skills"] = "too_many_skills"
    elif any(len(s) > MAX_SKILL for s in choices.skills):
        errors["skills"] = "skill_too_long"
    choices.consents = [kind for kind in CONSENTS if first(f"consent_{kind}").strip()]
    choices.open_to_unlisted = bool(first("open_to_unlisted").strip())
    rhythm = first("rhythm").strip() or "instant"
    choices.rhythm = rhythm if rhythm in RHYTHMS else "instant"
    if rhythm not in RHYTHMS:
        errors["rhythm"] = "unknown_choice"
    if with_email and not choices.consents:
        errors["consents"] = "no_consent"
    if "job_alerts" in choices.consents and not (choices.departments or choices.skills) and "departments" not in errors:
        errors["departments"] = "alerts_need_interest"
    choices.errors = errors
    return choices
