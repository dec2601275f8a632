"""The newsletter campaign content type (`content/newsletters/`) and its schema.

One Markdown file per language (translations share the `Slug`); the
default-language file holds the campaign-wide fields (segments, selections,
matching, holdout), which a translation may repeat but not change.
"""

from __future__ import annotations

import re

from careers import fields as f
from careers.report import ContentReport
from pelican.contents import Content

SELECTION_RE = re.compile(r"(latest|next)\s+(\d{1,2})", re.I)


class Selection(tuple):
    """('latest', n) or ('pick', [ids]) or ('none', 0)."""

    @property
    def mode(self) -> str:
        return self[0]

    @property
    def value(self):
        return self[1]


def selection(word: str):
    """'latest 3' / 'next 2' (newest or soonest N), a comma-separated list of ids, or 'none'."""

    def parse(value):
        raw = f._text(value)
        if raw.casefold() in ("none", "aucun", "aucune", "0"):
            return Selection(("none", 0))
        match = SELECTION_RE.fullmatch(raw)
        if match:
            return Selection(("latest", int(match.group(2))))
        if re.match(r"(latest|next|dernier|prochain)", raw, re.I):
            raise f.FieldValueError(f"{raw!r} should be '{word} N' with N a number, e.g. '{word} 3'")
        ids = f.list_of()(raw)
        return Selection(("pick", ids))

    return parse


def site_or_https_url(value):
    raw = f._text(value)
    if raw.startswith("https://") or (not re.match(r"[a-z]+:", raw) and not raw.startswith("//")):
        return raw.lstrip("/") if not raw.startswith("https://") else raw
    raise f.FieldValueError(f"{raw!r} must be a page of the site (like emplois/) or an https:// address")


def campaign_schema(languages, default_matches: int = 3, translation: bool = False) -> f.Schema:
    """The fields of a campaign file; a translation may leave out the campaign-wide ones."""
    return f.Schema(
        "newsletter",
        [
            f.Field("title", f.text(max_length=90), required=True, example="Des offres data à Lyon cet hiver",
                    help="the heading at the top of the email and of its public page"),
            f.Field("date", lambda v: v, required=True, example="2026-12-01 09:00",
                    help="when the campaign is planned to go out"),
            f.Field("subject", f.text(max_length=150), required=True, example="Trois offres data à Lyon pour vous",
                    help="subject line (variant A); the build checks its length"),
            f.Field("subject_b", f.text(max_length=150), example="Data à Lyon : on recrute cet hiver",
                    help="optional second subject: members are split between A and B", aliases=("subject-b",)),
            f.Field("preheader", f.text(max_length=200), required=True,
                    example="Python, SQL, dbt : les postes ouverts cette semaine et notre prochain meetup",
                    help="the grey line after the subject in the inbox, 40 to 130 characters"),
            f.Field("segments", f.list_of(), required=not translation, default=[], example="data-lyon, nantes",
                    help="talent-pool segments (audiences/segments/*.yml), in order of priority"),
            f.Field("languages", f.list_of(f.language(languages)), example="fr, en",
                    help="languages to send in; each needs its file (default: the files present)"),
            f.Field("jobs", selection("latest"), default=Selection(("none", 0)), example="latest 3",
                    help="featured jobs: 'latest N', references (DATA-2026-01, …) or 'none'"),
            f.Field("articles", selection("latest"), default=Selection(("none", 0)), example="latest 2",
                    help="featured stories: 'latest N', slugs, or 'none'"),
            f.Field("events", selection("next"), default=Selection(("none", 0)), example="next 2",
                    help="events: 'next N' (upcoming, for the segment), slugs, or 'none'"),
            f.Field("ambassador", f.text(max_length=80), example="lea-martin",
                    help="slug of an ambassador to spotlight"),
            f.Field("matches", f.integer(minimum=0, maximum=10), default=default_matches, example="3",
                    help="how many 'jobs that match you' per member (0 to switch the block off)"),
            f.Field("if_nothing", f.choice(["skip", "general"], {"ignorer": "skip", "général": "general"}),
                    default="general", example="general", aliases=("if-nothing",),
                    help="members with no matching job: 'skip' them or send the 'general' version"),
            f.Field("cta", f.text(max_length=60), example="Voir toutes nos offres",
                    help="text of the closing button"),
            f.Field("cta_url", site_or_https_url, example="emplois/", aliases=("cta-url",),
                    help="where the button goes: a page of the site or an https:// address"),
            f.Field("holdout", f.integer(minimum=0, maximum=50), default=0, example="0",
                    help="percent of members kept out of the send to measure its effect"),
        ],
    )


# Fields that belong to the campaign as a whole (taken from the default-language file).
CAMPAIGN_WIDE = ("segments", "languages", "matches", "if_nothing", "holdout")


class Campaign(Content):
    """One language version of a newsletter campaign."""

    mandatory_properties = ("title",)
    default_template = "newsletter"

    @property
    def url(self):  # noqa: D401 - the public archive page of its first segment
        segments = getattr(self, "segments", None) or ["all"]
        pattern = self.settings.get("MAILING_ARCHIVE_URL", "newsletters/{slug}/{segment}/{lang}/")
        return pattern.format(slug=self.slug, segment=segments[0], lang=self.lang)

    @property
    def save_as(self):
        return ""  # written by mailing.kinds.newsletter.archive, not by Pelican


def apply_schema(campaign: Campaign, settings, report: ContentReport) -> bool:
    """Typed values onto the campaign; False when a field is wrong (the report says which)."""
    languages = settings.get("CAREERS_LANGUAGES", ["fr", "en"])
    translation = getattr(campaign, "lang", settings["DEFAULT_LANG"]) != settings["DEFAULT_LANG"]
    schema = campaign_schema(languages, settings.get("MAILING_MATCHES", 3), translation)
    path = campaign.source_path
    before = len(report.errors)
    raw = {k: v for k, v in campaign.metadata.items() if v is not None and k not in ("reader",)}
    values = schema.parse(raw, path, report)
    for key, value in values.items():
        setattr(campaign, key, value)
    campaign.given = {k.lower() for k in raw}
    if (values.get("cta") is None) != (values.get("cta_url") is None):
        report.error(path, "cta", "cta and cta_url go together: give both or neither", "Cta: Voir nos offres / Cta_url: emplois/")
    if campaign.lang not in languages:
        report.error(path, "lang", f"{campaign.lang!r} is not one of {', '.join(languages)}", "fr", f.field_line(path, "lang"))
    return len(report.errors) == before


def line(campaign: Campaign, name: str):
    return f.field_line(campaign.source_path, name)


def new_file(settings, title: str, lang: str):
    """A new campaign under content/newsletters/, for `vivier newsletter new`."""
    from pathlib import Path
    from careers.dates import now
    from pelican.utils import slugify

    slug = slugify(title, regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []))
    folder = Path(settings["PATH"]) / "newsletters" / ("" if lang == settings["DEFAULT_LANG"] else lang)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{slug}.md"
    schema = campaign_schema(settings.get("CAREERS_LANGUAGES", ["fr", "en"]), settings.get("MAILING_MATCHES", 3))
    values = {"title": title, "date": now(settings).strftime("%Y-%m-%d %H:%M")}
    if lang != "fr":  # the field guide's examples are French; an English campaign starts with English ones
        values.update(subject="Three data jobs in Lyon for you", subject_b="Data in Lyon: we are hiring this winter",
                      preheader="Python, SQL, dbt: the positions open this week and our next meetup",
                      cta="See all our jobs", cta_url="en/jobs/")
    text = schema.template(values, body="Bonjour ! \n" if lang == "fr" else "Hello!\n")
    text = f"Slug: {slug}\nLang: {lang}\n" + text
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(text)
    return path
