"""Home pages, article lists, categories, authors and article feeds, per language.

Pelican's own index and feeds mix languages; candidates read one language at
a time, so every list here exists once per language with links between them.
"""

from __future__ import annotations

from collections import defaultdict
from operator import attrgetter

from pelican.generators import Generator
from pelican.utils import slugify

from . import sitemap
from .dates import site_zone, today
from .feeds import add_entries, new_feed, write_feed
from .urls import lang_prefix
from .writing import write_page

# Save-as patterns relative to the language prefix ('' or 'en/').
ARTICLE_LIST = "articles/"
CATEGORY = {"fr": "articles/categorie/{slug}/", "en": "articles/category/{slug}/"}
AUTHOR = {"fr": "articles/auteur/{slug}/", "en": "articles/author/{slug}/"}
FEED_ALL = "feeds/articles.atom.xml"
FEED_CATEGORY = "feeds/{slug}.atom.xml"


def alternates_of(item) -> dict[str, str]:
    """{lang: url} for an article or page and its translations."""
    result = {item.lang: item.url}
    for translation in getattr(item, "translations", []):
        result.setdefault(translation.lang, translation.url)
    return result


class SiteGenerator(Generator):
    """Writes home pages and per-language article indexes and feeds."""

    def generate_context(self):
        languages = self.settings["CAREERS_LANGUAGES"]
        originals = list(self.context.get("articles", []))
        articles = originals + [t for a in originals for t in a.translations]
        by_lang = {lang: [] for lang in languages}
        for article in articles:
            by_lang.setdefault(article.lang, []).append(article)
        for items in by_lang.values():
            items.sort(key=attrgetter("date"), reverse=True)
        self.articles_by_lang = by_lang
        self.context["articles_by_lang"] = by_lang
        self.context["today"] = today(self.settings)
        self.slug_settings = self.settings.get("SLUG_REGEX_SUBSTITUTIONS", [])

        # Category and author pages per language; their URLs on each article.
        self.categories = defaultdict(lambda: defaultdict(list))
        self.authors = defaultdict(lambda: defaultdict(list))
        for lang, items in by_lang.items():
            prefix = lang_prefix(self.settings, lang)
            for article in items:
                cat_slug = slugify(article.category.name, regex_subs=self.slug_settings)
                article.category_url = prefix + CATEGORY.get(lang, CATEGORY["en"]).format(slug=cat_slug)
                self.categories[lang][(article.category.name, article.category_url)].append(article)
                article.author_links = []
                for author in article.authors:
                    url = prefix + AUTHOR.get(lang, AUTHOR["en"]).format(slug=slugify(author.name, regex_subs=self.slug_settings))
                    article.author_links.append((author.name, url))
                    self.authors[lang][(author.name, url)].append(article)

        for item in articles + list(self.context.get("pages", [])):
            sitemap.add(self.context, item.url, getattr(item, "modified", None) or getattr(item, "date", None), alternates_of(item))
        for page in self.context.get("pages", []):
            for translation in page.translations:
                sitemap.add(self.context, translation.url, None, alternates_of(page) | {page.lang: page.url})
        for lang in languages:
            prefix = lang_prefix(self.settings, lang)
            home_alts = {other: lang_prefix(self.settings, other) for other in languages}
            sitemap.add(self.context, prefix, None, home_alts)
            list_alts = {other: lang_prefix(self.settings, other) + ARTICLE_LIST for other in languages}
            sitemap.add(self.context, prefix + ARTICLE_LIST, None, list_alts)

    def _write(self, writer, url, template, lang, alternates, **extra):
        write_page(self, writer, url, template, lang, alternates, **extra)

    def generate_output(self, writer):
        languages = self.settings["CAREERS_LANGUAGES"]
        home_alts = {lang: lang_prefix(self.settings, lang) for lang in languages}
        list_alts = {lang: lang_prefix(self.settings, lang) + ARTICLE_LIST for lang in languages}
        featured = self.settings.get("CAREERS_HOME_ARTICLES", 3)
        zone = site_zone(self.settings)
        for lang in languages:
            prefix = lang_prefix(self.settings, lang)
            items = self.articles_by_lang.get(lang, [])
            self._write(writer, prefix, "home", lang, home_alts, featured_articles=items[:featured])
            self._write(
                writer, prefix + ARTICLE_LIST, "article_list", lang, list_alts,
                listed_articles=items, list_title_key="articles.title",
                categories=sorted(self.categories[lang]),
                feed_url=prefix + FEED_ALL,
            )
            for (name, url), cat_items in self.categories[lang].items():
                slug = url.rstrip("/").rsplit("/", 1)[-1]
                feed_path = prefix + FEED_CATEGORY.format(slug=slug)
                self._write(
                    writer, url, "article_list", lang, {lang: url},
                    listed_articles=cat_items, list_title=name, categories=sorted(self.categories[lang]),
                    feed_url=feed_path,
                )
                self._feed(feed_path, url, name, lang, cat_items, zone)
            for (name, url), author_items in self.authors[lang].items():
                self._write(
                    writer, url, "article_list", lang, {lang: url},
                    listed_articles=author_items, list_title=name, author_page=True,
                    categories=sorted(self.categories[lang]),
                )
            self._feed(prefix + FEED_ALL, prefix + ARTICLE_LIST, None, lang, items, zone)
        writer.write_file("404.html", self.get_template("404"), self.context, page_lang=self.settings["DEFAULT_LANG"], alternates={}, page_url="404.html", noindex=True)

    def _feed(self, feed_path, page_url, name, lang, items, zone):
        from .i18n import translator

        t = translator(self.settings["THEME"], self.settings["DEFAULT_LANG"])
        title = self.settings["CAREERS_COMPANY"]["name"] + " — " + (name or t("articles.title", lang))
        feed = new_feed(self.settings, feed_url=feed_path, page_url=page_url, title=title, subtitle=t("articles.feed_subtitle", lang), lang=lang)
        add_entries(feed, self.settings, items[:50], zone)
        write_feed(self.settings, self.output_path, feed_path, feed)
