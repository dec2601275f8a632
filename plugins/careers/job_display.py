"""Human labels of a job's values (pay, contract, remote…), per language.

The page shows exactly what the JSON-LD and the feeds say, so the words are
computed once here and used by templates, feeds and the JSON index alike.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pelican.utils import slugify

SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "CHF": "CHF"}
COUNTRIES = {
    "fr": {"FR": "France", "BE": "Belgique", "CH": "Suisse", "LU": "Luxembourg", "DE": "Allemagne", "ES": "Espagne",
           "IT": "Italie", "PT": "Portugal", "NL": "Pays-Bas", "GB": "Royaume-Uni", "IE": "Irlande"},
    "en": {"FR": "France", "BE": "Belgium", "CH": "Switzerland", "LU": "Luxembourg", "DE": "Germany", "ES": "Spain",
           "IT": "Italy", "PT": "Portugal", "NL": "Netherlands", "GB": "United Kingdom", "IE": "Ireland"},
}


def country_name(code: str, lang: str) -> str:
    """'FR' → 'France'; unknown codes are shown as written."""
    return COUNTRIES.get(lang, COUNTRIES["en"]).get(code, code)


@lru_cache(maxsize=1024)  # a handful of distinct values (contracts, remote, working time) for thousands of jobs
def key_of(value: str) -> str:
    """'intérim' → 'interim', 'on-site' → 'on_site' (string-table keys)."""
    return slugify(value, regex_subs=[(r"[^\w\s-]", ""), (r"[-\s]+", "_")])


def number(value: Decimal, lang: str) -> str:
    """45000 → '45 000' (fr, narrow no-break space) or '45,000' (en)."""
    whole = value == value.to_integral_value()
    text = f"{value:,.0f}" if whole else f"{value:,.2f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def money(value: Decimal, currency: str, lang: str) -> str:
    symbol = SYMBOLS.get(currency, currency)
    if lang == "fr" or len(symbol) > 1:
        return f"{number(value, lang)}\u00a0{symbol}"
    return f"{symbol}{number(value, lang)}"


def salary_text(job, t) -> str:
    """'45 000 € – 55 000 € brut par an' / '€45,000 – €55,000 gross per year'."""
    if job.salary_min is None or job.salary_max is None:
        return ""
    lang = job.lang
    low, high = money(job.salary_min, job.salary_currency, lang), money(job.salary_max, job.salary_currency, lang)
    amount = low if job.salary_min == job.salary_max else f"{low} – {high}"
    return t("jobs.salary_range", lang, amount=amount, period=t(f"jobs.period.{job.salary_period}", lang))


def department_label(settings, key: str, lang: str) -> str:
    labels = (settings.get("JOBS_DEPARTMENTS") or {}).get(key) or {}
    return labels.get(lang) or labels.get(settings["DEFAULT_LANG"]) or key.replace("-", " ").capitalize()


def labels(job, t, settings) -> None:
    """Set the display attributes of a job in its own language."""
    lang = job.lang
    job.department_label = department_label(settings, job.department, lang)
    job.remote_label = t(f"jobs.remote.{key_of(job.remote)}", lang)
    job.contract_key = key_of(job.contract).replace("_", "-")
    job.contract_label = t(f"jobs.contract.{key_of(job.contract)}", lang)
    job.working_time_label = t(f"jobs.time.{key_of(job.working_time)}", lang)
    job.experience_label = t(f"jobs.experience.{job.experience}", lang)
    job.salary_text = salary_text(job, t)
    codes = [p.country for p in job.locations if p.country] + list(job.applicant_countries)
    job.country_names = {code: country_name(code, lang) for code in codes}
    job.location_labels = [place.city or country_name(place.country, lang) for place in job.locations]
