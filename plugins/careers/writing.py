"""Writing one page of the site with the variables every template expects."""

from __future__ import annotations


def write_page(generator, writer, url: str, template: str, lang: str, alternates: dict, **extra) -> None:
    """Render `template` to `url` (a folder URL gets index.html) with the base.html variables."""
    writer.write_file(
        url + "index.html" if url.endswith("/") or url == "" else url,
        generator.get_template(template),
        generator.context,
        relative_urls=generator.settings.get("RELATIVE_URLS", False),
        page_lang=lang,
        alternates=alternates,
        page_url=url,
        **extra,
    )
