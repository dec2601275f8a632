"""Defaults and start-up checks of the `JOBS_…` settings (job ads)."""

from __future__ import annotations

from .settings import SettingsError

DEFAULTS = {
    # Folders (under PATH) holding job ads.
    "JOBS_CONTENT_PATHS": ["jobs"],
    # Days an ad stays open when it has no Valid_through.
    "JOBS_VALID_DAYS": 60,
    # EU Pay Transparency Directive: an ad without a pay range fails the build.
    "JOBS_REQUIRE_SALARY": True,
    # Salary_max may be at most this many times Salary_min: '1 – 900 000 €' tells a candidate nothing.
    "JOBS_SALARY_MAX_RATIO": 2,
    "JOBS_DEFAULT_CURRENCY": "EUR",
    # Department keys (used in URLs and facets) and their labels per language.
    # Empty: any slug-like key is accepted and shown as written.
    "JOBS_DEPARTMENTS": {},
    # Interview steps shown on a job page that does not list its own.
    "JOBS_INTERVIEW_STEPS": {"fr": [], "en": []},
    # The discriminatory-wording rule list; None means the built-in one.
    "JOBS_RULES_FILE": None,
    "JOBS_SIMILAR": 3,
    "JOBS_HOME_COUNT": 4,
    # Newest open jobs in each Atom/RSS feed (Pelican's FEED_MAX_ITEMS is 100 too); None: every open job.
    # The Indeed and JSON feeds always list every open job.
    "JOBS_FEED_MAX_ITEMS": 100,
    # Convert the job ads on two cores when many are not in Pelican's cache (careers/prefetch.py).
    "JOBS_PARALLEL_READING": True,
    "JOBS_REFERENCE_PREFIX": "JOB",
    # Must-haves: at most this many per ad, each a skill of the pool's vocabulary
    # (POOL_SKILLS_PATH) written in at most this many words.
    "JOBS_MUST_HAVE_MAX": 5,
    "JOBS_MUST_HAVE_MAX_WORDS": 4,
    # An ad without the hiring manager's sign-off (Signed_off) fails the check
    # when True, else it is a warning. Must-haves changed after a sign-off always fail.
    "JOBS_REQUIRE_SIGN_OFF": False,
    # Days a closed or expired job stays in the sitemap (lastmod: the day it closed) so search engines recrawl it.
    "JOBS_RECRAWL_DAYS": 30,
}

# URL patterns per language, relative to the site root. Facet names (the keys
# of FACET_SEGMENTS) are also the query-string names used by facets.js.
PATHS = {
    "fr": {"list": "emplois/", "job": "emplois/{slug}/", "index": "emplois/index.json"},
    "en": {"list": "en/jobs/", "job": "en/jobs/{slug}/", "index": "en/jobs/index.json"},
}
FACET_SEGMENTS = {
    "department": {"fr": "departement", "en": "department"},
    "location": {"fr": "lieu", "en": "location"},
    "remote": {"fr": "teletravail", "en": "remote"},
    "contract": {"fr": "contrat", "en": "contract"},
    "experience": {"fr": "experience", "en": "experience"},
}


def paths(settings, lang: str) -> dict[str, str]:
    """URL patterns of one language (other languages live under '{lang}/jobs/')."""
    if lang in PATHS:
        return PATHS[lang]
    return {k: v.replace("en/", f"{lang}/", 1) for k, v in PATHS["en"].items()}


def facet_url(settings, lang: str, facet: str, key: str) -> str:
    segment = FACET_SEGMENTS[facet].get(lang, FACET_SEGMENTS[facet]["en"])
    return f"{paths(settings, lang)['list']}{segment}/{key}/"


def apply_defaults(settings: dict) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)


def validate(settings: dict) -> None:
    """Name the setting that is wrong, before any file is read."""
    problems = []
    days = settings.get("JOBS_VALID_DAYS")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        problems.append(f"JOBS_VALID_DAYS must be a whole number of days (at least 1), not {days!r}")
    departments = settings.get("JOBS_DEPARTMENTS")
    if not isinstance(departments, dict) or not all(isinstance(v, dict) for v in departments.values()):
        problems.append("JOBS_DEPARTMENTS must be {key: {lang: label}}, e.g. {'data': {'fr': 'Data & IA', 'en': 'Data & AI'}}")
    steps = settings.get("JOBS_INTERVIEW_STEPS")
    if not isinstance(steps, dict):
        problems.append("JOBS_INTERVIEW_STEPS must be {lang: [step, …]}")
    for key in ("JOBS_SIMILAR", "JOBS_HOME_COUNT", "JOBS_RECRAWL_DAYS"):
        value = settings.get(key)
        if not isinstance(value, int) or value < 0:
            problems.append(f"{key} must be a whole number, not {value!r}")
    for key in ("JOBS_MUST_HAVE_MAX", "JOBS_MUST_HAVE_MAX_WORDS"):
        value = settings.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(f"{key} must be a whole number (at least 1), not {value!r}")
    ratio = settings.get("JOBS_SALARY_MAX_RATIO")
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or ratio < 1:
        problems.append(f"JOBS_SALARY_MAX_RATIO must be a number of at least 1 (Salary_max / Salary_min), not {ratio!r}")
    cap = settings.get("JOBS_FEED_MAX_ITEMS")
    if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 1):
        problems.append(f"JOBS_FEED_MAX_ITEMS must be a whole number of entries (at least 1) or None, not {cap!r}")
    if problems:
        raise SettingsError("Invalid settings in pelicanconf.py:\n  " + "\n  ".join(problems))
