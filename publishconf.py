"""Production settings (`make publish`, CI): absolute URLs, feeds on, drafts off.

Everything else comes from pelicanconf.py, so a production build differs from
a preview only by what is listed here.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pelicanconf import *  # noqa: E402,F401,F403

# The address candidates reach the site at. VIVIER_PUBLIC_URL overrides it
# without editing a file (a staging host, a GitHub Pages project address…):
# https only, no trailing slash.
PUBLIC_URL = os.environ.get("VIVIER_PUBLIC_URL") or PUBLIC_URL  # noqa: F405
# Absolute links everywhere: pages, feeds and emails all point at PUBLIC_URL.
SITEURL = PUBLIC_URL
RELATIVE_URLS = False

# Feeds: the careers plugin writes the article, job and event feeds (Atom,
# RSS, JSON, the job-board XML and the .ics calendars) per language on every
# build; Pelican's own single-language feeds stay off.
FEED_DOMAIN = SITEURL

# Drafts are built for preview in development only, never published.
DRAFT_SAVE_AS = ""
DRAFT_LANG_SAVE_AS = ""
DRAFT_URL = ""
DRAFT_LANG_URL = ""

# A clean output folder and no content cache: what is published is exactly
# what the sources say today, byte for byte reproducible.
DELETE_OUTPUT_DIRECTORY = True
LOAD_CONTENT_CACHE = False
CACHE_CONTENT = False
