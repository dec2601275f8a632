"""Production settings: absolute URLs, feeds on, drafts off."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F401,F403

SITEURL = PUBLIC_URL  # noqa: F405
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
# Drafts are built for preview in development only.
DRAFT_SAVE_AS = ""
DRAFT_LANG_SAVE_AS = ""
# A fresh cache on every CI build keeps the published output deterministic.
LOAD_CONTENT_CACHE = False
