"""Bare Pelican for the benchmark's baseline: default theme, default feeds, no plugin.

Only what makes the comparison fair differs from Pelican's defaults: the
same time zone and language as the career site, and the content cache on
(as in pelicanconf.py), so cold and warm builds compare like with like.
"""

AUTHOR = "Cardamome Conseil"
SITENAME = "Cardamome Conseil"
SITEURL = ""
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = ["pages"]
DELETE_OUTPUT_DIRECTORY = True
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
