"""Ambassadors: employees a candidate can choose for a reverse interview.

`AmbassadorsGenerator` reads `content/ambassadors/`, validates every file
(problems go to the build's report), leaves out profiles whose consent has
ended (with a warning naming the file), and puts the published listed
profiles in `context["ambassadors"]`. It writes one page per profile (unlisted
ones too, `noindex`), the "meet the team" listing per language with its facet
pages and JSON index, and copies the photos of consenting profiles only.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import urlsplit

from pelican.contents import Content
from pelican.generators import Generator
from pelican.utils import slugify

from . import ambassador_fields as af
from . import sitemap
from .ambassador_pages import ListingWriter, person_jsonld, profile_extras
from .dates import today
from .output import store
from .report import get_report


class Ambassador(Content):
    """One employee's profile, in one language."""

    default_template = "ambassador"
    mandatory_properties = ()

    @property
    def url(self) -> str:
        return af.profile_url(self.lang, self.slug)

    @property
    def save_as(self) -> str:
        return self.url + "index.html"

    @property
    def listed(self) -> bool:
        return self.visibility == "listed"

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


def _raw_metadata(item) -> dict:
    return {k.lower(): v for k, v in item.metadata.items() if v is not None}


def _present(schema, raw: dict) -> set[str]:
    """Canonical names of the fields a file sets itself."""
    return {schema.by_name[k].name for k in raw if k in schema.by_name}


class AmbassadorsGenerator(Generator):
    """Reads, checks and writes the ambassador profiles and the team listing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        af.apply_defaults(self.settings)
        af.validate(self.settings)
        self.profiles: list[Ambassador] = []

    # --- reading --------------------------------------------------------------

    def _read_all(self, report):
        items = []
        for rel in sorted(self.get_files(self.settings["AMBASSADORS_PATHS"], extensions=("md", "markdown"))):
            path = os.path.join(self.path, rel)
            try:
                item = self.readers.read_file(base_path=self.path, path=rel, content_class=Ambassador, context=self.context)
            except Exception as exc:  # a broken file must not hide the others' problems
                report.error(path, "file", f"cannot be read ({exc})", "a Markdown file with Name:, Role:… lines first")
                continue
            items.append(item)
        return items

    def _group(self, items) -> dict[str, list]:
        slug_subs = self.settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
        groups: dict[str, list] = {}
        for item in items:
            raw = _raw_metadata(item)
            key = raw.get("slug") or slugify(str(raw.get("name") or Path(item.source_path).stem), regex_subs=slug_subs)
            groups.setdefault(str(key), []).append(item)
        return groups

    def generate_context(self):
        settings = self.settings
        report = get_report(settings)
        default_lang = settings["DEFAULT_LANG"]
        full, partial = af.schema(settings), af.schema(settings, translation=True)
        day = today(settings)
        published = []
        for slug, group in sorted(self._group(self._read_all(report)).items()):
            raws = {id(item): _raw_metadata(item) for item in group}
            base = next((i for i in group if raws[id(i)].get("lang", default_lang) == default_lang), None)
            base_values = full.parse(raws[id(base)], base.source_path, report) if base else None
            seen_langs: dict[str, str] = {}
            members = []
            for item in group:
                raw = raws[id(item)]
                if item is base:
                    values = dict(base_values)
                elif base is not None:
                    own = partial.parse(raw, item.source_path, report)
                    values = {**base_values, **{k: own[k] for k in _present(partial, raw) if k in own}}
                    if report.has_errors_for(base.source_path):
                        continue  # the original's problems are reported; nothing to publish
                else:
                    values = full.parse(raw, item.source_path, report)
                values["lang"] = values.get("lang") or raw.get("lang") or default_lang
                if values["lang"] in seen_langs:
                    report.error(item.source_path, "slug", f"{slug!r} in {values['lang']} is already used by {seen_langs[values['lang']]}; give each person one file per language",
                                 "Slug: lea-martin-2")
                    continue
                seen_langs[values["lang"]] = item.source_path
                if self._check(item, slug, values, report, day):
                    members.append(item)
            for item in members:
                item.translations = [other for other in members if other is not item]
            published.extend(members)
        self.profiles = sorted(published, key=lambda a: (a.name.casefold(), a.lang))
        listed = [a for a in self.profiles if a.listed]
        by_department: dict[str, dict[str, list]] = {}
        for amb in listed:
            by_department.setdefault(amb.lang, {}).setdefault(amb.department, []).append(amb)
        self.context["ambassadors"] = listed
        self.context["ambassadors_by_department"] = by_department
        self.listing = ListingWriter(self, listed)
        for amb in listed:
            sitemap.add(self.context, amb.url, None, {a.lang: a.url for a in [amb, *amb.translations]})
        self.listing.register_sitemap(self.context)
        self.readers.save_cache()

    def _check(self, item, slug, values, report, day) -> bool:
        """Final checks; sets the typed attributes. False: not published."""
        path = item.source_path
        if values.get("booking") == "form" and not self.settings.get("AMBASSADORS_FORM_ENDPOINT"):
            report.error(path, "booking", "is form, but AMBASSADORS_FORM_ENDPOINT is not set in pelicanconf.py",
                         "AMBASSADORS_FORM_ENDPOINT = \"https://api.carrieres.cardamome.example/entretien-inverse\"")
        if values.get("booking") == "form" and not values.get("mailbox"):
            report.error(path, "mailbox", "is missing: with Booking: form, the requests go to a role mailbox; add it "
                         "(it is not published)", "Mailbox: entretiens.equipe@cardamome.example", af.f.field_line(path, "booking"))
        if slug in af.RESERVED_SLUGS:
            report.error(path, "slug", f"{slug!r} is the name of a facet folder", f"Slug: {slug}-2")
        photo = values.get("photo")
        if photo and not (Path(self.path) / photo).is_file():
            report.error(path, "photo", f"{photo!r} does not exist under content/", "images/ambassadors/lea-martin.png",
                         af.f.field_line(path, "photo"))
        elif photo and Path(photo).suffix.lower() not in af.PHOTO_FORMATS:
            report.error(path, "photo", f"{photo!r} is not a PNG or JPEG; newsletters show this photo and Gmail or "
                         "Outlook do not display SVG or WebP images", "images/ambassadors/lea-martin.png",
                         af.f.field_line(path, "photo"))
        if "<h1" in (item._content or ""):
            report.error(path, "body", "uses a level-1 title (# …); the name is the page's only one, start the bio at ##",
                         "## Mon parcours")
        if report.has_errors_for(path):
            return False
        until = values["consent_until"]
        if until < day:
            report.warning(path, "consent_until",
                           f"consent ended on {until.isoformat()}: this profile is not published; renew the consent (new date) or delete the file",
                           line=af.f.field_line(path, "consent_until"))
            return False
        notice = self.settings["AMBASSADORS_CONSENT_NOTICE_DAYS"]
        if until - day <= dt.timedelta(days=notice):
            report.warning(path, "consent_until",
                           f"consent ends on {until.isoformat()}; ask the person to renew it or the profile will be removed",
                           line=af.f.field_line(path, "consent_until"))
        for key, value in values.items():
            setattr(item, key, value)
        item.slug = slug
        item.title = item.name
        item.in_default_lang = item.lang == self.settings["DEFAULT_LANG"]
        item.department_label = af.departments(self.settings).get(item.department, {}).get(item.lang, item.department)
        item.booking_kind = af.booking_kind(item.booking)
        shown = bool(photo and values.get("photo_consent"))
        item.photo_source = photo if shown else None
        item.photo = photo if shown else None
        if shown and not values.get("photo_alt"):
            item.photo_alt = af.strings(self.settings, item.lang)["ambassadors.photo_alt"].replace("{name}", item.name)
        elif not shown:
            item.photo_alt = None
        return True

    # --- writing --------------------------------------------------------------

    def generate_output(self, writer):
        copied = set()
        for amb in self.profiles:
            if amb.photo_source and amb.photo_source not in copied:
                store(self.settings, os.path.join(self.output_path, amb.photo_source),
                      (Path(self.path) / amb.photo_source).read_bytes())
                copied.add(amb.photo_source)
            writer.write_file(
                amb.save_as,
                self.get_template(amb.template),
                self.context,
                relative_urls=self.settings.get("RELATIVE_URLS", False),
                ambassador=amb,
                page_lang=amb.lang,
                alternates={a.lang: a.url for a in [amb, *amb.translations]},
                page_url=amb.url,
                noindex=not amb.listed,
                person_jsonld=person_jsonld(self.settings, amb),
                **profile_extras(self, amb),
            )
        self.listing.write(writer)


def new_file(settings, title: str, lang: str) -> Path:
    """A new profile under content/ambassadors/, for `vivier new ambassador "Name"`."""
    af.apply_defaults(settings)
    slug = slugify(title, regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []))
    folder = Path(settings["PATH"]) / settings["AMBASSADORS_PATHS"][0]
    if lang != settings["DEFAULT_LANG"]:
        folder = folder / lang
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.md"
    until = today(settings) + dt.timedelta(days=365)
    domain = urlsplit(settings["CAREERS_COMPANY"]["url"]).hostname or "example.com"
    mailbox = "mailto:entretiens@" + domain.removeprefix("www.")
    text = af.schema(settings).template(
        {"name": title, "lang": lang, "consent_until": until.isoformat(), "photo": "", "photo_alt": "",
         "photo_consent": "no", "visibility": "unlisted", "booking": mailbox},
        body=af.strings(settings, lang)["ambassadors.new_body"].replace("\\n", "\n") + "\n",
    )
    text = f"Slug: {slug}\n" + text
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return path
