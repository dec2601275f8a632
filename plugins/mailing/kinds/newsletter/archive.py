"""Public "view in browser" pages: the non-personalised email, per campaign, segment and language.

Written under output/ (MAILING_ARCHIVE_URL), `noindex`, never in the sitemap,
and built only from the public version of a variant: no name, no token, no
matched jobs — nothing about any member.
"""

from __future__ import annotations

from ...personalise import public_values, render
from ...views import archive_path

BASE_TARGET = '<base target="_top">'


def public_html(settings, compiled) -> str:
    """The email as anyone may see it (generic unsubscribe and preferences pages)."""
    values = public_values(compiled, settings["MAILING_UNSUBSCRIBE_URL"], settings["MAILING_PREFERENCES_URL"])
    html, _ = render(compiled, values)
    # Links inside the framed email open in the page, not in the frame.
    return html.replace("<head>", "<head>" + BASE_TARGET, 1)


def write_pages(generator, writer, build) -> list[str]:
    """One page per segment and language, from variant A."""
    settings = generator.settings
    template = generator.get_template("newsletter_archive")
    written = []
    for segment in build.segments:
        alternates = {lang: archive_path(settings, build.slug, segment, lang) for lang in build.versions}
        for lang, campaign in build.versions.items():
            compiled = build.compiled.get((segment, lang, build.variants[0]))
            if compiled is None:
                continue
            url = alternates[lang]
            writer.write_file(
                url + "index.html", template, generator.context,
                relative_urls=settings.get("RELATIVE_URLS", False),
                page_lang=lang, alternates=alternates, page_url=url,
                page_title=compiled.subject, page_description=compiled.preheader, noindex=True,
                newsletter=campaign, segment=segment, email_html=public_html(settings, compiled),
            )
            written.append(url)
    return written
