"""Writing one page of the site with the variables every template expects."""

from __future__ import annotations

import os

from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError

from . import page_cache


def write_page(generator, writer, url: str, template: str, lang: str, alternates: dict, *, shows=None, derived=None,
               keyed_as: dict | None = None, **extra) -> None:
    """Render `template` to `url` (a folder URL gets index.html) with the base.html variables.

    `shows`: the content whose files are this page's inputs besides what its
    variables name (a job's translations and similar jobs). With it, the page
    is not rendered again when none of its inputs changed (`page_cache`).
    `derived`: a function giving more variables, computed from the other
    inputs alone (a job's JSON-LD from the job and the settings), called
    only when the page is rendered. `keyed_as`: variables that the key
    describes by a stand-in (`page_cache.Digested` of the very same value,
    worked out once for many pages); a missing stand-in (None) means the
    page is always rendered.
    """
    name = url + "index.html" if url.endswith("/") or url == "" else url
    variables = dict(relative_urls=generator.settings.get("RELATIVE_URLS", False), page_lang=lang, alternates=alternates,
                     page_url=url, **extra)
    cache = page_cache.for_build(generator) if shows is not None else None
    if cache is not None:
        path = os.path.join(generator.output_path, name)
        keyed = variables if not keyed_as else {**variables, **keyed_as}
        key = None if keyed_as and None in keyed_as.values() else cache.key(generator, template, keyed, shows)
        if cache.reuse(path, key):
            _claim(writer, path)
            return
        cache.rendered_as(path, key)
    if derived is not None:
        variables.update(derived())
    writer.write_file(name, generator.get_template(template), generator.context, **variables)


def _claim(writer, path: str) -> None:
    """A page left as it was still claims its file: a second page of the build with the same URL fails it,
    as Pelican's writer fails it when both are rendered."""
    written = getattr(writer, "_written_files", None)
    if written is None:
        return
    path = sanitised_join(os.path.dirname(path), os.path.basename(path))  # the form Pelican's writer records
    if path in written:
        raise FileOverwriteFailedError(f'Failed to overwrite "{path}" as Pelican has already written to it previously')
    written.add(path)
