"""Facets of the job listing: options with counts, static facet pages, JSON index.

The static pages (one per facet option) work without JavaScript; facets.js
reads the JSON index (`{"items": [{"id", "text", "facets"}]}`) to combine
facets and filter by text in the browser.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape

from .job_settings import FACET_SEGMENTS, facet_url
from .page_cache import kept_piece

FACETS = tuple(FACET_SEGMENTS)  # department, location, remote, contract, experience
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class Option:
    key: str
    label: str
    count: int
    url: str


@dataclass
class Facet:
    name: str
    options: list[Option] = field(default_factory=list)


def job_facets(job) -> dict[str, list[tuple[str, str]]]:
    """{facet: [(key, label), …]} of one job."""
    places = [(p.key, p.city) for p in job.locations if p.city]
    return {
        "department": [(job.department, job.department_label)],
        "location": list(dict.fromkeys(places)),
        "remote": [(job.remote, job.remote_label)],
        "contract": [(job.contract_key, job.contract_label)],
        "experience": [(job.experience, job.experience_label)],
    }


def data_attributes(job) -> str:
    """` data-department="data" data-location="lyon nantes" …` for a job's `<li>`: what the
    no-JavaScript filters (`filter_css`) match against."""
    return "".join(f' data-{name}="{escape(" ".join(dict.fromkeys(k for k, _ in pairs)))}"'
                   for name, pairs in job_facets(job).items())


def checkbox_id(name: str, key: str) -> str:
    return f"jf-{name}-{key}"


def filter_css(facets: list[Facet]) -> str:
    """Filters without JavaScript: a stylesheet hiding the cards that no checked box of a facet matches.

    OR inside a facet, AND across facets, as facets.js: for each facet with a
    checked box, a card is hidden unless one checked box of that facet names
    one of its values (`:has()`, in every current browser). With JavaScript,
    facets.js does the same, plus the text search and the address.
    """
    rules = ["/* Written by the build (careers/job_facets.py): one rule per facet. */"]
    for facet in facets:
        if not facet.options:
            continue
        kept = ", ".join(
            f'.job-list:has(#{checkbox_id(facet.name, o.key)}:checked) .job-cards > li[data-{facet.name}~="{o.key}"]'
            for o in facet.options
        )
        rules.append(f'.job-list:has([data-facet="{facet.name}"] input:checked) .job-cards > li:not({kept}) {{ display: none; }}')
    return "\n".join(rules) + "\n"


def build(settings, jobs, lang: str) -> list[Facet]:
    """Facets over the open jobs of one language, options sorted by label."""
    result = []
    for name in FACETS:
        counts: dict[str, list] = {}
        for job in jobs:
            for key, label in job_facets(job)[name]:
                counts.setdefault(key, [label, 0])[1] += 1
        options = [Option(k, lbl, n, facet_url(settings, lang, name, k)) for k, (lbl, n) in counts.items()]
        if name in ("remote", "experience"):
            order = {"remote": ["on-site", "hybrid", "remote"], "experience": ["entry", "junior", "confirmed", "senior", "lead"]}[name]
            options.sort(key=lambda o: order.index(o.key) if o.key in order else 99)
        else:
            options.sort(key=lambda o: o.label.casefold())
        result.append(Facet(name, options))
    return result


def matching(jobs, name: str, key: str) -> list:
    return [job for job in jobs if any(k == key for k, _ in job_facets(job)[name])]


class FacetIndex:
    """The jobs of each facet option, in the jobs' order: `matching` without rescanning every job."""

    def __init__(self, jobs):
        self._jobs: dict[tuple[str, str], list] = {}
        for job in jobs:
            for name, pairs in job_facets(job).items():
                for key in dict.fromkeys(k for k, _ in pairs):
                    self._jobs.setdefault((name, key), []).append(job)

    def matching(self, name: str, key: str) -> list:
        """Same list as `matching(jobs, name, key)`."""
        return list(self._jobs.get((name, key), ()))


def plain(html: str) -> str:
    return " ".join(_TAGS.sub(" ", html or "").split())


def index_document(jobs) -> dict:
    """The JSON index read by facets.js, one item per open job of a language."""
    return {"items": [_index_item(job) for job in jobs]}


def index_document_text(jobs, cache=None) -> str:
    """`index_document` as `job_feeds.write_json` writes it; with `cache` (this build's `page_cache.PageCache`),
    each job's item as the last build wrote it while nothing it is made of changed (its file, and what every
    page depends on)."""
    items = []
    for job in jobs:
        items.append(kept_piece(cache, "facets-item", [job],
                                lambda job=job: json.dumps(_index_item(job), ensure_ascii=False, separators=(",", ":"))))
    return '{"items":[' + ",".join(items) + "]}\n"


def _index_item(job) -> dict:
    facets = job_facets(job)
    text = " ".join(
        [job.title, job.reference, job.department_label, *job.location_labels, job.remote_label,
         job.contract_label, job.experience_label, *job.must_have, *job.nice_to_have, plain(job.summary)]
    )
    return {
        "id": job.slug,
        "title": job.title,
        "url": job.url,
        "text": text,
        "facets": {name: [k for k, _ in facets[name]] for name in FACETS},
    }
