"""The view of one campaign × segment × language × variant: plain data for the templates.

Both parts of an email (MJML/HTML and plain text) are rendered from this one
view, so they always carry the same content and the same links. Every link to
the site is absolute (PUBLIC_URL) and carries the campaign's UTM parameters.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .matching import JobFacts
from .pipeline import markup, wrap
from .reports.clicks import counted_link

UTM_SOURCE = "vivier"
UTM_MEDIUM = "email"


def absolute(settings, url: str) -> str:
    """An absolute https URL on PUBLIC_URL for a site-relative one."""
    if url.startswith(("http://", "https://", "mailto:")):
        return url
    return settings["PUBLIC_URL"].rstrip("/") + "/" + url.lstrip("/")


def with_utm(settings, url: str, campaign: str, variant: str) -> str:
    """`url` with utm_source/medium/campaign/content when it points to our site.

    The URL's parts (one `urlsplit` per link, remembered) and the encoded query
    (one `urlencode` per link query, campaign and variant, remembered) are
    computed once, not once per variant and segment: a newsletter links every
    open job in every variant. `_with_utm_plain` is the same without memos.
    """
    public = settings["PUBLIC_URL"]
    if settings.get("MAILING_CLICK_COUNTS"):  # off by default: aggregate counts per link and variant
        linked = _with_utm_plain(settings, url, campaign, variant)
        return counted_link(settings, linked, campaign, variant) if linked.startswith(public.rstrip("/") + "/") else linked
    if not (type(url) is str and type(public) is str and type(campaign) is str and type(variant) is str):
        return _with_utm_plain(settings, url, campaign, variant)  # Markup and the like: no memo
    url, parts = _site_link(public, url)
    if parts is None:
        return url
    head, query, fragment = parts
    # urlunsplit appends "?" + query when the query is not empty (it never is: it holds the UTM
    # parameters), then "#" + fragment when there is one.
    text = head + "?" + _utm_query(query, campaign, variant)
    return text + "#" + fragment if fragment else text


def _with_utm_plain(settings, url: str, campaign: str, variant: str) -> str:
    url = absolute(settings, url)
    parts = urlsplit(url)
    if parts.netloc != urlsplit(settings["PUBLIC_URL"]).netloc:
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [("utm_source", UTM_SOURCE), ("utm_medium", UTM_MEDIUM), ("utm_campaign", campaign), ("utm_content", variant)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


@lru_cache(maxsize=1 << 16)
def _site_link(public: str, url: str) -> tuple[str, tuple | None]:
    """(absolute URL, None) for another site; (absolute URL, (scheme://netloc/path, kept query, fragment)) for ours."""
    url = absolute({"PUBLIC_URL": public}, url)
    parts = urlsplit(url)
    if parts.netloc != urlsplit(public).netloc:
        return url, None
    query = tuple((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_"))
    return url, (urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), query, parts.fragment)


@lru_cache(maxsize=1 << 12)
def _utm_query(query: tuple, campaign: str, variant: str) -> str:
    return urlencode(list(query) + [("utm_source", UTM_SOURCE), ("utm_medium", UTM_MEDIUM),
                                    ("utm_campaign", campaign), ("utm_content", variant)])


# --- Formatting --------------------------------------------------------------------


def money(value, lang: str) -> str:
    if value is None:
        return ""
    number = int(value) if Decimal(value) == int(value) else float(value)
    text = f"{number:,}"
    return text.replace(",", "\u202f") if lang == "fr" else text


def job_meta(job, strings: dict) -> str:
    cities = ", ".join(getattr(loc, "city", "") for loc in getattr(job, "locations", []) or [] if getattr(loc, "city", ""))
    remote = strings.get("remote", {}).get(getattr(job, "remote", ""), "")
    return " · ".join(p for p in (cities, str(getattr(job, "contract", "") or ""), remote) if p)


def job_salary(job, strings: dict, lang: str) -> str:
    low, high = getattr(job, "salary_min", None), getattr(job, "salary_max", None)
    if low is None and high is None:
        return ""
    period = strings.get("periods", {}).get(getattr(job, "salary_period", "year"), "")
    return strings["salary"].format(min=money(low if low is not None else high, lang),
                                    max=money(high if high is not None else low, lang),
                                    currency=getattr(job, "salary_currency", "EUR") or "EUR", period=period)


def when(event, lang: str, month_names: list[str]) -> str:
    """'3 décembre 2026, 18:30–21:00 (Europe/Paris)': the event's own time zone, named."""
    start, end = event.start, event.end
    day = f"{start.day} {month_names[start.month - 1]} {start.year}"
    hours = f"{start:%H:%M}–{end:%H:%M}" if end and end.date() == start.date() else f"{start:%H:%M}"
    zone = getattr(event, "timezone", None) or start.tzinfo
    return f"{day}, {hours} ({zone})"


MONTHS = {
    "fr": "janvier,février,mars,avril,mai,juin,juillet,août,septembre,octobre,novembre,décembre".split(","),
    "en": "January,February,March,April,May,June,July,August,September,October,November,December".split(","),
}


class _TextOfHTML(HTMLParser):
    """Plain text of the intro's HTML: paragraphs, headings, lists, links written out."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.links: list[str] = []
        self.prefix = ""
        self.heading = 0

    def flush(self):
        text = " ".join("".join(self.current).split())
        if text:
            if self.heading:
                text = f"{text}\n{'-' * len(text)}"
            else:
                text = wrap(text, indent="") if not self.prefix else self.prefix + wrap(text, indent="  ").lstrip()
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "li", "h1", "h2", "h3", "h4", "blockquote", "br", "div"):
            self.flush()
            self.prefix = "* " if tag == "li" else ""
            self.heading = int(tag[1]) if tag[0] == "h" and tag[1:].isdigit() else 0
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            href = self.links.pop()
            if href and not href.startswith("#"):
                self.current.append(f" <{href}>")
        if tag in ("p", "li", "h1", "h2", "h3", "h4", "blockquote", "div"):
            self.flush()
            self.prefix, self.heading = "", 0

    def handle_data(self, data):
        self.current.append(data)


def html_to_text(fragment: str) -> str:
    parser = _TextOfHTML()
    parser.feed(fragment)
    parser.close()
    parser.flush()
    return "\n\n".join(parser.blocks)


_HREF = re.compile(r'(\s(?:href|src)\s*=\s*")([^"]*)(")')


def absolutise_links(settings, fragment: str, campaign: str, variant: str) -> str:
    """Links of Pelican-rendered HTML made absolute, with UTM for site links."""

    def fix(match):
        url = html.unescape(match.group(2))
        if url.startswith(("mailto:", "#")):
            return match.group(0)
        if match.group(1).strip().startswith("src"):
            new = absolute(settings, url)
        else:
            new = with_utm(settings, url, campaign, variant)
        return match.group(1) + html.escape(new, quote=True) + match.group(3)

    return _HREF.sub(fix, fragment)


def strip_tags(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment or "")).split())


# --- Items -------------------------------------------------------------------------


def job_item(settings, job, strings, lang, campaign, variant, shared: tuple | None = None) -> dict:
    """A candidate card's data; `shared` = `job_shared(…)` when already computed for another variant."""
    meta, salary, facts = shared if shared is not None else job_shared(job, strings, lang)
    return {
        "reference": str(getattr(job, "reference", "")),
        "title": job.title,
        "url": with_utm(settings, job.url, campaign, variant),
        "meta": meta,
        "salary": salary,
        "facts": facts,
    }


def job_shared(job, strings, lang) -> tuple[str, str, dict]:
    """What a job's card holds whatever the campaign and variant: place line, salary line, facts."""
    return job_meta(job, strings), job_salary(job, strings, lang), JobFacts.from_job(job).to_dict()


def facts_key(facts: dict) -> tuple:
    """Where a memo (`cards` of build_view, `memo` of compile_variant) keeps the JobFacts of a facts dict."""
    return ("facts", id(facts))


def event_item(settings, event, lang, campaign, variant, strings) -> dict:
    where = getattr(event, "venue", None) or ""
    if getattr(event, "address", None):
        where = f"{where}, {event.address}" if where else event.address
    if not where and getattr(event, "online_url", None):
        where = strings["event_online"]
    registration = getattr(event, "registration_url", None)
    return {
        "title": event.title,
        "url": with_utm(settings, event.url, campaign, variant),
        "when": when(event, lang, MONTHS.get(lang, MONTHS["en"])),
        "where": where,
        "cancelled": getattr(event, "status", "") == "cancelled",
        "registration_url": with_utm(settings, registration, campaign, variant) if registration else "",
        "ics_url": absolute(settings, getattr(event, "ics_url", "") or event.url),
    }


def article_item(settings, article, campaign, variant) -> dict:
    image = getattr(article, "image", None)
    alt = getattr(article, "image_alt", None)
    return {
        "title": article.title,
        "url": with_utm(settings, article.url, campaign, variant),
        "summary": strip_tags(getattr(article, "summary", "")),
        # An image without a text alternative is not shown at all.
        "image": absolute(settings, str(image)) if image and alt else "",
        "image_alt": str(alt or ""),
    }


def ambassador_item(settings, person, campaign, variant) -> dict:
    photo, alt = getattr(person, "photo", None), getattr(person, "photo_alt", None)
    return {
        "name": person.name,
        "role": getattr(person, "role", ""),
        "url": with_utm(settings, person.url, campaign, variant),
        "photo": absolute(settings, str(photo)) if photo and alt else "",
        "photo_alt": str(alt or ""),
        "topics": list(getattr(person, "topics", []) or [])[:4],
    }


def candidate_items(settings, jobs, strings, lang, slug, variant, cards: dict | None,
                     known: dict | None = None) -> list[dict]:
    """The candidates' items; with `cards` (one dict per campaign and language), shared by its
    segments and, but for the URL, by its variants; with `known` (one dict per build), each job's
    facts are read once and its place and salary lines written once per language."""
    if cards is None:
        return [job_item(settings, j, strings, lang, slug, variant) for j in jobs]
    if known is None:
        known = {}
    result = []
    for j in jobs:
        key = (id(j), variant)
        entry = cards.get(key)
        if entry is None:
            shared = cards.get(id(j))  # the variants of a language share the place, salary and facts
            if shared is None:
                facts, data = _known_facts(known, j)
                meta, salary = _known_lines(known, j, strings, lang)
                shared = cards[id(j)] = (j, (meta, salary, data))
                # The same JobFacts for compile_variant (sharing `cards` as its memo): to_dict/from_dict round-trip.
                cards[facts_key(data)] = (data, facts)
            entry = cards[key] = (j, job_item(settings, j, strings, lang, slug, variant, shared[1]))  # the job keeps its id alive
        result.append(entry[1])
    return result


def _known_facts(known: dict, job) -> tuple[JobFacts, dict]:
    """(JobFacts, its dict) of a job, once per build; the entry keeps the job (and its id) alive."""
    entry = known.get(("facts", id(job)))
    if entry is None:
        facts = JobFacts.from_job(job)
        entry = known[("facts", id(job))] = (job, facts, facts.to_dict())
    return entry[1], entry[2]


def _known_lines(known: dict, job, strings: dict, lang: str) -> tuple[str, str]:
    """(place line, salary line) of a job in a language (its strings), once per build."""
    key = ("lines", id(job), id(strings), lang)
    entry = known.get(key)
    if entry is None:
        entry = known[key] = (job, strings, job_meta(job, strings), job_salary(job, strings, lang))
    return entry[2], entry[3]


def lang_url(settings, mapping: dict, lang: str) -> str:
    return mapping.get(lang) or mapping.get(settings["DEFAULT_LANG"]) or ""


def privacy_url(settings, lang: str) -> str:
    for key, urls in settings.get("CAREERS_FOOTER_LINKS", []):
        if key == "footer.privacy":
            return absolute(settings, lang_url(settings, urls, lang))
    return absolute(settings, "confidentialite/")


def archive_path(settings, slug: str, segment: str, lang: str) -> str:
    return settings["MAILING_ARCHIVE_URL"].format(slug=slug, segment=segment, lang=lang)


def build_view(settings, campaign, segment: str, variant: str, items: dict, strings: dict,
               cards: dict | None = None, known: dict | None = None) -> dict:
    """Everything the templates show for one variant; `items` holds the resolved selections.

    `cards` (optional, one dict per campaign and language) keeps the candidates'
    items by job and variant: they do not depend on the segment; their place
    line, salary line and facts (the same dict) depend on neither. `known`
    (optional, one dict per build) keeps each job's facts and lines for the
    other campaigns.
    """
    slug, lang = campaign.slug, campaign.lang
    subject = campaign.subject_b if variant == "b" and campaign.subject_b else campaign.subject
    utm = lambda url: with_utm(settings, url, slug, variant)  # noqa: E731
    intro_html = absolutise_links(settings, campaign.content, slug, variant)
    prefix = "" if lang == settings["DEFAULT_LANG"] else f"{lang}/"
    return {
        "slug": slug,
        "segment": segment,
        "lang": lang,
        "variant": variant,
        "title": campaign.title,
        "subject": subject,
        "preheader": campaign.preheader,
        "intro_html": markup(intro_html),
        "intro_text": html_to_text(intro_html),
        "company": settings["CAREERS_COMPANY"],
        "jobs": [job_item(settings, j, strings, lang, slug, variant) for j in items["jobs"]],
        "articles": [article_item(settings, a, slug, variant) for a in items["articles"]],
        "events": [event_item(settings, e, lang, slug, variant, strings) for e in items["events"]],
        "ambassador": ambassador_item(settings, items["ambassador"], slug, variant) if items.get("ambassador") else None,
        "candidates": candidate_items(settings, items["candidates"], strings, lang, slug, variant, cards, known),
        "matches_enabled": campaign.matches > 0,
        "matches": campaign.matches,
        "if_nothing": campaign.if_nothing,
        "cta": {"text": campaign.cta, "url": utm(campaign.cta_url)} if campaign.cta and campaign.cta_url else None,
        "links": {
            "archive": absolute(settings, archive_path(settings, slug, segment, lang)),
            "site": utm(prefix),
            "jobs": utm(lang_url(settings, settings["MAILING_JOBS_URL"], lang)),
            "privacy": privacy_url(settings, lang),
        },
        "date": campaign.date.isoformat() if isinstance(campaign.date, dt.datetime) else str(campaign.date),
    }
