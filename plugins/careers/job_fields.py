"""The fields of a job ad: schema, vocabularies and the location parser."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from pelican.utils import slugify

from . import fields as f
from .job_signoff import parse_sign_off

REMOTE = ["on-site", "hybrid", "remote"]
REMOTE_ALIASES = {
    "sur site": "on-site", "présentiel": "on-site", "presentiel": "on-site", "onsite": "on-site", "on site": "on-site",
    "hybride": "hybrid", "télétravail partiel": "hybrid",
    "télétravail": "remote", "teletravail": "remote", "full remote": "remote", "100% télétravail": "remote",
    "fully remote": "remote", "à distance": "remote",
}
CONTRACTS = ["CDI", "CDD", "alternance", "stage", "freelance", "intérim"]
CONTRACT_ALIASES = {
    "interim": "intérim", "apprentissage": "alternance", "apprenticeship": "alternance",
    "internship": "stage", "intern": "stage", "permanent": "CDI", "fixed-term": "CDD",
    "contractor": "freelance", "indépendant": "freelance", "temporary": "intérim",
}
WORKING_TIME = ["full-time", "part-time"]
WORKING_TIME_ALIASES = {"temps plein": "full-time", "temps partiel": "part-time", "full time": "full-time", "part time": "part-time"}
EXPERIENCE = ["entry", "junior", "confirmed", "senior", "lead"]
EXPERIENCE_ALIASES = {
    "débutant": "entry", "debutant": "entry", "débutant accepté": "entry", "entry level": "entry",
    "confirmé": "confirmed", "confirme": "confirmed", "intermediate": "confirmed", "mid": "confirmed",
    "mid-level": "confirmed", "expert": "lead", "principal": "lead",
}
PERIODS = ["year", "month", "day", "hour"]
PERIOD_ALIASES = {
    "an": "year", "année": "year", "annuel": "year", "yearly": "year", "annual": "year",
    "mois": "month", "mensuel": "month", "monthly": "month",
    "jour": "day", "journalier": "day", "daily": "day", "tjm": "day",
    "heure": "hour", "horaire": "hour", "hourly": "hour",
}
STATUSES = ["open", "closed", "draft"]
STATUS_ALIASES = {"ouverte": "open", "ouvert": "open", "fermée": "closed", "fermé": "closed", "pourvue": "closed", "pourvu": "closed", "filled": "closed", "brouillon": "draft"}

COUNTRY_NAMES = {
    "france": "FR", "belgique": "BE", "belgium": "BE", "suisse": "CH", "switzerland": "CH",
    "luxembourg": "LU", "allemagne": "DE", "germany": "DE", "espagne": "ES", "spain": "ES",
    "italie": "IT", "italy": "IT", "portugal": "PT", "pays-bas": "NL", "netherlands": "NL",
    "royaume-uni": "GB", "united kingdom": "GB", "irlande": "IE", "ireland": "IE",
}
_POSTAL_RE = re.compile(r"[0-9][0-9A-Z -]{2,9}", re.I)


@dataclass(frozen=True)
class Location:
    """Where a job is: a city (or only a country, for remote jobs) and its country."""

    city: str | None
    country: str | None  # ISO 3166-1 alpha-2, None when the editor forgot it
    region: str | None = None
    postal_code: str | None = None
    raw: str = ""
    street_address: str | None = None  # from the job's Street_address field (careers/places.py)

    @property
    def key(self) -> str:
        """Slug used in facet URLs and feed names ('lyon')."""
        return _place_key(self.city or self.country or "")

    def __str__(self) -> str:
        return ", ".join(p for p in (self.city, self.postal_code, self.region, self.country) if p)


@lru_cache(maxsize=4096)
def _place_key(name: str) -> str:
    # Facets, feeds and similar jobs ask for the same few keys thousands of times per build.
    return slugify(name, regex_subs=[(r"[^\w\s-]", ""), (r"[-\s]+", "-")])


def _country(part: str) -> str | None:
    part = part.strip()
    if re.fullmatch(r"[A-Za-z]{2}", part):
        return part.upper()
    return COUNTRY_NAMES.get(part.casefold())


def location(value) -> Location:
    """'Lyon, FR', 'Nantes, 44000, FR', 'Lyon, 69002, Auvergne-Rhône-Alpes, FR' or 'FR'."""
    raw = f._text(value)
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts:
        raise f.FieldValueError("has an empty location")
    country = _country(parts[-1])
    if country:
        parts = parts[:-1]
    if not parts:
        return Location(None, country, raw=raw)
    city, rest = parts[0], parts[1:]
    postal = region = None
    for part in rest:
        if postal is None and _POSTAL_RE.fullmatch(part):
            postal = part
        elif region is None:
            region = part
        else:
            raise f.FieldValueError(f"{raw!r} has too many parts; write 'City, postal code, region, country'")
    return Location(city, country, region, postal, raw)


def date_posted(value) -> dt.datetime:
    """A date, or a date and time; made aware in the site's zone by the caller."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    raw = f._text(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return dt.datetime.combine(f.date()(raw), dt.time())
    return f.datetime_in()(raw)


def skills(value) -> list[str]:
    """Comma-separated skills; commas inside parentheses stay ('observabilité (Prometheus, Grafana)')."""
    value = f._raw(value)
    text = ", ".join(f._text(v) for v in value) if isinstance(value, (list, tuple)) else f._text(value)
    f.no_brackets(text)
    return [p.strip() for p in re.split(r",(?![^()]*\))", text) if p.strip()]


def department(settings):
    known = settings.get("JOBS_DEPARTMENTS") or {}
    if known:
        return f.choice(list(known))

    def parse(value):
        raw = f._text(value)
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", raw):
            raise f.FieldValueError(f"{raw!r} is not a key like 'data' or 'cloud-devops' (lower case, digits, hyphens)")
        return raw

    return parse


def job_schema(settings) -> f.Schema:
    languages = settings.get("CAREERS_LANGUAGES", ["fr", "en"])
    departments = ", ".join(settings.get("JOBS_DEPARTMENTS") or {}) or "any key"
    fields = [
        f.Field("title", f.text(max_length=110, plain=True), required=True, example="Ingénieur·e data (H/F)",
                help="job title, gender-neutral (both forms, a middle dot or H/F)"),
        f.Field("slug", f.text(), example="ingenieur-data-nantes",
                help="the page address; translations keep the same slug"),
        f.Field("reference", f.text(max_length=40), required=True, example="CC-2026-014",
                help="stable reference shared by the translations, never reused"),
        f.Field("lang", f.language(languages), example="fr", help=f"language of this version: {', '.join(languages)}"),
        f.Field("status", f.choice(STATUSES, STATUS_ALIASES), default="open", example="open",
                help="open, closed (position filled) or draft (not published)"),
        f.Field("department", department(settings), required=True, example="data", help=f"one of: {departments}"),
        f.Field("locations", f.list_of(location, separator=";"), required=True, example="Nantes, 44000, FR",
                aliases=("location",), help="'City, postal code, country' separated by ';' — the country as a two-letter code"),
        f.Field("street_address", f.list_of(separator=";"), default=list, example="18 rue des Tisserands",
                help="optional: the street address of each city of Locations, in the same order, separated by ';'"),
        f.Field("remote", f.choice(REMOTE, REMOTE_ALIASES), required=True, example="hybrid",
                help="on-site, hybrid or remote (remote = fully remote)"),
        f.Field("contract", f.choice(CONTRACTS, CONTRACT_ALIASES), required=True, example="CDI",
                help=", ".join(CONTRACTS)),
        f.Field("working_time", f.choice(WORKING_TIME, WORKING_TIME_ALIASES), default="full-time",
                example="full-time", help="full-time or part-time"),
        f.Field("salary_min", f.decimal(), example="42000", help="lowest gross pay of the range"),
        f.Field("salary_max", f.decimal(), example="50000", help="highest gross pay of the range"),
        f.Field("salary_currency", f.choice(["EUR", "GBP", "CHF", "USD"]), example="EUR", help="EUR, GBP, CHF or USD"),
        f.Field("salary_period", f.choice(PERIODS, PERIOD_ALIASES), default="year", example="year",
                help="year, month, day or hour"),
        f.Field("experience", f.choice(EXPERIENCE, EXPERIENCE_ALIASES), required=True, example="confirmed",
                help=", ".join(EXPERIENCE)),
        f.Field("must_have", skills, required=True, example="Python, SQL, modélisation de données",
                help="skills the hiring manager and the recruiter agreed are indispensable, comma-separated"),
        f.Field("nice_to_have", skills, default=list, example="dbt, Airflow",
                help="skills that are a plus, never a reason to reject"),
        f.Field("hiring_manager", f.text(max_length=80), required=True, example="Claire Vasseur, responsable data Nantes"),
        f.Field("signed_off", parse_sign_off, example="",
                help="who agreed to the must-haves, as what, when, and their hash; never published. "
                     "Written by the `vivier job sign-off FILE` command (its options: `vivier job sign-off -h`), not by hand"),
        f.Field("apply_url", f.url(), example="https://recrutement.cardamome.example/candidature/CC-2026-014",
                help="where to apply (or Apply_email)"),
        f.Field("apply_email", f.email(), example="recrutement@cardamome.example", help="where to apply (or Apply_url)"),
        f.Field("date", date_posted, example="2026-11-02 09:00", help="date the ad is published, YYYY-MM-DD HH:MM"),
        f.Field("valid_through", f.date(), example="2027-01-31",
                help="last day the ad is open (default: date + JOBS_VALID_DAYS)"),
        f.Field("interview_steps", f.list_of(separator=";"), default=list,
                example="Appel de 30 minutes avec la recrutrice; Entretien avec l'équipe; Rencontre avec la manageuse",
                help="the steps of the process, separated by ';'"),
        f.Field("applicant_countries", f.list_of(lambda v: _country(v) or _bad_country(v)), default=list,
                example="FR, BE", help="fully remote jobs: countries applicants may live in (default: the locations' countries)"),
        f.Field("summary", lambda v: v, example="Une phrase qui donne envie de postuler.",
                help="one sentence shown on the listing and in feeds"),
    ]
    return f.Schema(
        "job",
        fields,
        passthrough=frozenset({"template", "reader", "modified", "translation", "save_as", "url", "path"}),
    )


def _bad_country(value):
    raise f.FieldValueError(f"{value!r} is not a two-letter country code")
