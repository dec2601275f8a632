"""careers — Pelican plugin for the career site.

Content types (jobs, ambassadors, events) with typed, validated metadata, home
pages and per-language lists, feeds, sitemap, JSON-LD and calendars. It knows
nothing of the mailing plugin.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os

import jinja2
from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket
from markupsafe import Markup
from pelican import signals

from . import forking, output, page_cache
from . import settings as careers_settings
from .ambassadors import AmbassadorsGenerator
from .content_cache import forget_files_with_problems
from .dates import today
from .events import EventsGenerator
from .i18n import translator
from .job_facets import data_attributes
from .jobs import JobsGenerator
from .reader import VivierMarkdownReader
from .report import get_report, reset_report
from .sitemap import SitemapGenerator
from .site import SiteGenerator, alternates_of
from .sources import check_stray_files
from .urls import absolute, lang_prefix

logger = logging.getLogger(__name__)


def initialize(pelican):
    """Defaults and validation, before any generator exists."""
    careers_settings.apply_defaults(pelican.settings)
    careers_settings.validate(pelican.settings)


def install_template_helpers(generator):
    """Template filters and globals on each generator's Jinja environment.

    They go on the environment, not in settings, because Pelican pickles the
    settings into its content cache and closures cannot be pickled.
    """
    env = getattr(generator, "env", None)
    if env is None:
        return
    settings = generator.settings
    # Each build (`pelican --autoreload`'s too) makes new generators, so a template cannot change while an
    # environment lives: no stat() of a template and of everything it includes at every page.
    env.auto_reload = False
    cache = template_cache(settings)
    if cache is not None:
        env.bytecode_cache = cache
    t = translator(settings["THEME"], settings["DEFAULT_LANG"])
    env.filters.update(
        t=t,
        absolute_url=lambda url: absolute(settings, url),
        format_date=lambda value, lang=None: format_date(t, value, lang),
        facet_data=lambda job: Markup(data_attributes(job)),  # a job card's data-<facet> attributes
    )
    env.globals.update(
        lang_prefix=lambda lang: lang_prefix(settings, lang),
        CAREERS_LANGUAGES=settings["CAREERS_LANGUAGES"],
        alternates_of=alternates_of,
    )


def template_cache_folder(settings) -> str:
    """Where compiled templates are kept: CAREERS_TEMPLATE_CACHE_PATH, else a folder of this user's cache.

    Not under CACHE_PATH: like Python's own `__pycache__`, compiled theme code
    is not content, and a cold build (no output, no content cache) need not
    compile the theme again (about 0.25 s of CPU for the 28 templates).
    """
    folder = settings.get("CAREERS_TEMPLATE_CACHE_PATH")
    if folder:
        return os.path.abspath(folder)
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "vivier", "templates")


def template_cache(settings):
    """Compiled templates kept (see `template_cache_folder`) while Pelican's content cache is on.

    Every generator has its own Jinja environment and compiled the theme's
    templates again on every build. An entry is keyed by the template's name
    and file, and by what the compiled code depends on in the environment
    (`_TemplateCache.get_bucket`), and checked against the source's checksum,
    so an edited template is compiled again. No folder (none can be made):
    templates are compiled as without a cache.
    """
    if not (settings.get("CACHE_CONTENT") and settings.get("LOAD_CONTENT_CACHE")):
        return None
    folder = os.path.join(template_cache_folder(settings), "jinja-" + jinja2.__version__)
    cache = _TEMPLATE_CACHES.get(folder)
    if cache is None:
        try:
            cache = _TEMPLATE_CACHES[folder] = _TemplateCache(folder)
        except OSError as exc:
            logger.debug("compiled templates not kept (%s): %s", folder, exc)
            return None
    return cache


def environment_fingerprint(env) -> bytes:
    """What a template's compiled code depends on besides its source: syntax, options, extensions, names.

    Jinja compiles a call to a filter or test it does not know into an error,
    so the names of the environment's filters and tests (not their code, looked
    up when a page is rendered) are part of it.
    """
    options = (
        env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
        env.comment_start_string, env.comment_end_string, env.line_statement_prefix, env.line_comment_prefix,
        env.trim_blocks, env.lstrip_blocks, env.newline_sequence, env.keep_trailing_newline, env.optimized,
        env.is_async, repr(env.autoescape) if not callable(env.autoescape) else _qualified(env.autoescape),
        env.finalize is not None, sorted(_qualified(type(e)) for e in env.extensions.values()),
        sorted(env.filters), sorted(env.tests), _qualified(env.code_generator_class), _qualified(env.context_class),
    )
    return repr(options).encode()


def _qualified(obj) -> str:
    return f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', repr(obj))}"


class _TemplateCache(FileSystemBytecodeCache):
    """Jinja's file cache, keyed by the environment too, surviving its folder being deleted."""

    def __init__(self, folder):
        os.makedirs(folder, exist_ok=True)
        super().__init__(folder)

    def get_bucket(self, environment, name, filename, source):
        key = hashlib.sha256(self.get_cache_key(name, filename).encode() + b"|" +
                             environment_fingerprint(environment)).hexdigest()
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def dump_bytecode(self, bucket):
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:  # only costs a compilation next time
            pass


_TEMPLATE_CACHES: dict = {}


def format_date(t, value, lang=None):
    """'14 septembre 2026' / '14 September 2026' from theme strings."""
    if value is None:
        return ""
    months = t("dates.months", lang).split(",")
    return t("dates.long", lang, day=value.day, month=months[value.month - 1].strip(), year=value.year)


def freeze_contexts(generators_):
    """Every generator has read its content: what exists now lives until the build ends.

    Rendering and writing thousands of pages allocates millions of short-lived
    objects; each collection of the oldest generation walked the whole
    context (hundreds of MB at 5,000 jobs). `gc.freeze()` moves what exists to
    a generation the collector never walks (a warm 5,000-job rebuild:
    4.7-4.8 s -> 4.2-4.3 s in alternating runs, the collection Python runs at exit included).
    The next build of the same process (`make serve`) starts with `thaw`, so
    the cycles of earlier builds are still freed.
    """
    gc.freeze()


_BUILDS_STARTED = [0]  # builds of this process (`make serve` runs many)


def thaw(*_):
    """A new build starts: the collector walks everything again, the previous build's objects included.

    Not before the first build of a process: what is frozen then (by `vivier
    build`'s pool-fit fork) is what the imports made, which lives as long as
    the process, and a full collection walked it for nothing (0.04-0.09 s).
    """
    _BUILDS_STARTED[0] += 1
    if _BUILDS_STARTED[0] > 1 and gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()  # the previous build's cycles, before this build freezes its own


def use_our_reader(readers):
    for extension in VivierMarkdownReader.file_extensions:
        readers.reader_classes[extension] = VivierMarkdownReader


def finish_reading(generators_):
    """What the jobs generator leaves until the mail side's child has forked (`JobsGenerator.finish_reading`)."""
    for generator in generators_:
        if isinstance(generator, JobsGenerator):
            generator.finish_reading()


def validate_build(generators_):
    """After every generator read its content: fail once with every problem."""
    if not generators_:
        return
    settings = generators_[0].settings
    # A generator that runs others (the mailing plugin's) lists them in `generators`.
    inner = [g for generator in generators_ for g in getattr(generator, "generators", (generator,))]
    check_stray_files(settings, get_report(settings))
    forget_files_with_problems(inner, get_report(settings))
    get_report(settings).raise_if_errors()
    get_report(settings).site_validated = True


def register():
    signals.initialized.connect(initialize)
    signals.readers_init.connect(use_our_reader)
    signals.generator_init.connect(install_template_helpers)
    signals.get_generators.connect(get_generators)
    signals.all_generators_finalized.connect(finish_reading)  # first: the mail child has forked by now
    signals.all_generators_finalized.connect(validate_build)
    signals.all_generators_finalized.connect(freeze_contexts)  # after validate_build: only if the build goes on
    signals.get_writer.connect(output.get_writer)
    signals.static_generator_finalized.connect(output.record_static)
    signals.finalized.connect(output.sweep)
    signals.finalized.connect(page_cache.save)  # after the sweep, which waits for every file to be written


def get_generators(pelican):
    reset_report(pelican.settings)
    output.reset(pelican.settings)
    page_cache.reset(pelican.settings)
    forking.reap()  # children of a failed build of this process (`make serve`)
    thaw()
    # Content generators first; the site (home pages) and the sitemap read
    # what they put in the context, so they come last.
    return [
        JobsGenerator,
        EventsGenerator,
        AmbassadorsGenerator,
        SiteGenerator,
        SitemapGenerator,
    ]


__all__ = ["register", "today"]
