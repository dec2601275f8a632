"""Small objects shaped like the jobs/events/articles/pool contracts, and a compiled sample."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from mailing import settings as mailing_settings
from mailing.kinds.newsletter.campaigns import Selection
from mailing.pipeline import MailTheme, compile_variant
from mailing.views import build_view
from tests.conftest import ROOT

PARIS = ZoneInfo("Europe/Paris")


def settings() -> dict:
    values = {
        "PUBLIC_URL": "https://carrieres.cardamome.example",
        "SITEURL": "",
        "DEFAULT_LANG": "fr",
        "CAREERS_LANGUAGES": ["fr", "en"],
        "OUTPUT_PATH": "output",
        "MAILING_OUTBOX": "/tmp/vivier-test-outbox-unused",
        "CAREERS_COMPANY": {"name": "Cardamome Conseil", "postal_address": "18 rue des Tisserands, 69002 Lyon, France", "url": "https://www.cardamome.example"},
        "CAREERS_FOOTER_LINKS": [("footer.privacy", {"fr": "confidentialite/", "en": "en/confidentialite/"})],
    }
    mailing_settings.apply_defaults(values)
    values["MAILING_REQUIRE_SECRET"] = False
    return values


def job(reference, title, *, department="data", cities=("Lyon",), remote="hybrid", must=(), nice=(), day=1, lang="fr"):
    return SimpleNamespace(
        reference=reference, title=title, slug=reference.lower(), lang=lang,
        url=f"emplois/{reference.lower()}/", department=department, department_label=department.capitalize(),
        locations=[SimpleNamespace(city=c, country="FR") for c in cities], remote=remote, contract="CDI",
        salary_min=Decimal("45000"), salary_max=Decimal("55000"), salary_currency="EUR", salary_period="year",
        must_have=list(must), nice_to_have=list(nice), date=dt.datetime(2026, 11, day, 9, tzinfo=PARIS),
        is_open=True, status="open",
    )


JOBS = [
    job("CC-1", "Ingénieur·e data", must=("Python", "SQL"), nice=("dbt",), cities=("Nantes",), day=10),
    job("CC-2", "Data scientist", must=("Python", "statistiques"), nice=("PyTorch",), day=12),
    job("CC-3", "Ingénieur·e DevOps", department="cloud", must=("Kubernetes", "Terraform"), nice=("Python",), cities=(), remote="remote", day=5),
    job("CC-4", "Chargé·e de recrutement", department="rh", must=("sourcing",), day=3),
]


def member(**values):
    base = dict(id="m-test-1", email="camille.durand@example.com", first_name="Camille", last_name="Durand",
                language="fr", city="Lyon", country="FR", skills=["python", "sql"], departments=["data"],
                roles=[], seniority="confirmed", stage="sourced", source="career_site", tags=[],
                consents={"newsletter": dt.date(2026, 1, 1)}, last_contact=dt.date(2026, 6, 1),
                created=dt.date(2025, 1, 1), stage_changed=None, unsubscribed=None)
    base.update(values)
    return SimpleNamespace(**base)


def campaign(**values):
    base = dict(slug="2026-12-test", lang="fr", title="Des offres data à Lyon",
                subject="Trois offres data à Lyon pour vous", subject_b="Data à Lyon : on recrute",
                preheader="Python, SQL, dbt : les postes ouverts cette semaine et notre prochain meetup.",
                content='<p>Bonjour à toutes et à tous. Lisez <a href="/articles/entretien-inverse/">notre article</a>.</p>',
                matches=3, if_nothing="general", cta="Voir nos offres", cta_url="emplois/",
                jobs=Selection(("latest", 1)), date=dt.datetime(2026, 12, 1, 9, tzinfo=PARIS), holdout=0)
    base.update(values)
    return SimpleNamespace(**base)


def theme() -> MailTheme:
    return MailTheme(str(ROOT / "theme" / "mail"))


def compiled_sample(variant="a", lang="fr", segment="data-lyon", **campaign_values):
    """A real compilation of the real mail theme, with the fixture jobs as candidates."""
    s = settings()
    t = theme()
    items = {"jobs": JOBS[:1], "articles": [], "events": [], "ambassador": None, "candidates": JOBS}
    view = build_view(s, campaign(lang=lang, **campaign_values), segment, variant, items, t.strings(lang))
    return compile_variant(t, view), s


def plain_cards(*variants):
    """The variants with their job cards as plain lists, to be edited in place by a test.

    Compiled job cards (`mailing.cards.FilledCards`) are never edited: a test that edits a card
    works on the filled cards, the inner lists still shared by the variants that shared the cards."""
    from mailing.cards import FilledCards

    for compiled in variants:
        for part in (compiled.html, compiled.text):
            for region in part.regions.values():
                if type(region.items) is FilledCards:
                    region.items = list(region.items.filled())
    return variants[0] if len(variants) == 1 else variants
