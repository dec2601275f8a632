"""The "meet the team" listing, its facet pages and JSON index, and profile extras.

Filtering follows the shared facets.js contract: a `<form data-facets>` whose
checkboxes are named after the facets (`team`, `language`, `format`), a JSON
index `{"items": [{"id", "text", "facets"}]}` beside the listing, and one
static page per facet value so that filtering works without JavaScript too.
"""

from __future__ import annotations

import json
import os

from . import ambassador_fields as af
from . import sitemap
from .ambassador_booking import booking_config, booking_url, texts
from .output import open_output
from .urls import absolute


def _json_for_script(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")


def person_jsonld(settings, amb) -> str:
    """schema.org Person: only what the page shows; never an email or a phone."""
    company = settings["CAREERS_COMPANY"]
    data = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": amb.name,
        "jobTitle": amb.role,
        "worksFor": {"@type": "Organization", "name": company["name"], "url": company["url"]},
        "url": absolute(settings, amb.url),
        "knowsLanguage": list(amb.languages),
        "knowsAbout": list(amb.topics),
    }
    if amb.photo:
        data["image"] = absolute(settings, amb.photo)
    return _json_for_script(data)


def labels(settings, lang: str) -> dict[str, dict[str, str]]:
    """Display names of formats and languages in one language."""
    flat = af.strings(settings, lang)
    pick = lambda prefix: {k.rsplit(".", 1)[1]: v for k, v in flat.items() if k.startswith(prefix)}  # noqa: E731
    return {"formats": pick("ambassadors.formats."), "languages": pick("ambassadors.language_names.")}


def _open_jobs(context, lang: str) -> dict[str, str]:
    """{reference: title} of open jobs, in `lang` where a translation exists."""
    result: dict[str, str] = {}
    for job in sorted(context.get("open_jobs", []) or [], key=lambda j: getattr(j, "lang", "") != lang):
        reference, title = getattr(job, "reference", None), getattr(job, "title", None)
        if reference and title:
            result.setdefault(str(reference), str(title))
    return result


def _open_jobs_of(generator, lang: str) -> dict[str, str]:
    """`_open_jobs` once per language and build (every profile of a language lists the same jobs)."""
    jobs = generator.context.get("open_jobs")
    memo = generator.__dict__.setdefault("_open_jobs_memo", {})
    found = memo.get(lang)
    if found is None or found[0] is not jobs:
        found = memo[lang] = (jobs, _open_jobs(generator.context, lang))
    return found[1]


def profile_extras(generator, amb) -> dict:
    """Template variables of one profile page: booking links, wording, questions."""
    settings = generator.settings
    flat = af.strings(settings, amb.lang)
    words = texts(flat, amb.name)
    names = labels(settings, amb.lang)
    links = []
    if amb.booking_kind != "form":
        links = [(key, names["formats"].get(key, key), booking_url(amb.booking, words, fmt=key)) for key in amb.formats]
    questions = amb.questions or [q.strip() for q in flat["ambassadors.default_questions"].split("|") if q.strip()]
    return {
        "booking_links": links,
        "booking_plain": booking_url(amb.booking, words) if amb.booking_kind != "form" else None,
        "booking_json": booking_config(amb, words, _open_jobs_of(generator, amb.lang)),
        "form_endpoint": settings.get("AMBASSADORS_FORM_ENDPOINT"),
        "suggested_questions": questions,
        "format_names": names["formats"],
        "language_names": names["languages"],
        "team_url": af.listing_url(amb.lang),
    }


class ListingWriter:
    """Per language: the listing, one page per facet value, and the JSON index."""

    def __init__(self, generator, listed):
        self.generator = generator
        self.settings = generator.settings
        self.languages = self.settings["CAREERS_LANGUAGES"]
        self.by_lang = {lang: [a for a in listed if a.lang == lang] for lang in self.languages}
        self.facets = {lang: self._facets(lang, items) for lang, items in self.by_lang.items()}

    def _values(self, amb, facet: str) -> list[str]:
        return {"team": [amb.department], "language": list(amb.languages), "format": list(amb.formats)}[facet]

    def _facets(self, lang, items) -> list[dict]:
        names = labels(self.settings, lang)
        departments = af.departments(self.settings)
        label_of = {
            "team": lambda k: departments.get(k, {}).get(lang, k),
            "language": lambda k: names["languages"].get(k, k),
            "format": lambda k: names["formats"].get(k, k),
        }
        order = {
            "team": lambda keys: sorted(keys, key=lambda k: label_of["team"](k).casefold()),
            "language": lambda keys: [k for k in names["languages"] if k in keys],
            "format": lambda keys: [k for k in af.FORMATS if k in keys],
        }
        strings = af.strings(self.settings, lang)
        result = []
        for facet in af.FACET_SEGMENTS:
            counts: dict[str, list] = {}
            for amb in items:
                for key in self._values(amb, facet):
                    counts.setdefault(key, []).append(amb)
            options = [
                {"key": k, "label": label_of[facet](k), "count": len(counts[k]), "items": counts[k],
                 "url": af.facet_url(lang, facet, k)}
                for k in order[facet](set(counts))
            ]
            result.append({"name": facet, "legend": strings[f"ambassadors.facet.{facet}"], "options": options})
        return result

    def _alternates(self, facet: str | None = None, key: str | None = None) -> dict[str, str]:
        result = {}
        for lang in self.languages:
            if facet is None:
                result[lang] = af.listing_url(lang)
            elif any(o["key"] == key for f in self.facets[lang] if f["name"] == facet for o in f["options"]):
                result[lang] = af.facet_url(lang, facet, key)
        return result

    def register_sitemap(self, context) -> None:
        for lang in self.languages:
            sitemap.add(context, af.listing_url(lang), None, self._alternates())
            for facet in self.facets[lang]:
                for option in facet["options"]:
                    sitemap.add(context, option["url"], None, self._alternates(facet["name"], option["key"]))

    def index(self, lang) -> dict:
        """The JSON index facets.js filters on (no personal data beyond the page's)."""
        names = labels(self.settings, lang)
        items = []
        for amb in self.by_lang[lang]:
            words = [amb.name, amb.role, amb.department_label, amb.office or "", *amb.topics,
                     *(names["languages"].get(k, k) for k in amb.languages),
                     *(names["formats"].get(k, k) for k in amb.formats)]
            items.append({
                "id": amb.slug,
                "title": amb.name,
                "url": amb.url,
                "text": " ".join(w for w in words if w),
                "facets": {facet: self._values(amb, facet) for facet in af.FACET_SEGMENTS},
            })
        return {"items": items}

    def write(self, writer) -> None:
        gen = self.generator
        template = gen.get_template("team")
        for lang in self.languages:
            common = dict(relative_urls=self.settings.get("RELATIVE_URLS", False), page_lang=lang,
                          team_facets=self.facets[lang], team_url=af.listing_url(lang),
                          team_index=af.index_url(lang))
            url = af.listing_url(lang)
            writer.write_file(url + "index.html", template, gen.context, page_url=url,
                              alternates=self._alternates(), team_members=self.by_lang[lang], **common)
            for facet in self.facets[lang]:
                for option in facet["options"]:
                    writer.write_file(
                        option["url"] + "index.html", template, gen.context, page_url=option["url"],
                        alternates=self._alternates(facet["name"], option["key"]), team_members=option["items"],
                        current_facet=facet, current_option=option, **common,
                    )
            path = os.path.join(gen.output_path, af.index_url(lang))
            with open_output(gen.settings, path) as handle:
                json.dump(self.index(lang), handle, ensure_ascii=False, indent=1, sort_keys=True)
                handle.write("\n")
