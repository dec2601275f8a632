"""Pelican settings for the Vivier career site (development build).

The `vivier` command line loads this same file, so the build and the CLI never
disagree. Plugin settings are prefixed (`CAREERS_…`, `JOBS_…`, `MAILING_…`,
`POOL_…`); their defaults and validation live in each plugin's `settings.py`.
"""

import os

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
STATIC_PATHS = ["images", "extra"]
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
PLUGINS = ["careers"]
DELETE_OUTPUT_DIRECTORY = True
OUTPUT_RETENTION = [".nojekyll", "CNAME"]
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
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

# --- Company -----------------------------------------------------------------
CAREERS_COMPANY = {
    "name": "Cardamome Conseil",
    "legal_name": "Cardamome Conseil SAS",
    "url": "https://www.cardamome.example",
    "logo": "/theme/img/logo.svg",
    "postal_address": "18 rue des Tisserands, 69002 Lyon, France",
    "privacy_email": "dpo@cardamome.example",
}

# --- Private artefacts (never under output/, never in git) -------------------
POOL_PATH = os.environ.get("VIVIER_POOL", "var/pool.sqlite3")
MAILING_OUTBOX = os.environ.get("VIVIER_OUTBOX", "var/outbox")
