"""Pelican settings for the Vivier career site (development build).

The `vivier` command line loads this same file, so the build and the CLI never
disagree. Plugin settings are prefixed (`CAREERS_…`, `JOBS_…`, `MAILING_…`,
`POOL_…`); their defaults and validation live in each plugin's `settings.py`.
"""

import os

# Project files are found from here, so a settings file elsewhere that does
# `from pelicanconf import *` (tests, CI variants) still finds them.
PROJECT_ROOT = os.path.dirname(os.path.abspath(__file__))

AUTHOR = "Cardamome Conseil"
SITENAME = "Cardamome Conseil — Carrières"
# Links inside the site are relative in development; canonical URLs, feeds,
# emails and JSON-LD always use PUBLIC_URL (absolute, HTTPS).
SITEURL = ""
RELATIVE_URLS = False
PUBLIC_URL = "https://carrieres.cardamome.example"

PATH = "content"
THEME = "theme"
OUTPUT_PATH = "output"
TIMEZONE = "Europe/Paris"

# --- Languages: French first, English second --------------------------------
DEFAULT_LANG = "fr"
CAREERS_LANGUAGES = ["fr", "en"]
ARTICLE_TRANSLATION_ID = "slug"
PAGE_TRANSLATION_ID = "slug"

# --- Where things live -------------------------------------------------------
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
STATIC_PATHS = ["images"]
ARTICLE_EXCLUDES = ["jobs", "events", "ambassadors", "newsletters"]

ARTICLE_URL = "articles/{slug}/"
ARTICLE_SAVE_AS = "articles/{slug}/index.html"
ARTICLE_LANG_URL = "{lang}/articles/{slug}/"
ARTICLE_LANG_SAVE_AS = "{lang}/articles/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
PAGE_LANG_URL = "{lang}/{slug}/"
PAGE_LANG_SAVE_AS = "{lang}/{slug}/index.html"
# Category, author and list pages are written per language by the careers
# plugin; Pelican's own (single-language) ones are switched off.
CATEGORY_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""
DIRECT_TEMPLATES = []
DRAFT_URL = "brouillons/{slug}/"
DRAFT_SAVE_AS = "brouillons/{slug}/index.html"
DRAFT_LANG_URL = "{lang}/brouillons/{slug}/"
DRAFT_LANG_SAVE_AS = "{lang}/brouillons/{slug}/index.html"

# --- Feeds -------------------------------------------------------------------
# Written with feedgen by the careers plugin, one set per language.
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
FEED_ALL_RSS = None
CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_RSS = None

# --- Build -------------------------------------------------------------------
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["careers", "mailing", "editor"]
DELETE_OUTPUT_DIRECTORY = False  # the careers plugin removes what a build no longer produces (careers/output.py)
OUTPUT_RETENTION = [".nojekyll", "CNAME"]
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
# Pelican gzips its content caches by default: at 5,000 job ads, reading and writing the readers' cache took
# 0.5 s of every rebuild, against 0.1 s uncompressed (about 10 MB in cache/, never published).
GZIP_CACHE = False
TYPOGRIFY = False
SUMMARY_MAX_LENGTH = 40
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {"permalink": False},
    },
    "output_format": "html5",
}

# "Today" for everything date-dependent (expiry, upcoming events, retention).
# None means the real date in TIMEZONE; tests and reproducible builds pin it,
# here or with the VIVIER_TODAY environment variable (YYYY-MM-DD).
VIVIER_TODAY = None

# --- Main menu -------------------------------------------------------------------
# (theme string key, {language: URL relative to the site root})
CAREERS_NAV = [
    ("nav.home", {"fr": "", "en": "en/"}),
    ("nav.jobs", {"fr": "emplois/", "en": "en/jobs/"}),
    ("nav.team", {"fr": "rencontrer-l-equipe/", "en": "en/meet-the-team/"}),
    ("nav.events", {"fr": "evenements/", "en": "en/events/"}),
    ("nav.articles", {"fr": "articles/", "en": "en/articles/"}),
    ("nav.about", {"fr": "a-propos/", "en": "en/a-propos/"}),
]

# --- Company -----------------------------------------------------------------
CAREERS_COMPANY = {
    "name": "Cardamome Conseil",
    "legal_name": "Cardamome Conseil SAS",
    "url": "https://www.cardamome.example",
    "logo": "/theme/img/logo.png",  # raster, at least 112×112 (Google for Jobs); tools/logo_png.py makes it from logo.svg
    "postal_address": "18 rue des Tisserands, 69002 Lyon, France",
    "privacy_email": "dpo@cardamome.example",
}

# --- Private artefacts (never under output/, never in git) -------------------
POOL_PATH = os.environ.get("VIVIER_POOL", "var/sample-pool.sqlite3")
MAILING_OUTBOX = os.environ.get("VIVIER_OUTBOX", "var/outbox")

# --- Events (careers.events; see docs/events.md) ------------------------------
# Calendar files and invitations name this organizer (ORGANIZER;CN=…:mailto:…).
EVENTS_ORGANIZER = {
    "name": "Cardamome Conseil — Recrutement",
    "email": "evenements@cardamome.example",
}
EVENTS_PATH = "events"  # folder under content/
EVENTS_HOME_COUNT = 3  # upcoming events shown on the home page
EVENTS_CURRENCY = "EUR"  # of the free "Offer" in the events' JSON-LD

# --- Ambassadors: reverse interviews (careers.ambassadors; see docs/ambassadors.md)
# Profiles with `Booking: form` send their booking form (POST) here: Vivier's
# web application, which enforces each one's Monthly_cap and mails the role
# mailbox (same host as COMMUNITY_API_URL below; VIVIER_API_URL overrides it).
AMBASSADORS_FORM_ENDPOINT = os.environ.get("VIVIER_API_URL", "https://api.carrieres.cardamome.example") + "/entretien-inverse"
# The only thing kept of a booking: a count per ambassador and month (env VIVIER_BOOKINGS).
AMBASSADORS_BOOKINGS_PATH = os.environ.get("VIVIER_BOOKINGS", "var/bookings.sqlite3")
AMBASSADORS_CONSENT_NOTICE_DAYS = 30  # warn HR this long before a consent ends
# Ambassador photos are copied by the careers plugin only for published
# profiles with photo consent; Pelican's static copy must not publish them all.
STATIC_EXCLUDES = globals().get("STATIC_EXCLUDES", []) + ["images/ambassadors"]

# --- Job ads (careers.jobs; see docs/jobs.md) ----------------------------------
# Department keys (used in URLs, facets and feeds) and their labels.
JOBS_DEPARTMENTS = {
    "data": {"fr": "Data & IA", "en": "Data & AI"},
    "cloud": {"fr": "Cloud & DevOps", "en": "Cloud & DevOps"},
    "dev": {"fr": "Développement logiciel", "en": "Software development"},
    "conseil": {"fr": "Conseil & pilotage de projets", "en": "Consulting & project delivery"},
    "fonctions-support": {"fr": "Fonctions support", "en": "Support functions"},
}
JOBS_VALID_DAYS = 60  # an ad without Valid_through closes this many days after its date
JOBS_REQUIRE_SALARY = True  # EU Directive 2023/970: no pay range, no publication
JOBS_INTERVIEW_STEPS = {  # shown when an ad lists no Interview_steps of its own
    "fr": [
        "Un appel de 30 minutes avec une personne du recrutement",
        "Un entretien avec le ou la manager du poste et une personne de l'équipe",
        "Un cas pratique court, préparé sur place, jamais à la maison",
        "Une réponse sous dix jours ouvrés, quelle qu'elle soit",
    ],
    "en": [
        "A 30-minute call with someone from recruitment",
        "An interview with the hiring manager and someone from the team",
        "A short practical case, prepared on site, never as homework",
        "An answer within ten working days, whatever it is",
    ],
}

# --- Talent pool (plugins/talentpool; see docs/talent-pool.md) ---------------
# POOL_PATH (above) is the member store. Segments, policy, import mappings and
# the fictional sample pool:
POOL_SEGMENTS_PATH = os.path.join(PROJECT_ROOT, "audiences/segments")
POOL_POLICY_PATH = os.path.join(PROJECT_ROOT, "audiences/policy.yml")
POOL_MAPPINGS_PATH = os.path.join(PROJECT_ROOT, "audiences/mappings")
POOL_SAMPLE_PATH = os.path.join(PROJECT_ROOT, "audiences/sample/members.csv")
POOL_SAMPLE_MESSAGES_PATH = os.path.join(PROJECT_ROOT, "audiences/sample/messages.csv")
POOL_SKILLS_PATH = os.path.join(PROJECT_ROOT, "audiences/skills.yml")

# --- Mailing (talent-pool newsletters; defaults in plugins/mailing/settings.py) ---
# Campaigns live in content/newsletters/; the plan (manifest, compiled emails,
# previews) goes to MAILING_OUTBOX above, never to output/.
MAILING_FROM_NAME = "Cardamome Conseil — Carrières"
MAILING_FROM_ADDRESS = "carrieres@cardamome.example"
MAILING_LIST_ID = "vivier.carrieres.cardamome.example"
# One-click unsubscribe and preferences endpoints (served by the unsubscribe app):
# left unset, they follow PUBLIC_URL (+ "/desabonnement", "/preferences"), also
# when publishconf.py changes PUBLIC_URL.
MAILING_UNSUBSCRIBE_URL = None
MAILING_PREFERENCES_URL = None
MAILING_UNSUBSCRIBE_MAILTO = "desabonnement@cardamome.example"
MAILING_MATCHES = 3  # "jobs that match you" per member, unless a campaign says otherwise

# --- Delivery (`vivier send`, the unsubscribe app; see docs/delivery.md) -------
# The relay comes from the environment so each machine (laptop, CI, server)
# points at its own; user and password ONLY from VIVIER_SMTP_USER and
# VIVIER_SMTP_PASSWORD, never from a file.
MAILING_SMTP_HOST = os.environ.get("VIVIER_SMTP_HOST", "localhost")
MAILING_SMTP_PORT = os.environ.get("VIVIER_SMTP_PORT") or None  # None: 587, 465 or 25 by security
MAILING_SMTP_SECURITY = os.environ.get("VIVIER_SMTP_SECURITY", "starttls")  # starttls | tls | none
MAILING_RATE = 10  # messages per second (`vivier send --rate N` overrides)
MAILING_RETRIES = 3  # retries after a temporary (4xx) answer, 2 s, 4 s, 8 s apart

# --- Invitations and follow-up sequences (docs/invitations-and-sequences.md) ---
# Event invitations go out from this many days before the start; the reminder
# goes this many days before it to invited members (0: no reminder).
INVITATIONS_OPEN_DAYS = 90
INVITATIONS_REMINDER_DAYS = 1
# Follow-up sequences (YAML) and how long a step may wait (budget, consent) before it is missed.
SEQUENCES_PATH = "audiences/sequences"
SEQUENCES_MAX_WAIT_DAYS = 30

# --- Talent community: sign-up form, double opt-in, job alerts (docs/talent-community.md)
# Served by the web application (`vivier unsubscribe-app`, mailing.webapp.wsgi):
# the form posts here, and the confirmation email links there. The sample
# deployment serves the application on its own host name (VIVIER_API_URL
# overrides it, e.g. for a staging host); under PUBLIC_URL works too, see
# docs/talent-community.md.
COMMUNITY_API_URL = os.environ.get("VIVIER_API_URL", "https://api.carrieres.cardamome.example")
COMMUNITY_ENDPOINT = COMMUNITY_API_URL + "/inscription"
COMMUNITY_CONFIRM_URL = COMMUNITY_API_URL + "/confirmation"
COMMUNITY_FORM_VERSION = "2026-11"  # change it whenever the form's wording or consents change
COMMUNITY_CONFIRM_HOURS = 72  # a confirmation link works this long
COMMUNITY_RATE_PER_ADDRESS = 3  # sign-ups per mailbox and day (case and +tags ignored)
COMMUNITY_RATE_PER_CLIENT = 20  # sign-ups per client (IP) and hour
COMMUNITY_RATE_OVERALL = 300  # sign-ups per hour from everyone together
# Reverse proxies whose X-Forwarded-For is believed (IPs or networks); none: the connection's address counts.
COMMUNITY_TRUSTED_PROXIES = [p for p in os.environ.get("VIVIER_TRUSTED_PROXIES", "").split(",") if p.strip()]
COMMUNITY_LOCATIONS = ["Lyon", "Nantes"]  # cities offered in the form
COMMUNITY_ALERT_MAX_JOBS = 5  # jobs per alert digest at most (the rest wait for the next)
COMMUNITY_ALERT_MAX_AGE_DAYS = 30  # only jobs posted in the last N days are announced
