"""Feeds of open jobs: Atom and RSS (feedgen), embeddable JSON, Indeed XML.

Only open jobs appear anywhere here; the output depends on content and
"today" only, so rebuilding the same content gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass
from html import escape

from feedgen.entry import FeedEntry
from lxml import etree

from .dates import site_zone
from .feeds import aware, new_feed, to_rss, write_feed
from .output import open_output, write_output
from .page_cache import kept_piece
from .jsonld import applicant_countries, description, employment_type, valid_through
from .urls import absolute

logger = logging.getLogger(__name__)

ALL = "feeds/jobs"
BY = "feeds/jobs-{facet}-{key}"
JSON_FEED = "feeds/jobs.json"  # our own format, for embedding on other sites (docs/jobs.md)
JSON_FEED_11 = "feeds/jobs.feed.json"  # JSON Feed 1.1 (jsonfeed.org), per language like the Atom and RSS feeds
INDEED_FEED = "feeds/jobs-indeed.xml"
INDEED_JOBTYPE = {"FULL_TIME": "fulltime", "PART_TIME": "parttime", "CONTRACTOR": "contract", "TEMPORARY": "temporary", "INTERN": "internship"}


def feed_paths(prefix: str, facet: str | None = None, key: str | None = None) -> dict[str, str]:
    """{'atom': …, 'rss': …} site-relative paths of one feed."""
    base = prefix + (BY.format(facet=facet, key=key) if facet else ALL)
    return {"atom": base + ".atom.xml", "rss": base + ".rss.xml"}


def facts(job) -> str:
    """The one-line essentials shown at the top of an entry."""
    parts = [", ".join(job.location_labels), job.remote_label, job.contract_label, job.salary_text]
    return " · ".join(p for p in parts if p)


def _fill_entry(entry, job, settings, zone):
    """The Atom/RSS entry of one job (the same in every feed that lists it)."""
    link = absolute(settings, job.url)
    entry.id(link)
    entry.guid(link, permalink=True)
    entry.title(job.title)
    entry.link(href=link)
    entry.published(aware(job.date, zone))
    entry.updated(aware(getattr(job, "modified", None) or job.date, zone))
    entry.summary(f"<p>{escape(facts(job))}</p>{job.summary or ''}", type="html")
    entry.content(job.content, type="html")
    entry.category(term=job.department, label=job.department_label)
    entry.author({"name": settings["CAREERS_COMPANY"]["name"]})
    return entry


def write_job_feeds(output_path, settings, paths: dict[str, str], *, title, subtitle, page_url, lang, jobs) -> None:
    """One Atom and one RSS file over the same entries."""
    zone = site_zone(settings)
    feed = new_feed(settings, feed_url=paths["atom"], page_url=page_url, title=title, subtitle=subtitle, lang=lang)
    newest = None
    for job in jobs:
        _fill_entry(feed.add_entry(order="append"), job, settings, zone)
        updated = aware(getattr(job, "modified", None) or job.date, zone)
        newest = updated if newest is None or updated > newest else newest
    feed.updated(newest or dt.datetime(2000, 1, 1, tzinfo=zone))
    write_feed(settings, output_path, paths["atom"], feed)
    to_rss(feed, settings, rss_url=paths["rss"], page_url=page_url)
    write_feed(settings, output_path, paths["rss"], feed, rss=True)


@dataclass
class FeedSpec:
    """One feed of a language, as `write_job_feeds` takes it."""

    paths: dict[str, str]
    title: str
    subtitle: str
    page_url: str
    jobs: list


_ATOM_END = b"</feed>\n"
_RSS_END = b"  </channel>\n</rss>\n"
_RSS_NAMESPACES = {"atom": "http://www.w3.org/2005/Atom", "content": "http://purl.org/rss/1.0/modules/content/"}


def _atom_entry_bytes(entry) -> bytes:
    """The bytes of this entry in feedgen's pretty-printed Atom file (serialised as a child of <feed>, as there)."""
    root = etree.Element("feed", xmlns="http://www.w3.org/2005/Atom")
    root.append(entry.atom_entry())
    text = etree.tostring(root, pretty_print=True, encoding="UTF-8")
    return text[text.index(b"\n") + 1:-len(_ATOM_END)]


def _rss_item_bytes(entry) -> bytes:
    """The bytes of this item in feedgen's pretty-printed RSS file (serialised as a child of <channel>, as there)."""
    root = etree.Element("rss", version="2.0", nsmap=_RSS_NAMESPACES)
    etree.SubElement(root, "channel").append(entry.rss_entry())
    text = etree.tostring(root, pretty_print=True, encoding="UTF-8")
    head = text.index(b"\n", text.index(b"\n") + 1) + 1  # after "<rss …>" and "  <channel>"
    return text[head:-len(_RSS_END)]


def write_job_feed_set(output_path, settings, lang: str, jobs: list, feeds: list[FeedSpec], cache=None) -> None:
    """The feeds of one language (all its jobs, each department, each place), each job's entry made once.

    `write_job_feeds`, feed by feed, made and serialised a job's entry again
    for every feed listing it (three on average: all jobs, its department,
    its places). Here each feed's head is written by feedgen as before (the
    feed without entries, cut before its closing tags); then the jobs are
    walked once, in listing order: a job's entry is serialised once, as the
    child of an empty feed (which gives it the indentation and namespaces it
    has in a feed), and those bytes go to every feed that lists the job.
    Nothing is kept from one job to the next. A feed whose jobs do not follow
    the listing's order (facet subsets always do), or that writes a file an
    earlier feed of the set writes, is written by `write_job_feeds` after the
    others, as it would have been. With `cache` (this build's
    `careers.page_cache.PageCache`), a feed whose inputs — its title, URLs and
    language, the files of the jobs it lists, and what every page depends on
    (settings, "today", the code and the theme) — did not change since the
    last build, and whose two files are still there as written, is left alone.
    """
    zone = site_zone(settings)
    position = {id(job): n for n, job in enumerate(jobs)}
    members: dict[int, list] = {}
    streams, claimed, later = [], set(), []
    left = 0
    try:
        for spec in feeds:
            places = [position.get(id(job)) for job in spec.jobs]
            files = set(spec.paths.values())
            if None in places or any(a >= b for a, b in zip(places, places[1:])) or files & claimed:
                later.append(spec)  # out of order, or a file an earlier feed writes too: written after, in order
                claimed |= files
                continue
            claimed |= files
            if cache is not None:
                key = cache.data_key("job-feed", {"lang": lang, "paths": spec.paths, "title": spec.title,
                                                  "subtitle": spec.subtitle, "page_url": spec.page_url}, spec.jobs)
                paths = [os.path.join(output_path, spec.paths[kind]) for kind in ("atom", "rss")]
                if all(cache.unchanged(path, key) for path in paths):
                    for path in paths:
                        cache.reuse(path, key)
                    left += 1
                    continue
                for path in paths:
                    cache.rendered_as(path, key)
            feed = new_feed(settings, feed_url=spec.paths["atom"], page_url=spec.page_url, title=spec.title,
                            subtitle=spec.subtitle, lang=lang)
            newest = max((aware(getattr(job, "modified", None) or job.date, zone) for job in spec.jobs), default=None)
            feed.updated(newest or dt.datetime(2000, 1, 1, tzinfo=zone))
            atom = feed.atom_str(pretty=True)
            to_rss(feed, settings, rss_url=spec.paths["rss"], page_url=spec.page_url)
            rss = feed.rss_str(pretty=True)
            pair = []
            for kind, text, end in (("atom", atom, _ATOM_END), ("rss", rss, _RSS_END)):
                if spec.jobs and not text.endswith(end):
                    raise ValueError(f"unexpected end of the empty feed {spec.paths[kind]}: {text[-40:]!r}")
                path = os.path.join(output_path, spec.paths[kind])
                handle = open_output(settings, path, "wb")
                streams.append((handle, end if spec.jobs else b""))
                handle.write(text[:-len(end)] if spec.jobs else text)
                pair.append(handle)
            for job in spec.jobs:
                members.setdefault(id(job), []).append(pair)
        for job in jobs:
            targets = members.get(id(job))
            if not targets:
                continue
            entry = _fill_entry(FeedEntry(), job, settings, zone)
            atom, rss = _atom_entry_bytes(entry), _rss_item_bytes(entry)
            for atom_file, rss_file in targets:
                atom_file.write(atom)
                rss_file.write(rss)
        for handle, end in streams:
            handle.write(end)
    finally:
        for handle, _ in streams:
            handle.close()
    for spec in later:
        write_job_feeds(output_path, settings, spec.paths, title=spec.title, subtitle=spec.subtitle,
                        page_url=spec.page_url, lang=lang, jobs=spec.jobs)
    if cache is not None:
        logger.info("job feeds (%s): %d made, %d left as they were", lang, len(feeds) - left, left)


def _decimal(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def json_feed(settings, jobs) -> dict:
    """Open jobs of every language, for embedding on other sites."""
    company = settings["CAREERS_COMPANY"]
    return {
        "version": 1,
        "company": {"name": company["name"], "url": company["url"]},
        "site": settings["PUBLIC_URL"],
        "jobs": [_json_job(settings, job) for job in jobs],
    }


def json_feed_text(settings, jobs, cache=None) -> str:
    """`json_feed` as `write_json` writes it; with `cache` (this build's `PageCache`), each job's entry as the
    last build wrote it when nothing it is made of changed (its file, its translations' files, and what
    every page depends on)."""
    company = settings["CAREERS_COMPANY"]
    head = json.dumps({"version": 1, "company": {"name": company["name"], "url": company["url"]},
                       "site": settings["PUBLIC_URL"], "jobs": []}, ensure_ascii=False, separators=(",", ":"))
    entries = []
    for job in jobs:
        entries.append(kept_piece(cache, "json-job", [job, *job.translations],
                                  lambda job=job: json.dumps(_json_job(settings, job), ensure_ascii=False, separators=(",", ":"))))
    return head[:-len("[]}")] + "[" + ",".join(entries) + "]}\n"


def _json_job(settings, job) -> dict:
    return {
        "reference": job.reference,
        "lang": job.lang,
        "title": job.title,
        "url": absolute(settings, job.url),
        "department": {"key": job.department, "label": job.department_label},
        "locations": [
            {"city": p.city, "postal_code": p.postal_code, "region": p.region, "country": p.country}
            for p in job.locations
        ],
        "remote": job.remote,
        "contract": job.contract,
        "employment_type": employment_type(job.contract, job.working_time),
        "experience": job.experience,
        "salary": {
            "min": _decimal(job.salary_min), "max": _decimal(job.salary_max),
            "currency": job.salary_currency, "period": job.salary_period, "text": job.salary_text,
        },
        "must_have": list(job.must_have),
        "nice_to_have": list(job.nice_to_have),
        "date_posted": job.date.isoformat(timespec="seconds"),
        "valid_through": job.valid_through.isoformat(),
        "summary": job.summary,
        "translations": {t.lang: absolute(settings, t.url) for t in job.translations if t.is_open},
    }


def json_feed_11(settings, spec: FeedSpec, lang: str, feed_url: str) -> dict:
    """The jobs of one feed as JSON Feed 1.1 (https://jsonfeed.org/version/1.1): what feed readers
    expect of a JSON feed, where `feeds/jobs.json` is our embedding format."""
    company = settings["CAREERS_COMPANY"]
    zone = site_zone(settings)
    items = []
    for job in spec.jobs:
        url = absolute(settings, job.url)
        modified = aware(getattr(job, "modified", None) or job.date, zone)
        items.append({
            "id": url,
            "url": url,
            "title": job.title,
            "content_html": description(job),
            "summary": facts(job),
            "date_published": aware(job.date, zone).isoformat(timespec="seconds"),
            "date_modified": modified.isoformat(timespec="seconds"),
            "tags": [job.department_label, job.contract_label, job.remote_label],
            "language": job.lang,
        })
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": spec.title,
        "home_page_url": absolute(settings, spec.page_url),
        "feed_url": absolute(settings, feed_url),
        "description": spec.subtitle,
        "language": lang,
        "authors": [{"name": company["name"], "url": company["url"]}],
        "items": items,
    }


def _cdata(value) -> str:
    text = "" if value is None else str(value)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def indeed_feed(settings, jobs, changed=None, cache=None) -> bytes:
    """Indeed's XML conventions: one complete list, CDATA values, a stable
    reference per job and location (`{reference}-{city}`).

    `lastBuildDate` is the newest change: a job posted, or one that closed
    (`changed`), so job boards fetch the feed again and drop it. With `cache`
    (this build's `careers.page_cache.PageCache`), a job's entries are those
    the last build made when nothing they are made of changed (its file, and
    what every page depends on): the feed holds every open job's description.
    The feed and each job's entries are UTF-8 bytes, not text: at 5,000 jobs
    the feed is 13 MB, and as text (mostly two bytes a character: accents)
    it was the largest thing a build held, twice over while it was joined.
    """
    company = settings["CAREERS_COMPANY"]
    newest = max([j.date for j in jobs] + ([changed] if changed is not None else []), default=None)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<source>",
        f"  <publisher>{escape(company['name'])}</publisher>",
        f"  <publisherurl>{escape(settings['PUBLIC_URL'])}</publisherurl>",
    ]
    if newest is not None:
        lines.append(f"  <lastBuildDate>{newest.isoformat(timespec='seconds')}</lastBuildDate>")
    pieces = ["\n".join(lines).encode("utf-8")]
    for job in jobs:
        entries = kept_piece(cache, "indeed-entries", [job], lambda job=job: _indeed_entries(settings, job, company))
        if entries:
            pieces.append(entries)
    pieces.append(b"</source>\n")
    return b"\n".join(pieces)


def _indeed_entries(settings, job, company) -> bytes:
    """The `<job>` entries of one job (one per place), as lines of the feed, in UTF-8."""
    lines = []
    places = [p for p in job.locations if p.city] or job.locations
    for place in places:
        reference = f"{job.reference}-{place.key}" if place.key else job.reference
        values = [
            ("title", job.title),
            ("date", job.date.isoformat(timespec="seconds")),
            ("referencenumber", reference),
            ("requisitionid", job.reference),
            ("url", absolute(settings, job.url)),
            ("company", company["name"]),
            ("sourcename", company["name"]),
            ("city", place.city or ""),
            ("state", place.region or ""),
            ("country", place.country),
            ("postalcode", place.postal_code or ""),
            ("email", job.apply_email or ""),
            ("description", description(job)),
            ("salary", job.salary_text),
            ("jobtype", ", ".join(INDEED_JOBTYPE.get(t, "other") for t in employment_type(job.contract, job.working_time))),
            ("category", job.department_label),
            ("experience", job.experience_label),
            ("expirationdate", valid_through(job, settings)),
            ("language", job.lang),
        ]
        if job.remote == "remote":
            values.append(("remotetype", "Fully remote"))
            values.append(("remotecountries", ", ".join(applicant_countries(job))))
        elif job.remote == "hybrid":
            values.append(("remotetype", "Hybrid remote"))
        lines.append("  <job>")
        lines.extend(f"    <{name}>{_cdata(value)}</{name}>" for name, value in values)
        lines.append("  </job>")
    return "\n".join(lines).encode("utf-8")


def write_json(settings, output_path, rel_path, data) -> None:
    # Compact: read by facets.js and feed readers, and json's C encoder writes it (with indent, json is pure Python).
    write_output(settings, output_path, rel_path, json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
