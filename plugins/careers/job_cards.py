"""Job cards rendered once per job and reused by the listing, every facet page and similar jobs.

Each listing page (and each of its facet pages) shows every open job of its
language, hidden or not: at thousands of jobs, rendering
`partials/job_card.html` again for each page was most of the build. A card
depends only on its job, its heading level and `SITEURL` (which varies per
page only with `RELATIVE_URLS`), so it is rendered once per (job, level,
SITEURL) and the pages join the cached strings.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from . import page_cache
from .job_facets import data_attributes

CARD_TEMPLATE = "partials/job_card"
LEVEL = 3  # the heading level of cards on job pages and listings (under the page's h2)


class JobCards:
    """Rendered cards of one build, exposed to the job templates as `job_cards`."""

    def __init__(self, generator):
        self._generator = generator
        self._template = None
        self._cards: dict[tuple, str] = {}
        self._lists: dict[tuple, tuple] = {}
        self._cache = page_cache.for_build(generator)
        self._bases: dict[tuple, bytes | None] = {}  # (level, SITEURL, language): the key of the card's variables

    def page_key(self) -> str:
        """For the page cache: the cards a page shows are of jobs among its inputs (`shows`), rendered from them."""
        return "job-cards"

    def card(self, job, siteurl: str = "", level: int = LEVEL) -> Markup:
        """The HTML of `partials/job_card.html` for one job (what the include wrote)."""
        key = (id(job), level, siteurl)
        html = self._cards.get(key)
        if html is None:
            variables = dict(SITEURL=siteurl, card_level=level, page_lang=job.lang)
            kept = None
            if self._cache is not None:  # a card whose inputs did not change since the last build is not rendered
                kept, html = self._cache.fragment(self._generator, CARD_TEMPLATE, variables, [job], self._key(variables, job))
            if html is None:
                if self._template is None:
                    self._template = self._generator.get_template(CARD_TEMPLATE)
                context = dict(self._generator.context)
                context.update(variables, item=job)
                html = self._template.render(context)
                if self._cache is not None:
                    self._cache.keep_fragment(kept, html)
            self._cards[key] = html
        return Markup(html)

    def _key(self, variables: dict, job) -> bytes | None:
        """The card's key: that of its template and variables (the same for every card of a language), worked
        out once, extended by the job's file (`PageCache.content_key`); 4,026 full keys took 0.16 s a rebuild."""
        at = (variables["card_level"], variables["SITEURL"], variables["page_lang"])
        if at not in self._bases:
            self._bases[at] = self._cache.key(self._generator, CARD_TEMPLATE, variables, [])
        base = self._bases[at]
        return None if base is None else self._cache.content_key(base, [job])

    def listing(self, all_jobs, listed_jobs, siteurl: str = "", level: int = LEVEL) -> Markup:
        """The `<li>` of every job of the listing, those not in `listed_jobs` hidden."""
        shown = {job.slug for job in listed_jobs}
        slugs, visible, hidden = self._items(all_jobs, siteurl, level)
        return Markup("".join([v if slug in shown else h for slug, v, h in zip(slugs, visible, hidden)]))

    def _items(self, all_jobs, siteurl: str, level: int) -> tuple[list, list, list]:
        """Each job's `<li>`, shown and hidden, made once per list of jobs (a language's listing and its facet pages)."""
        ids = tuple(map(id, all_jobs))
        key = (siteurl, level, ids)
        known = self._lists.get(key)
        if known is not None:
            return known[1]
        slugs, visible, hidden = [], [], []
        for job in all_jobs:
            card = self.card(job, siteurl, level)
            slugs.append(job.slug)
            slug = escape(job.slug)  # an editor's Slug is text, like every value a template writes
            data = data_attributes(job)
            visible.append(f'    <li class="card" data-id="{slug}"{data}>{card}</li>')
            hidden.append(f'    <li class="card" data-id="{slug}"{data} hidden>{card}</li>')
        items = (slugs, visible, hidden)
        self._lists[key] = (list(all_jobs), items)  # the jobs are kept alive, so that their ids stay theirs
        return items
