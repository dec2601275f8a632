"""Job field parsers and display helpers, on their own."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from careers.fields import FieldValueError
from careers.job_display import salary_text
from careers.job_fields import location, skills
from careers.jsonld import employment_type


def test_locations_parse_city_postal_code_region_and_country():
    place = location("Lyon, 69002, Auvergne-Rhône-Alpes, FR")
    assert (place.city, place.postal_code, place.region, place.country, place.key) == ("Lyon", "69002", "Auvergne-Rhône-Alpes", "FR", "lyon")
    assert location("Saint-Étienne, france").country == "FR" and location("Saint-Étienne, FR").key == "saint-etienne"
    assert location("FR").city is None and location("FR").country == "FR"
    assert location("Lyon").country is None  # reported by the rule check
    with pytest.raises(FieldValueError):
        location("Lyon, 69002, Rhône, Métropole, extra, FR")


def test_skills_keep_commas_inside_parentheses():
    assert skills("Kubernetes, observabilité (Prometheus, Grafana), Go") == ["Kubernetes", "observabilité (Prometheus, Grafana)", "Go"]


@pytest.mark.parametrize("contract,time,expected", [
    ("CDI", "full-time", ["FULL_TIME"]),
    ("CDI", "part-time", ["PART_TIME"]),
    ("CDD", "full-time", ["FULL_TIME", "TEMPORARY"]),
    ("intérim", "full-time", ["FULL_TIME", "TEMPORARY"]),
    ("stage", "full-time", ["FULL_TIME", "INTERN"]),
    ("alternance", "full-time", ["FULL_TIME", "INTERN"]),
    ("freelance", "full-time", ["CONTRACTOR"]),
])
def test_employment_type_mapping(contract, time, expected):
    assert employment_type(contract, time) == expected


def test_salary_text_per_language():
    strings = {
        ("jobs.salary_range", "fr"): "{amount} brut {period}", ("jobs.period.year", "fr"): "par an",
        ("jobs.salary_range", "en"): "{amount} gross {period}", ("jobs.period.day", "en"): "per day",
    }

    def t(key, lang, **values):
        return strings[(key, lang)].format(**values)

    fr = SimpleNamespace(lang="fr", salary_min=Decimal(45000), salary_max=Decimal(55000), salary_currency="EUR", salary_period="year")
    en = SimpleNamespace(lang="en", salary_min=Decimal(450), salary_max=Decimal(450), salary_currency="EUR", salary_period="day")
    assert salary_text(fr, t) == "45\u202f000\u00a0€ – 55\u202f000\u00a0€ brut par an"
    assert salary_text(en, t) == "€450 gross per day"
