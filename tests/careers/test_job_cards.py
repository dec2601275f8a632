"""Cards rendered once per job and the facet index give the same pages as rendering every card per page."""

from __future__ import annotations

import random
from types import SimpleNamespace

import jinja2
from pelican.settings import read_settings

from careers import install_template_helpers
from careers.job_cards import JobCards
from careers.job_facets import FACETS, Facet, FacetIndex, Option, matching
from tests.conftest import ROOT
from tests.helpers import page

CITIES = ["Lyon", "Nantes", "Grenoble", "Paris"]


def _job(rng: random.Random, i: int):
    places = [SimpleNamespace(key=c.lower(), city=c) for c in rng.sample(CITIES, rng.randint(1, 2))]
    return SimpleNamespace(
        slug=f"poste-{i}", url=f"emplois/poste-{i}/", lang="fr", title=f"Poste n°{i} <Lyon> & co",
        department=rng.choice(["data", "cloud"]), department_label="Data", locations=places,
        location_labels=[p.city for p in places], remote=rng.choice(["on-site", "remote"]), remote_label="Sur site",
        contract_key=rng.choice(["cdi", "stage"]), contract_label="CDI", experience=rng.choice(["junior", "senior"]),
        experience_label="Junior", salary_text=rng.choice(["", "45 000 € brut par an"]),
    )


def test_facet_index_lists_the_same_jobs_as_scanning_every_job():
    rng = random.Random(5)
    jobs = [_job(rng, i) for i in range(120)]
    jobs.append(SimpleNamespace(**{**vars(jobs[0]), "slug": "double", "locations": jobs[0].locations * 2}))
    index = FacetIndex(jobs)
    for name in FACETS:
        for key in {"data", "cloud", "lyon", "nantes", "paris", "remote", "on-site", "cdi", "stage", "junior", "nope"}:
            assert index.matching(name, key) == matching(jobs, name, key)
    index.matching("department", "data").clear()  # callers get their own list
    assert index.matching("department", "data") == matching(jobs, "department", "data")


class _Generator:
    """What JobCards needs of a generator: the theme's Jinja environment (as Pelican sets it) and a context."""

    def __init__(self):
        self.settings = read_settings(str(ROOT / "pelicanconf.py"))
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROOT / "theme" / "templates")),
                                      trim_blocks=True, lstrip_blocks=True)
        install_template_helpers(self)
        self.context = dict(self.settings, SITEURL="")  # Pelican's context starts as the settings

    def get_template(self, name):
        return self.env.get_template(name + ".html")


def _listing(generator, jobs, listed, option, siteurl, cards):
    template = generator.env.get_template("job_list.html")
    values = dict(generator.context, SITEURL=siteurl, page_lang="fr", facets=[Facet("department", [option])],
                  index_url="emplois/index.json", list_url="emplois/", all_count=len(jobs), all_jobs=jobs,
                  listed_jobs=listed, active_facet="department", active_option=option, feeds=None)
    if cards is not None:
        values["job_cards"] = cards
    return "".join(template.blocks["content"](template.new_context(values)))


def test_listing_with_cached_cards_equals_the_included_cards():
    rng = random.Random(8)
    generator = _Generator()
    jobs = [_job(rng, i) for i in range(40)]
    listed = [j for j in jobs if j.department == "data"]
    option = Option("data", "Data", len(listed), "emplois/metier/data/")
    cards = JobCards(generator)
    for siteurl in ("", "../..", ""):  # RELATIVE_URLS gives each depth its own SITEURL
        fast = _listing(generator, jobs, listed, option, siteurl, cards)
        slow = _listing(generator, jobs, listed, option, siteurl, None)
        assert fast == slow
        assert fast.count(" hidden><article>") == len(jobs) - len(listed)  # the hidden cards
        assert f'href="{siteurl}/emplois/poste-0/"' in fast
    assert len(cards._cards) == 2 * len(jobs)  # one rendering per job and SITEURL, whatever the page count


def test_job_card_is_the_included_card():
    generator = _Generator()
    job = _job(random.Random(1), 7)
    direct = generator.env.from_string('{% set card_level = 3 %}{% include "partials/job_card.html" %}')
    assert JobCards(generator).card(job, "") == direct.render(item=job, SITEURL="")


def test_facet_pages_list_every_job_with_the_listing_cards(site):
    """On the real sample site: a facet page shows the listing's cards, hiding the jobs outside the facet."""
    listing = page(site / "emplois" / "index.html")
    cards = {li.get("data-id"): li for li in listing.xpath('//ul[@data-facet-results]/li')}
    facet_pages = [p for p in (site / "emplois").rglob("index.html") if p.parent.parent.name in
                   ("departement", "lieu", "contrat", "teletravail", "experience")]
    assert facet_pages
    for path in facet_pages:
        items = page(path).xpath('//ul[@data-facet-results]/li')
        assert [li.get("data-id") for li in items] == list(cards)
        shown = [li for li in items if li.get("hidden") is None]
        current = page(path).xpath('string(//nav[@data-facets-fallback]//a[@aria-current="page"])')
        assert shown and current.endswith(f"({len(shown)})"), (path, current)
        for li in items:
            assert li.xpath("string(.//a/@href)") == cards[li.get("data-id")].xpath("string(.//a/@href)")
            assert li.xpath("string(.)") == cards[li.get("data-id")].xpath("string(.)")


def test_listings_of_several_job_lists_reuse_only_their_own_items():
    """Items are kept per list of jobs (a language's listing and its facet pages): another list, or the same
    list changed, gets its own."""
    rng = random.Random(12)
    generator = _Generator()
    french, english = [_job(rng, i) for i in range(30)], [_job(rng, i) for i in range(30, 50)]
    option = Option("data", "Data", 0, "emplois/metier/data/")
    cards = JobCards(generator)
    for jobs in (french, english, french, english[:-3], list(reversed(french))):
        for listed in (jobs, [j for j in jobs if j.department == "data"], jobs[:1]):
            assert _listing(generator, jobs, listed, option, "", cards) == _listing(generator, jobs, listed, option, "", None)
