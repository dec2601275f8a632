"""URL helpers shared by every careers generator and template."""

from __future__ import annotations


def lang_prefix(settings, lang: str) -> str:
    """'' for the default language, 'en/' for English, and so on."""
    return "" if lang == settings["DEFAULT_LANG"] else f"{lang}/"


def absolute(settings, url: str) -> str:
    """The public, absolute https URL of a site-relative URL."""
    if url.startswith(("http://", "https://", "mailto:")):
        return url
    return settings["PUBLIC_URL"].rstrip("/") + "/" + url.lstrip("/")


def site_link(settings, url: str) -> str:
    """How templates link inside the site: SITEURL + '/' + url."""
    return f"{settings.get('SITEURL', '')}/{url.lstrip('/')}"
