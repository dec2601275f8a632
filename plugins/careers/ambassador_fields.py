"""What an ambassador file may say: the fields, their checks, settings and URLs.

Ambassadors are employees who offer candidates a reverse interview. Their
files live in `content/ambassadors/` (translations in `content/ambassadors/en/`
with the same slug); a translation inherits every field it leaves out from the
default-language file, so HR keeps consent dates and booking links in one place.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from . import fields as f
from .i18n import load_strings
from .settings import SettingsError

# Photos also appear in newsletters, where only these formats display everywhere.
PHOTO_FORMATS = (".png", ".jpg", ".jpeg", ".gif")

DEFAULTS = {
    # Folders (under PATH) holding ambassador profiles.
    "AMBASSADORS_PATHS": ["ambassadors"],
    # Where `Booking: form` profiles send their booking form (POST), or None:
    # Vivier's web application serves it (docs/ambassadors.md).
    "AMBASSADORS_FORM_ENDPOINT": None,
    # The web application's count of form bookings per ambassador and month
    # (nothing else of a request is kept); env VIVIER_BOOKINGS.
    "AMBASSADORS_BOOKINGS_PATH": None,
    # Warn HR this many days before a profile's consent ends.
    "AMBASSADORS_CONSENT_NOTICE_DAYS": 30,
}

# Listing per language, relative to the site root; profiles and facet pages
# live beneath it, the JSON index beside it.
PATHS = {"fr": "rencontrer-l-equipe/", "en": "en/meet-the-team/"}
# Facet names are also the query-string names used by facets.js.
FACET_SEGMENTS = {
    "team": {"fr": "equipe", "en": "team"},
    "language": {"fr": "langue", "en": "language"},
    "format": {"fr": "format", "en": "format"},
}
FORMATS = ["video", "phone", "on-site", "walking"]
FORMAT_ALIASES = {
    "visio": "video", "vidéo": "video", "visioconférence": "video", "video call": "video",
    "téléphone": "phone", "telephone": "phone", "tél": "phone",
    "sur place": "on-site", "sur-place": "on-site", "présentiel": "on-site", "on site": "on-site", "onsite": "on-site",
    "marche": "walking", "balade": "walking", "walk": "walking", "en marchant": "walking",
}
LANGUAGE_ALIASES = {
    "français": "fr", "francais": "fr", "french": "fr",
    "anglais": "en", "english": "en",
    "espagnol": "es", "spanish": "es", "español": "es",
    "allemand": "de", "german": "de", "deutsch": "de",
    "italien": "it", "italian": "it",
    "portugais": "pt", "portuguese": "pt",
    "arabe": "ar", "arabic": "ar",
}
VISIBILITY = ["listed", "unlisted"]
VISIBILITY_ALIASES = {"public": "listed", "visible": "listed", "liste": "listed", "listé": "listed",
                      "non listé": "unlisted", "privé": "unlisted", "private": "unlisted", "hidden": "unlisted"}
# Path segments that cannot be profile slugs (they are facet folders).
RESERVED_SLUGS = {s for segs in FACET_SEGMENTS.values() for s in segs.values()}


def apply_defaults(settings: dict) -> None:
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)


def validate(settings: dict) -> None:
    """Name the setting that is wrong, before any file is read."""
    problems = []
    endpoint = settings.get("AMBASSADORS_FORM_ENDPOINT")
    if endpoint is not None:
        parts = urlsplit(str(endpoint))
        if parts.scheme != "https" or not parts.netloc:
            problems.append(f"AMBASSADORS_FORM_ENDPOINT must be an absolute https:// address or None, not {endpoint!r}")
    days = settings.get("AMBASSADORS_CONSENT_NOTICE_DAYS")
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        problems.append(f"AMBASSADORS_CONSENT_NOTICE_DAYS must be a whole number of days, not {days!r}")
    paths = settings.get("AMBASSADORS_PATHS")
    if not isinstance(paths, (list, tuple)) or not paths:
        problems.append(f"AMBASSADORS_PATHS must be a list of folders under PATH, not {paths!r}")
    if problems:
        raise SettingsError("Invalid settings in pelicanconf.py:\n  " + "\n  ".join(problems))


def listing_url(lang: str) -> str:
    return PATHS.get(lang, f"{lang}/meet-the-team/")


def profile_url(lang: str, slug: str) -> str:
    return f"{listing_url(lang)}{slug}/"


def index_url(lang: str) -> str:
    return f"{listing_url(lang)}index.json"


def facet_url(lang: str, facet: str, key: str) -> str:
    segment = FACET_SEGMENTS[facet].get(lang, FACET_SEGMENTS[facet]["en"])
    return f"{listing_url(lang)}{segment}/{key}/"


def strings(settings, lang: str) -> dict[str, str]:
    """The flat theme strings of one language (default language as fallback)."""
    table = load_strings(settings["THEME"])
    return table.get(lang) or table[settings["DEFAULT_LANG"]]


def departments(settings) -> dict[str, dict[str, str]]:
    """{key: {lang: label}}: the jobs' JOBS_DEPARTMENTS, completed by our theme strings."""
    result: dict[str, dict[str, str]] = {}
    table = load_strings(settings["THEME"])
    for lang, flat in table.items():
        for name, label in flat.items():
            if name.startswith("ambassadors.departments."):
                result.setdefault(name.rsplit(".", 1)[1], {})[lang] = label
    for key, labels in (settings.get("JOBS_DEPARTMENTS") or {}).items():
        result.setdefault(key, {}).update(labels)
    return result


def language_codes(settings) -> list[str]:
    """Languages an ambassador can speak: those with a name in the theme strings."""
    flat = strings(settings, settings["DEFAULT_LANG"])
    return [k.rsplit(".", 1)[1] for k in flat if k.startswith("ambassadors.language_names.")]


def booking(value) -> str:
    """A Cal.com or Calendly link, a mailto: role mailbox, or the word `form`."""
    raw = f._text(value)
    if raw.casefold() in ("form", "formulaire"):
        return "form"
    if "@" in raw and ":" not in raw:
        raw = "mailto:" + raw
    parts = urlsplit(raw)
    if parts.scheme == "mailto":
        address = parts.path
        if parts.query or not f._EMAIL_RE.fullmatch(address):
            raise f.FieldValueError(
                f"{raw!r} must be mailto: followed by one address only (Vivier writes the subject and body)"
            )
        return raw
    if parts.scheme == "https" and parts.fragment == "" and booking_kind(raw) in ("calcom", "calendly"):
        return raw
    raise f.FieldValueError(
        f"{raw!r} is not a Cal.com or Calendly https address, a mailto: address, or the word form"
    )


def booking_kind(value: str) -> str:
    """'calcom', 'calendly', 'mailto', 'form' or 'other'."""
    if value == "form":
        return "form"
    parts = urlsplit(value)
    if parts.scheme == "mailto":
        return "mailto"
    host = (parts.hostname or "").lower()
    if host == "cal.com" or host.endswith(".cal.com"):
        return "calcom"
    if host == "calendly.com" or host.endswith(".calendly.com"):
        return "calendly"
    return "other"


def schema(settings, *, translation: bool = False) -> f.Schema:
    """The ambassador fields; a translation's are all optional (it inherits them)."""
    languages = settings.get("CAREERS_LANGUAGES", ["fr", "en"])
    required = not translation
    depts = sorted(departments(settings))
    fields = [
        f.Field("name", f.text(max_length=80, plain=True), required=required, example="Léa Martin",
                help="first name and last name, as the person wants it shown"),
        f.Field("lang", f.language(languages), example="fr", help="language of this file: " + ", ".join(languages)),
        f.Field("role", f.text(max_length=100, plain=True), required=required, example="Consultante data senior",
                help="job title, in the file's language", aliases=("poste",)),
        f.Field("department", f.choice(depts), required=required, example="data",
                help="team key: " + ", ".join(depts), aliases=("team", "equipe", "équipe")),
        f.Field("office", f.text(max_length=60), example="Nantes", help="office the person works from (optional)",
                aliases=("bureau",)),
        f.Field("languages", f.list_of(f.choice(language_codes(settings), LANGUAGE_ALIASES)), required=required,
                example="fr, en", help="languages the conversation can be held in (codes: fr, en, es…)",
                aliases=("langues",)),
        f.Field("topics", f.list_of(f.text(max_length=80)), required=required,
                example="le quotidien en mission, l'équilibre vie pro / vie perso, la montée en compétences",
                help="what the person is happy to talk about, comma-separated", aliases=("sujets",)),
        f.Field("formats", f.list_of(f.choice(FORMATS, FORMAT_ALIASES)), required=required,
                example="video, phone, on-site, walking", help="offered formats: video, phone, on-site, walking"),
        f.Field("booking", booking, required=required, example="https://cal.com/cardamome/lea-martin",
                help="a Cal.com or Calendly link, mailto:role-mailbox@…, or form (uses AMBASSADORS_FORM_ENDPOINT)",
                aliases=("reservation", "réservation")),
        f.Field("mailbox", f.email(), example="entretiens.equipe@cardamome.example",
                help="with Booking: form, the role mailbox that receives the requests; never published",
                aliases=("boite", "boîte")),
        f.Field("questions", f.list_of(f.text(max_length=200), separator="|"),
                example="Comment se passe une première semaine en mission ? | Qu'est-ce qui vous a fait rester ?",
                help="suggested questions, separated by | or one per indented line"),
        f.Field("photo", f.text(max_length=200), example="images/ambassadors/lea-martin.png",
                help="image under content/, shown only with Photo_consent: yes"),
        f.Field("photo_alt", f.text(max_length=200), example="Portrait dessiné de Léa Martin",
                help="what the photo shows, for screen readers"),
        f.Field("photo_consent", f.boolean(), default=False, example="yes",
                help="yes only if the person agreed in writing to show the photo"),
        f.Field("consent_until", f.date(), required=required, example="2027-09-30",
                help="end of the person's consent; after it the profile is not published",
                aliases=("consentement_jusqu_au",)),
        f.Field("monthly_cap", f.integer(minimum=1, maximum=30), example="3",
                help="at most this many conversations a month, shown to candidates (optional)",
                aliases=("plafond_mensuel",)),
        f.Field("visibility", f.choice(VISIBILITY, VISIBILITY_ALIASES), default="listed", example="listed",
                help="listed, or unlisted: reachable by link only, not indexed, absent from lists"),
        f.Field("summary", f.text(), example="Dix ans de data, dont quatre à Nantes.",
                help="one or two sentences for the listing"),
    ]
    return f.Schema("ambassador", fields, passthrough=frozenset({"slug", "reader", "template"}))
