"""Job ads: the `Job` content type and the generator that reads, checks and writes them.

Jobs live in `content/jobs/` (not articles in a category) so they get their
own fields, rules, pages, facets and feeds. Translations share a `Reference`.
"""

from __future__ import annotations

import datetime as dt
import locale
import logging
import os
import re
from pathlib import Path
from urllib.parse import quote

from pelican.contents import Content
from pelican.generators import Generator
from pelican.plugins import signals
from pelican.utils import set_date_tzinfo, slugify
from talentpool.collector import paused

from . import job_settings, page_cache, sitemap
from .dates import now, site_zone, today
from .fields import field_line
from .i18n import translator
from .job_display import labels
from .job_cards import JobCards
from .job_facets import FACETS, FacetIndex, build as build_facets, filter_css, index_document_text
from .job_feeds import (INDEED_FEED, JSON_FEED, JSON_FEED_11, FeedSpec, feed_paths, indeed_feed, json_feed_11, json_feed_text,
                        write_job_feed_set, write_json)
from .job_checks import JobChecks, ProblemIndex
from .job_fields import job_schema
from .job_similar import similar_lists
from .job_template import ENGLISH_VALUES, body as new_job_body, check_apply_references, check_placeholders, placeholders
from .job_rules import WordingChecks, check_job, check_title, check_translations, load_rules, rules_path
from .job_signoff import check_must_haves, check_sign_off
from .jsonld import applicant_countries, description_extra, job_posting, to_script
from .output import write_output
from .places import complete as complete_places
from .prefetch import prefetched
from .report import get_report
from .sources import header_broken
from .urls import lang_prefix
from .writing import write_page

logger = logging.getLogger(__name__)
SIMILAR_STORE = "JobsGenerator-Similar.json"  # in CACHE_PATH: similar jobs kept while what ranks them is unchanged
FILTER_CSS = "filters.css"  # next to each language's listing: the filters that work without JavaScript

ATTRIBUTES = {
    "title": None, "reference": None, "status": "open", "department": None, "locations": list, "remote": None,
    "contract": None, "working_time": "full-time", "salary_min": None, "salary_max": None, "salary_currency": None,
    "salary_period": "year", "experience": None, "must_have": list, "nice_to_have": list, "hiring_manager": None,
    "apply_url": None, "apply_email": None, "date": None, "valid_through": None, "interview_steps": list,
    "applicant_countries": list, "signed_off": None, "street_address": list,
}


# Pelican's `Content.__init__` formats `locale_date` (and `locale_modified`) with its `strftime`, which splits
# the format with regular expressions: about 16 µs an ad, a tenth of a second of every build at 5,000 ads,
# for strings no template of ours reads. A job's dates pass `Content.__init__` as a stand-in that formats
# nothing; then the job gets what Pelican would have set (its metadata, the date in the ad's time zone), and
# `locale_date` is formatted as Pelican would have (the same date, format and LC_TIME) when first read.
_DATES = (("date", "locale_date"), ("modified", "locale_modified"))


class _Unformatted:
    """A date while `Content.__init__` runs: `set_date_tzinfo` keeps it (it has a zone), `strftime` is empty."""

    tzinfo = True

    def strftime(self, _format, *_args):
        return ""


_UNFORMATTED = _Unformatted()


def _dates_aside(job, metadata: dict, settings) -> dict:
    """The job's dates, replaced in `metadata` by the stand-in (none when Pelican's own way must be kept:
    no settings, a value that is not a datetime, or a plugin listening to `content_object_init`, which
    would see the job before its dates are back)."""
    if settings is None or signals.content_object_init.has_receivers_for(job):
        return {}
    aside = {}
    for name, _ in _DATES:
        value = metadata.get(name)
        if isinstance(value, dt.datetime):
            aside[name] = value
            metadata[name] = _UNFORMATTED
    return aside


def _dates_back(job, aside: dict) -> None:
    zone = job.timezone.key  # `Content.__init__` made it from the ad's Timezone or TIMEZONE
    time_locale = locale.setlocale(locale.LC_TIME)
    for name, shown in _DATES:
        if name in aside:
            value = set_date_tzinfo(aside[name], zone)
            job.metadata[name] = aside[name]  # the same key: the metadata's order is Pelican's
            setattr(job, name, value)
            del job.__dict__[shown]  # the stand-in's empty string: `LocaleDate` formats it when first read
            job.__dict__.setdefault("_unformatted", {})[shown] = (value, job.date_format, time_locale)


class LocaleDate:
    """`locale_date` / `locale_modified` of a job, formatted when first read as `Content.__init__` would have."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, job, owner=None):
        if job is None:
            return self
        pending = job.__dict__.get("_unformatted", {}).get(self.name)
        if pending is None:
            raise AttributeError(f"{type(job).__name__!r} object has no attribute {self.name!r}")
        value, date_format, time_locale = pending
        current = locale.setlocale(locale.LC_TIME)
        if current == time_locale:
            text = value.strftime(date_format)
        else:  # formatted in the locale the job was made in, as Pelican did
            try:
                locale.setlocale(locale.LC_TIME, time_locale)
                text = value.strftime(date_format)
            finally:
                locale.setlocale(locale.LC_TIME, current)
        job.__dict__[self.name] = text  # read again: the instance's value, not this descriptor
        return text


class Job(Content):
    """One job ad in one language."""

    mandatory_properties = ("title",)
    default_template = "job"
    default_status = "open"
    locale_date = LocaleDate()
    locale_modified = LocaleDate()

    def __init__(self, content, metadata=None, settings=None, source_path=None, context=None):
        # Pelican's placeholders for unreadable values are None; our schema reports them.
        metadata = {k: v for k, v in (metadata or {}).items() if v is not None}
        aside = _dates_aside(self, metadata, settings)
        super().__init__(content, metadata, settings, source_path, context)
        if aside:
            _dates_back(self, aside)

    def get_relative_source_path(self, source_path: str | None = None) -> str | None:
        """Pelican's answer without its two `abspath`s and `relpath` when the path is plainly under PATH.

        Pelican asks twice per ad (5,000 ads: a tenth of a second of every
        build); a normalised absolute path below the content folder is that
        path less the folder's. Anything else goes to Pelican's own code.
        """
        path = source_path or self.source_path
        if path and os.path.isabs(path) and os.sep == "/":
            prefix = _content_prefix(self.settings["PATH"])
            if path.startswith(prefix) and len(path) > len(prefix) and os.path.normpath(path) == path:
                return path[len(prefix):]
        return super().get_relative_source_path(source_path)

    @property
    def url(self) -> str:
        return job_settings.paths(self.settings, self.lang)["job"].format(slug=self.slug)

    @property
    def description_extra(self) -> str:
        """The page's sections around the body, as HTML (`jsonld.description_extra`), made when first read:
        the JSON-LD of a page rendered again and the job board entries made again read it, at most a few
        on a rebuild. There once the generator has read every file (`JobsGenerator.finish_reading`)."""
        value = self.__dict__.get("_description_extra")
        if value is None:
            translator = self.__dict__.get("_translator")
            if translator is None:
                raise AttributeError("description_extra")
            value = self._description_extra = description_extra(self, translator)
        return value

    @property
    def save_as(self) -> str:
        return self.url + "index.html"

    @property
    def apply_link(self) -> str:
        """Where the apply button goes: the apply URL, or a pre-filled email."""
        if self.apply_url:
            return self.apply_url
        subject = quote(f"{self.title} ({self.reference})")
        return f"mailto:{self.apply_email}?subject={subject}"


def _content_prefix(path: str) -> str:
    """The absolute content folder with its trailing separator (worked out again if the folder or cwd changes)."""
    key = (path, os.getcwd())
    found = _PREFIXES.get(key)
    if found is None:
        base = os.path.abspath(path)
        found = _PREFIXES[key] = base if base.endswith(os.sep) else base + os.sep
    return found


_PREFIXES: dict[tuple[str, str], str] = {}


class _FreshReads:
    """Whether Pelican's readers converted an ad this build (`cache_data`), rather than serving every one
    from their cache: only then is that cache (10 MB at 5,000 ads) written again. Entries dropped for
    problems are saved where they are dropped (`content_cache.forget_files_with_problems`)."""

    def __init__(self, readers):
        self.readers, self.fresh = readers, 0
        keep = readers.cache_data

        def cache_data(filename, data):
            self.fresh += 1
            keep(filename, data)

        readers.cache_data = cache_data

    def save(self) -> None:
        if self.fresh:
            self.readers.save_cache()


class JobsGenerator(Generator):
    """Reads and checks every job ad, then writes pages, listings, facets and feeds."""

    def __init__(self, *args, **kwargs):
        # Job files go through Pelican's content cache like articles (warm builds skip Markdown).
        kwargs.setdefault("readers_cache_name", "JobsGenerator-Readers")
        super().__init__(*args, **kwargs)
        job_settings.apply_defaults(self.settings)
        job_settings.validate(self.settings)
        # Templates do not change during a build: no stat() of every include on every page.
        self.env.auto_reload = False

    # --- reading ---------------------------------------------------------------

    @paused  # 5,000 ads make millions of objects that live on: no collection walks them as they come
    def generate_context(self):
        settings = self.settings
        report = get_report(settings)
        self.today = today(settings)
        self.t = translator(settings["THEME"], settings["DEFAULT_LANG"])
        schema = job_schema(settings)
        rules = load_rules(rules_path(settings))
        wording = WordingChecks(settings, rules_path(settings))  # unchanged ads: their problems replayed from the cache
        vocabulary = self._vocabulary(report)
        examples = placeholders(schema)  # what `vivier new job` writes, never to be published as is
        checks = JobChecks(settings, self.today, rules_path(settings), vocabulary)  # unchanged ads: replayed
        problems = ProblemIndex(report)  # what the report holds per file, without reading it all for each ad
        reads = _FreshReads(self.readers)  # Pelican's cache of the ads is written again only if one was read afresh

        def check(job, source, before, text, checked):
            raw = {k: v for k, v in job.metadata.items() if v is not None}
            values = schema.parse(raw, source, report, already_reported=before)
            self._apply(job, values)
            wording.check(source, job.lang, rules, report, text, found=checked)
            check_title(source, job.title, job.lang, rules, report)
            if not header_broken(report, source):  # else what follows would list that one problem again
                if job.locations is not None and job.remote:
                    check_job(job, settings, report)
                check_must_haves(job, settings, vocabulary, report)
                check_sign_off(job, settings, self.today, report)
            check_placeholders(job, examples, report)
            return values

        read, valid = [], []
        files = sorted(self.get_files(settings["JOBS_CONTENT_PATHS"]))
        with prefetched(self.readers, self.path, files, settings):  # the last files converted by a child
            for path in files:
                job = self._read(path, report)
                if job is None:
                    continue
                source = job.source_path
                text, checked = self._text_just_read(source)  # None: a cached read
                before = problems.fields(source)
                values = checks.run(source, report, lambda: check(job, source, before, text, checked),
                                    cached_read=text is None and not before, clean=not before)
                if checks.last_replayed:  # the check applied them to the job itself
                    self._apply(job, values)
                read.append(job)
                if not problems.has_errors_for(source):
                    valid.append(job)
        groups: dict[str, list[Job]] = {}
        for job in read:
            if job.reference:
                groups.setdefault(job.reference, []).append(job)
        check_translations(groups, settings, report)
        check_apply_references(read, report, schema.by_name["reference"].example)
        for job in read:  # after the translations are compared as their editors wrote them
            if job.locations:
                job.locations, problem = complete_places(job.locations, job.street_address)
                if problem:
                    report.error(job.source_path, "street_address", problem, "Street_address: 18 rue des Tisserands; 5 quai de la Fosse",
                                 field_line(job.source_path, "street_address"))

        published = [j for j in valid if j.status != "draft" and not problems.has_errors_for(j.source_path)]
        for job in published:
            if job.status == "closed" and getattr(job, "modified", None) is None:
                report.warning(job.source_path, "modified", "a closed ad without Modified cannot tell search engines "
                               "and job boards when it closed, so they may keep showing it; add the day it closed",
                               "Modified: 2026-11-20 10:00", field_line(job.source_path, "status"))
        for job in published:
            labels(job, self.t, settings)
            job.is_open = job.status == "open" and job.valid_through >= self.today
            job.applicant_country_list = applicant_countries(job)
        by_reference: dict[str, list[Job]] = {}
        for job in published:
            by_reference.setdefault(job.reference, []).append(job)
        for job in published:
            job.translations = [o for o in by_reference[job.reference] if o is not job]
        published.sort(key=lambda j: (j.date, j.reference), reverse=True)
        self.jobs = published
        self.open_jobs = [j for j in published if j.is_open]
        languages = settings["CAREERS_LANGUAGES"]
        self.open_by_lang = {lang: [j for j in self.open_jobs if j.lang == lang] for lang in languages}
        self.facet_index = {lang: FacetIndex(jobs) for lang, jobs in self.open_by_lang.items()}
        self.facets = {lang: build_facets(settings, jobs, lang) for lang, jobs in self.open_by_lang.items()}
        self.context["jobs"] = self.jobs
        self.context["open_jobs"] = self.open_jobs
        self.context["open_jobs_by_lang"] = self.open_by_lang
        self.context["JOBS_HOME_COUNT"] = settings["JOBS_HOME_COUNT"]
        self.context["jobs_list_urls"] = {lang: job_settings.paths(settings, lang)["list"] for lang in languages}
        self._register_sitemap()
        self._to_save = (reads.save, wording.save, checks.save)

    def finish_reading(self) -> None:
        """What only the site's pages need, done once every generator has read (`all_generators_finalized`):
        each ad's extra description (made when first read), its similar jobs, and this build's caches saved.

        The mail side's child is forked when the content is read and needs
        none of it: done before the fork, it was on the critical path of a
        rebuild (the child's work is), done here it overlaps the child.
        """
        settings = self.settings
        store = os.path.join(settings["CACHE_PATH"], SIMILAR_STORE) \
            if settings.get("CACHE_CONTENT") and settings.get("LOAD_CONTENT_CACHE") and settings.get("CACHE_PATH") else None
        for job, similar in zip(self.jobs, similar_lists(self.jobs, self.open_jobs, settings["JOBS_SIMILAR"], store)):
            job._translator = self.t  # for `Job.description_extra`, made when first read
            job.similar_jobs = similar
        for save in getattr(self, "_to_save", ()):
            save()
        self._to_save = ()

    def _vocabulary(self, report):
        """The pool's skill vocabulary that must-haves are written in (an invalid file is a content error)."""
        from talentpool import config
        from talentpool.skills import EMPTY, VocabularyError

        try:
            return config.load_vocabulary(self.settings)
        except VocabularyError as exc:
            for problem in exc.problems:
                report.error(str(exc.path), "skills", problem)
            return EMPTY

    def _read(self, path, report):
        try:
            job = self.readers.read_file(base_path=self.path, path=path, content_class=Job, context=self.context)
        except Exception as exc:  # a file Markdown cannot read at all
            report.error(os.path.join(self.path, path), "file", f"cannot be read ({exc})")
            return None
        self.add_source_path(job)
        return job

    def _text_just_read(self, source):
        """(text, wording) of `source` if our reader converted it just now (not served from the cache), else
        (None, None). `wording`: the (language, problems) of its wording check when the process that converted
        it checked it too (careers.prefetch), else None."""
        for reader in self.readers.readers.values():
            last = getattr(reader, "last_text", None)
            if last is not None and last[0] == source:
                wording = getattr(reader, "last_wording", None)
                reader.last_text = reader.last_wording = None
                return last[1], wording
        return None, None

    def _apply(self, job, values):
        """Typed values onto the job; missing ones get neutral defaults."""
        settings = self.settings
        for name, default in ATTRIBUTES.items():
            value = values.get(name)
            if value is None or isinstance(value, type):  # an empty field gets the bare default factory
                value = default() if callable(default) else default
            setattr(job, name, value)
        if values.get("lang"):
            job.lang = values["lang"]
        if values.get("slug"):
            job.slug = values["slug"]
        job.salary_currency = job.salary_currency or settings["JOBS_DEFAULT_CURRENCY"]
        if job.date is not None and job.date.tzinfo is None:
            job.date = job.date.replace(tzinfo=site_zone(settings))
        if job.valid_through is None and job.date is not None:
            job.valid_through = job.date.date() + dt.timedelta(days=settings["JOBS_VALID_DAYS"])
        if not job.interview_steps:
            job.interview_steps = list((settings.get("JOBS_INTERVIEW_STEPS") or {}).get(job.lang, []))

    def closed_at(self, job) -> dt.datetime | None:
        """When a published job stopped being open: its `Modified` for a closed ad (None without one),
        the day after its `Valid_through` for an expired one; None while it is open."""
        if job.is_open:
            return None
        if job.status == "closed":
            modified = getattr(job, "modified", None)
            return modified if modified is None or modified.tzinfo else modified.replace(tzinfo=site_zone(self.settings))
        return dt.datetime.combine(job.valid_through + dt.timedelta(days=1), dt.time(), tzinfo=site_zone(self.settings))

    def recently_closed(self) -> list[tuple]:
        """(job, closed_at) of the jobs closed in the last JOBS_RECRAWL_DAYS days, newest first."""
        window = dt.timedelta(days=self.settings["JOBS_RECRAWL_DAYS"])
        found = [(job, self.closed_at(job)) for job in self.jobs if not job.is_open]
        found = [(job, at) for job, at in found if at is not None and dt.timedelta(0) <= self.today - at.date() <= window]
        return sorted(found, key=lambda pair: pair[1], reverse=True)

    def _register_sitemap(self):
        """Open job pages, listings and facet pages; closed or expired jobs only for JOBS_RECRAWL_DAYS after
        they closed, with that day as lastmod, so search engines come back, see them noindex and drop them."""
        for job, at in self.recently_closed():
            sitemap.add(self.context, job.url, at)
        for job in self.open_jobs:
            alternates = {job.lang: job.url} | {t.lang: t.url for t in job.translations if t.is_open}
            sitemap.add(self.context, job.url, getattr(job, "modified", None) or job.date, alternates)
        list_alts = {lang: job_settings.paths(self.settings, lang)["list"] for lang in self.settings["CAREERS_LANGUAGES"]}
        for lang, jobs in self.open_by_lang.items():
            sitemap.add(self.context, list_alts[lang], None, list_alts)
            for facet in self.facets[lang]:
                for option in facet.options:
                    sitemap.add(self.context, option.url, None, self._facet_alternates(facet.name, option.key))

    def _facet_alternates(self, name, key) -> dict[str, str]:
        result = {}
        for lang in self.open_by_lang:
            if self.facet_index[lang].matching(name, key):
                result[lang] = job_settings.facet_url(self.settings, lang, name, key)
        return result

    # --- writing ---------------------------------------------------------------

    def _write(self, writer, url, template, lang, alternates, **extra):
        write_page(self, writer, url, template, lang, alternates, **extra)

    def generate_output(self, writer):
        cards = JobCards(self)  # each card rendered once, shared by listings, facet pages and job pages
        for job in self.jobs:
            alternates = {job.lang: job.url} | {t.lang: t.url for t in job.translations}
            self._write(
                writer, job.url, "job", job.lang, alternates,
                job=job,
                derived=lambda job=job: {"jsonld": to_script(job_posting(job, self.settings)) if job.is_open else None},
                noindex=not job.is_open,
                list_url=job_settings.paths(self.settings, job.lang)["list"],
                job_cards=cards,
                shows=[*job.translations, *job.similar_jobs],  # the job itself is a variable
            )
        for lang, jobs in self.open_by_lang.items():
            self._write_listings(writer, lang, jobs, cards)
        cache = page_cache.for_build(self)  # each job's entries of the two feeds kept while it does not change
        write_output(self.settings, self.output_path, JSON_FEED, json_feed_text(self.settings, self.open_jobs, cache))
        closed = [at for _, at in self.recently_closed()]
        write_output(self.settings, self.output_path, INDEED_FEED,
                     indeed_feed(self.settings, self._one_version_per_job(), changed=max(closed, default=None), cache=cache))
        if cache is not None:
            logger.info("job entries of the facets' indexes and job board feeds: %d made, %d left as they were",
                        cache.pieces_made, cache.pieces_kept)

    def _one_version_per_job(self) -> list[Job]:
        """The default-language version of each open job (or its only one)."""
        chosen: dict[str, Job] = {}
        default = self.settings["DEFAULT_LANG"]
        for job in self.open_jobs:
            current = chosen.get(job.reference)
            if current is None or (job.lang == default and current.lang != default):
                chosen[job.reference] = job
        return sorted(chosen.values(), key=lambda j: (j.date, j.reference), reverse=True)

    def _write_listings(self, writer, lang, jobs, cards):
        settings, t = self.settings, self.t
        urls = job_settings.paths(settings, lang)
        prefix = lang_prefix(settings, lang)
        facets = self.facets[lang]
        list_alts = {other: job_settings.paths(settings, other)["list"] for other in settings["CAREERS_LANGUAGES"]}
        company = settings["CAREERS_COMPANY"]["name"]
        feeds = feed_paths(prefix)
        cap = settings["JOBS_FEED_MAX_ITEMS"]  # feeds list the newest jobs first: a prefix keeps the newest
        common = dict(facets=facets, index_url=urls["index"], list_url=urls["list"], all_count=len(jobs), all_jobs=jobs,
                      job_cards=cards, filter_css_url=urls["list"] + FILTER_CSS)
        # Each listing shows every job of its language (those outside its facet hidden): the page cache
        # describes that list once for all of them, and each facet page's own subset once.
        cache = page_cache.for_build(self)
        every = cache.digested(jobs) if cache is not None else None

        def keys(listed) -> dict:  # without a description of the language's jobs, listings are always rendered
            return {} if every is None else dict(shows=[], keyed_as={"all_jobs": every, "listed_jobs": listed})

        self._write(writer, urls["list"], "job_list", lang, list_alts, listed_jobs=jobs, feeds={**feeds, "json": prefix + JSON_FEED_11},
                    **keys(every), **common)
        # Written together once the pages are: each job's entry is made once for all the feeds listing it.
        feed_set = [FeedSpec(feeds, f"{company} — {t('jobs.title', lang)}", t("jobs.feed_subtitle", lang), urls["list"], jobs[:cap])]
        for facet in facets:
            for option in facet.options:
                subset = self.facet_index[lang].matching(facet.name, option.key)
                facet_feeds = feed_paths(prefix, facet.name, option.key) if facet.name in ("department", "location") else None
                self._write(
                    writer, option.url, "job_list", lang, self._facet_alternates(facet.name, option.key),
                    listed_jobs=subset, active_facet=facet.name, active_option=option, feeds=facet_feeds,
                    # The subset by its files alone: every job's content is in `every` already.
                    **keys(every and cache.digested([job.source_path for job in subset])), **common,
                )
                if facet_feeds:
                    feed_set.append(FeedSpec(facet_feeds, f"{company} — {t('jobs.title', lang)} — {option.label}",
                                             t("jobs.feed_subtitle", lang), option.url, subset[:cap]))
        write_job_feed_set(self.output_path, settings, lang, jobs, feed_set, cache=cache)
        write_json(settings, self.output_path, prefix + JSON_FEED_11, json_feed_11(settings, feed_set[0], lang, prefix + JSON_FEED_11))
        write_output(self.settings, self.output_path, urls["index"], index_document_text(jobs, cache))
        write_output(settings, self.output_path, urls["list"] + FILTER_CSS, filter_css(facets))


# "(H/F)" and "·e" endings make no sense in an address: "ingenieur-cloud", not "ingenieure-cloud-hf".
_NEUTRAL_MARKS = re.compile(r"\(?\b[HFX]\s*/\s*[HFX](?:\s*/\s*[HFX])?\b\)?|·\w*", re.I)


def new_file(settings, title: str, lang: str) -> Path:
    """A new job ad with every field present and a field guide, for `vivier new job`."""
    job_settings.apply_defaults(settings)
    slug = slugify(_NEUTRAL_MARKS.sub("", title), regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []))
    folder = Path(settings["PATH"]) / settings["JOBS_CONTENT_PATHS"][0]
    if lang != settings["DEFAULT_LANG"]:
        folder = folder / lang
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.md"
    posted = now(settings)
    departments = list(settings.get("JOBS_DEPARTMENTS") or {}) or ["data"]
    values = {
        "title": title,
        "slug": slug,
        "reference": f"{settings['JOBS_REFERENCE_PREFIX']}-{posted:%Y%m%d}-{slug[:20].rstrip('-')}",
        "lang": lang,
        "status": "open",
        "department": departments[0],
        "date": posted.strftime("%Y-%m-%d %H:%M"),
        "valid_through": (posted.date() + dt.timedelta(days=settings["JOBS_VALID_DAYS"])).isoformat(),
        "applicant_countries": "",
    }
    if lang != "fr":  # the field guide's examples are French; an English ad starts with English ones
        values.update(ENGLISH_VALUES)
    text = job_schema(settings).template(values, body=new_job_body(lang))
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return path


__all__ = ["FACETS", "Job", "JobsGenerator", "new_file"]

