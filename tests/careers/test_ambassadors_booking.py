"""Booking links: prefilled format, questions and job reference, correctly encoded."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from careers import ambassador_fields as af
from careers.ambassador_booking import booking_url, encode, texts
from tests.conftest import ROOT

SETTINGS = {"THEME": str(ROOT / "theme"), "DEFAULT_LANG": "fr"}
QUESTIONS = "Comment se passe l'intégration ?\nTélétravail & bureau : quel équilibre ?\n\n  Et les « intercontrats » ?  "


def words(lang="fr", name="Léa Martin"):
    return texts(af.strings(SETTINGS, lang), name)


def test_encoding_matches_encode_uri_component():
    assert encode("é & ?/#+=\r\n") == "%C3%A9%20%26%20%3F%2F%23%2B%3D%0D%0A"
    assert encode("l'(a)*!~._-") == "l'(a)*!~._-"


def test_calcom_link_carries_format_questions_and_job():
    url = booking_url("https://cal.com/cardamome/lea-martin", words(), fmt="walking", questions=QUESTIONS,
                      job="CC-2026-017", job_title="Ingénieur·e data (H/F)")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert query["format"] == ["walking"] and query["job"] == ["CC-2026-017"]
    assert query["notes"] == [
        "Format souhaité : en marchant\n"
        "Offre concernée : Ingénieur·e data (H/F) (CC-2026-017)\n\n"
        "Mes questions :\n"
        "Comment se passe l'intégration ?\n"
        "Télétravail & bureau : quel équilibre ?\n"
        "\n"
        "  Et les « intercontrats » ?"
    ]
    assert "%26%20bureau" in url and "%0A" in url and "+" not in url


def test_calendly_link_uses_the_first_custom_answer():
    url = booking_url("https://calendly.com/cardamome-karim/entretien-inverse", words("en", "Karim Benali"),
                      fmt="phone", questions="Q1 & Q2", job="CC-2026-020")
    assert parse_qs(urlsplit(url).query) == {"a1": ["Preferred format: phone\nJob: CC-2026-020\n\nMy questions:\nQ1 & Q2"]}


def test_mailto_link_has_subject_and_crlf_body():
    url = booking_url("mailto:entretiens-dev@cardamome.example", words(name="Sophie Nguyen"), fmt="on-site",
                      questions="Première question ?\nSeconde & dernière", job="CC-2026-017")
    parts = urlsplit(url)
    assert parts.path == "entretiens-dev@cardamome.example"
    query = parse_qs(parts.query)
    assert query["subject"] == ["Entretien inversé avec Sophie Nguyen — sur place — CC-2026-017"]
    assert query["body"] == [
        "Bonjour Sophie,\r\n\r\nJe souhaiterais échanger avec vous dans le cadre d'un entretien inversé.\r\n\r\n"
        "Format souhaité : sur place\r\nOffre concernée : CC-2026-017\r\n\r\n"
        "Mes questions :\r\nPremière question ?\r\nSeconde & dernière\r\n"
    ]
    assert "%0D%0A" in url and "%20" in url and "+" not in url


@pytest.mark.parametrize("ref", ["", "bad ref", "<script>", "x" * 41, "-starts-with-dash"])
def test_unusable_job_references_are_dropped(ref):
    url = booking_url("https://cal.com/cardamome/lea-martin", words(), fmt="video", job=ref)
    assert parse_qs(urlsplit(url).query) == {"notes": ["Format souhaité : visio"], "format": ["video"]}


def test_existing_query_is_kept_and_empty_choice_gives_the_plain_link():
    base = "https://cal.com/cardamome/amandine-roux?duration=30"
    assert booking_url(base, words()) == base
    assert booking_url(base, words(), fmt="video").startswith(base + "&notes=")


@pytest.mark.parametrize(
    "value, kind",
    [
        ("https://cal.com/cardamome/lea", "calcom"),
        ("https://app.cal.com/team/x", "calcom"),
        ("https://calendly.com/x/y", "calendly"),
        ("entretiens@cardamome.example", "mailto"),
        ("form", "form"),
    ],
)
def test_booking_field_accepts_known_methods(value, kind):
    assert af.booking_kind(af.booking(value)) == kind


@pytest.mark.parametrize(
    "value", ["http://cal.com/x", "https://example.com/book", "mailto:a@b.example?subject=x", "https://cal.com/x#frag", "téléphone"]
)
def test_booking_field_rejects_other_values(value):
    with pytest.raises(af.f.FieldValueError):
        af.booking(value)


def test_the_jobs_a_booking_form_offers_are_listed_once_per_language_and_equal_the_plain_listing():
    from types import SimpleNamespace

    from careers import ambassador_pages

    jobs = [SimpleNamespace(reference=f"CC-{n}", title=f"Poste {n}", lang=lang) for n, lang in
            enumerate(["fr", "en", "fr", "en", "fr"])] + [SimpleNamespace(reference="CC-1", title="Job 1 (fr)", lang="fr")]
    generator = SimpleNamespace(context={"open_jobs": jobs})
    calls = []
    real = ambassador_pages._open_jobs

    def counted(context, lang):
        calls.append(lang)
        return real(context, lang)

    ambassador_pages._open_jobs, saved = counted, ambassador_pages._open_jobs
    try:
        for lang in ("fr", "en", "fr", "en", "fr"):
            assert ambassador_pages._open_jobs_of(generator, lang) == real(generator.context, lang)
        assert calls == ["fr", "en"]
        generator.context["open_jobs"] = jobs[:2]  # another build's list: listed again
        assert ambassador_pages._open_jobs_of(generator, "fr") == real(generator.context, "fr")
        assert calls == ["fr", "en", "fr"]
    finally:
        ambassador_pages._open_jobs = saved
