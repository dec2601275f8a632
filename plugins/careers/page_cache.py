"""Pages whose inputs did not change are not rendered again (issue 21: a rebuild after one edit).

A rebuild after one edited job ad rendered all 5,000 job pages again, then
left 4,999 files alone because their bytes had not changed: rendering was
most of the rebuild. Here a page is rendered only when its inputs changed.
Its inputs, hashed into one key kept from one build to the next:

- what every page shares (`Shared`): the theme's files, byte for byte (its
  templates, strings and assets); the plugins' code and data files and the
  versions of the libraries that render (Pelican, Jinja, Markdown); every
  upper-case setting; "today"; the bytes of every content file that is not
  a job ad (articles, pages, ambassadors, events, data files);
- the page's template and every template it extends or includes, byte for
  byte (wherever they come from: `THEME_TEMPLATES_OVERRIDES` too), and what
  they read from the build's context: the names they leave undeclared
  (`jinja2.meta`), looked up in the context;
- what the page is given: every variable passed to the template (a content
  object by its file's path, bytes and date: Pelican's content cache knows a
  file by its date), and the content files whose fields
  it shows (`shows`: a job's translations and similar jobs), likewise.

A value the key cannot describe safely (an object that is neither plain
data nor content) makes the page uncacheable, so it is always rendered; so
does a content object among its variables or what it shows whose file has an intrasite link
(`{filename}…`: its body holds the URL of another file). The cache is used only when Pelican's content cache is
(`CACHE_CONTENT` and `LOAD_CONTENT_CACHE`), only when no plugin listens to
`content_written` (it would not hear of a page left alone), and a page is
left alone only when its file is still there with the size and modification
time it was written with (a page removed or edited by hand is rendered).
The same keys serve pieces of pages rendered once for many pages (a job's
card, on every listing and facet page): kept with their HTML, they are not
rendered again either. The keys and pieces are kept in
`CACHE_PATH/careers-pages.pickle`, written once a build has succeeded. `tests/careers/test_rebuild_in_place.py` compares, after each
kind of edit, a rebuild in place with a fresh build, byte for byte.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import json
import logging
import os
import pickle
import re
import sys
import types
from importlib import metadata

from jinja2 import meta
from pelican.contents import Content
from pelican.urlwrappers import URLWrapper

from . import output
from .dates import today

logger = logging.getLogger(__name__)

CACHE_KEY = "CAREERS_PAGE_CACHE"
FILE_NAME = "careers-pages.pickle"
FORMAT = 7
LIBRARIES = ("pelican", "jinja2", "markdown", "markupsafe", "pygments", "feedgen", "lxml")
# Pelican's intrasite links: the URL of another file, written into this one when it is rendered.
_INTRASITE = re.compile(rb"[{|](filename|static|attach|index|category|tag|author)[|}]")


class Uncacheable(Exception):
    """A value that the key cannot describe: the page is rendered."""


class Digested:
    """A value already described (`PageCache.digested`), standing in for it in the keys of many pages:
    a language's 2,500 jobs are described once, not once for each of its listing and facet pages."""

    def __init__(self, digest: bytes):
        self._key = "digested:" + digest.hex()

    def page_key(self) -> str:
        return self._key


class PageCache:
    """One build's keys: those of the previous build, and those of the pages this build produced."""

    def __init__(self, settings, context):
        self.settings, self.context = settings, context
        self.path = os.path.join(settings["CACHE_PATH"], FILE_NAME)
        self.previous, self.fragments_before, self.names_before, self.files_before = _load(self.path)
        self.names: dict[str, tuple] = {}  # template: (its tree's (name, source digest)…, the names it reads)
        self.fragments: dict[bytes, str] = {}  # the fragments this build used, kept for the next one
        try:  # a build that fails half-way must leave no key behind for the pages it wrote
            os.unlink(self.path)
        except OSError:
            pass
        self.current: dict[str, tuple[bytes, int, int]] = {}  # path: (key, size, mtime) of the pages produced
        self.pending: dict[str, bytes] = {}  # path: key of the pages rendered, their size known once written
        self.digests: dict[str, tuple[bytes, bool]] = {}  # source: (sha-256, links to other files)
        self.files: dict[str, tuple] = {}  # source: (its stat stamp, its digest), for the next build
        self.template_inputs: dict[str, bytes | Uncacheable] = {}
        try:
            self.shared = _shared(settings, context, self._file)
        except Uncacheable as exc:  # a setting whose code cannot be found: every page is rendered
            logger.debug("page cache: every page is rendered (%s)", exc)
            self.shared = None
        self.reused = self.rendered = 0
        self.pieces_kept = self.pieces_made = 0  # `piece`: a feed's entries, one per job

    def __reduce__(self):  # Pelican pickles settings into its content cache: no build's keys in there
        return (_unpicklable, ())

    # --- keys ----------------------------------------------------------------

    def key(self, generator, template: str, variables: dict, shows) -> bytes | None:
        """The key of one page, or None when something it depends on cannot be described."""
        if self.shared is None:
            return None
        try:
            # `shows`: content objects like those among the variables (their file's path, bytes and date).
            parts = [self.shared, self._template_inputs(generator, template), _describe((variables, list(shows)), self._digest)]
        except Uncacheable as exc:
            logger.debug("page cache: %s is always rendered (%s)", variables.get("page_url"), exc)
            return None
        return hashlib.sha256(b"\0".join(parts)).digest()

    def digested(self, value) -> Digested | None:
        """`value` described once, for `write_page(…, keyed_as=…)`; None when it cannot be described."""
        try:
            return Digested(_describe(value, self._digest))
        except Uncacheable as exc:
            logger.debug("page cache: %s", exc)
            return None

    def data_key(self, name: str, values, shows) -> bytes | None:
        """The key of a file made by code rather than by a template (a job feed): `name` stands for that code,
        which every key holds already (the plugins' files), `values` for its arguments, `shows` for the content
        it shows; None when one cannot be described."""
        if self.shared is None:
            return None
        try:
            part = _describe((name, values, list(shows)), self._digest)
        except Uncacheable as exc:
            logger.debug("page cache: %s is always made (%s)", name, exc)
            return None
        return hashlib.sha256(self.shared + b"\0data\0" + part).digest()

    def content_key(self, name: str | bytes, contents) -> bytes | None:
        """The key of a piece made by code (`name`) from these content objects alone, and from what every
        page depends on (settings, "today", the code and the theme, the other content files): each one's
        file, as `_describe` counts a content object, without walking a page's variables. Cheap enough
        for one piece per job of a feed; None when one of them cannot be described. `name` may be a key
        already (bytes: `key` of a template with its variables and no content), which the piece extends."""
        if self.shared is None:
            return None
        head = name if isinstance(name, bytes) else self.shared + b"\0content\0" + name.encode()
        digest = hashlib.sha256(head)
        try:
            for content in contents:
                source = getattr(content, "source_path", None)
                if not source:
                    raise Uncacheable(f"{type(content).__name__} without a source file")
                digest.update(f"{type(content).__name__}:{source}=".encode() + self._digest(source))
        except Uncacheable as exc:
            logger.debug("page cache: %s is always made (%s)", name, exc)
            return None
        return digest.digest()

    def piece(self, name: str, contents, make) -> str | bytes:
        """The text `make()` gives from `contents` alone (`content_key(name, contents)`), kept from the last
        build when it made it from the same inputs (one job's entry in a feed or an index)."""
        key = self.content_key(name, contents)
        if key is None:
            self.pieces_made += 1
            return make()
        text = self.fragments_before.get(key)
        if text is None:
            text = make()
            self.pieces_made += 1
        else:
            self.pieces_kept += 1
        self.fragments[key] = text
        return text

    def fragment(self, generator, template: str, variables: dict, shows, key: bytes | None = None) -> tuple[bytes | None, str | None]:
        """(key, HTML kept by the previous build) of a piece of a page (a job card); (None, None) when uncacheable.
        `key`: worked out by the caller already (`content_key` extending the key of the same variables)."""
        key = self.key(generator, template, variables, shows) if key is None else key
        if key is None:
            return None, None
        html = self.fragments_before.get(key)
        if html is not None:
            self.fragments[key] = html
        return key, html

    def keep_fragment(self, key: bytes | None, html: str) -> None:
        if key is not None:
            self.fragments[key] = html

    def _digest(self, source: str) -> bytes:
        """A content file a page shows: not one whose body links to other files (its body, or a summary made
        from it without a Summary field, holds the URL of another file)."""
        digest, links = self._file(source)
        if links:
            raise Uncacheable(f"{source} links to other files")
        return digest

    def _file(self, source: str) -> tuple[bytes, bool]:
        """(sha-256 of the file's date and bytes, whether its body links to other files).

        A file whose size, modification and change times and inode are those
        the last build saw keeps the digest worked out then: a rebuild after one
        edit no longer reads and hashes the other 5,000 files. Writing a file
        always moves its change time (which, unlike the modification time, no
        tool can set back), so an edited file is always read again.
        """
        found = self.digests.get(source)
        if found is None:
            try:
                stat = os.stat(source)
                stamp = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
                known = self.files_before.get(source)
                if known is not None and known[0] == stamp:
                    found = known[1]
                else:
                    with open(source, "rb") as handle:
                        data = handle.read()
                        stat = os.fstat(handle.fileno())
                    stamp = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
                    # Its date too: Pelican's content cache knows a file by its date, so a file edited while its
                    # date stayed is read again (and its pages must be rendered again) only once its date changes.
                    found = (hashlib.sha256(b"%d\0" % stat.st_mtime_ns + data).digest(), bool(_INTRASITE.search(data)))
            except OSError as exc:
                raise Uncacheable(f"{source} cannot be read: {exc}") from None
            self.digests[source] = found
            self.files[source] = (stamp, found)
        return found

    def _template_inputs(self, generator, name: str) -> bytes:
        """What the template `name` (and all it extends or includes) reads from the build's context."""
        if name not in self.template_inputs:
            try:
                names = self._names(generator.env, name + ".html")
                values = {n: self.context[n] for n in sorted(names) if n in self.context}
                # The tree's sources too: a template may come from outside the theme (THEME_TEMPLATES_OVERRIDES).
                tree = self.names[name + ".html"][0]
                self.template_inputs[name] = hashlib.sha256(repr(tree).encode() + _describe(values, self._digest)).digest()
            except Uncacheable as exc:
                self.template_inputs[name] = exc
        found = self.template_inputs[name]
        if isinstance(found, Uncacheable):
            raise found
        return found

    def _names(self, env, name: str) -> set[str]:
        """`_undeclared`, remembered from the last build while the sources of the template's tree are the same.

        Parsing a page's templates to find them took a tenth of a second,
        in every build, for the job page and the job card alone.
        """
        known = self.names_before.get(name)
        if known is not None:
            tree, names = known
            if all(_source_digest(env, template) == digest for template, digest in tree):
                self.names[name] = known
                return set(names)
        seen: set = set()
        names = _undeclared(env, name, seen, _facts_folder(self.settings))
        self.names[name] = (tuple((template, _source_digest(env, template)) for template in sorted(seen)), tuple(sorted(names)))
        return names

    # --- use -----------------------------------------------------------------

    def unchanged(self, path: str, key: bytes | None) -> bool:
        """Whether the file at `path` was written from these inputs and is still there as written."""
        if key is None:
            return False
        known = self.previous.get(os.path.abspath(path))
        if known is None or known[0] != key:
            return False
        try:
            stat = os.stat(path)
        except OSError:
            return False
        return (stat.st_size, stat.st_mtime_ns) == known[1:]  # else removed, replaced or edited since it was written

    def reuse(self, path: str, key: bytes | None) -> bool:
        """True when the file at `path` was written from these inputs and is still there as written: it is kept."""
        if not self.unchanged(path, key):
            return False
        path = os.path.abspath(path)
        self.current[path] = self.previous[path]
        record = output.produced(self.settings)
        record.paths.add(path)
        record.unchanged += 1
        self.reused += 1
        logger.debug("page cache: %s left as it was", path)
        return True

    def rendered_as(self, path: str, key: bytes | None) -> None:
        self.rendered += 1
        if key is not None:
            self.pending[os.path.abspath(path)] = key

    def save(self) -> None:
        """Once the build has succeeded (every file written): the keys of the pages it produced, for the next one."""
        for path, key in self.pending.items():
            try:
                stat = os.stat(path)
            except OSError:  # not there: rendered next time
                continue
            self.current[path] = (key, stat.st_size, stat.st_mtime_ns)
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            temporary = f"{self.path}.{os.getpid()}.tmp"
            data = pickle.dumps((FORMAT, self.current, self.fragments, self.names, self.files), protocol=pickle.HIGHEST_PROTOCOL)
            with open(temporary, "wb") as handle:  # its checksum first: a damaged file is never unpickled
                handle.write(hashlib.sha256(data).digest())
                handle.write(data)  # not joined to the checksum: no second copy (40 MB at 5,000 jobs)
            os.replace(temporary, self.path)
        except OSError as exc:  # only costs rendering every page next time
            logger.debug("page cache not saved (%s): %s", self.path, exc)
        logger.info("pages: %d rendered, %d left as they were (their inputs did not change)", self.rendered, self.reused)


def _unpicklable():
    return None


def kept_piece(cache: PageCache | None, name: str, contents, make) -> str | bytes:
    """`cache.piece(name, contents, make)`, or `make()` when this build has no page cache."""
    return make() if cache is None else cache.piece(name, contents, make)


def for_build(generator) -> PageCache | None:
    """This build's page cache, made by the first generator that writes a cached page; None when off."""
    from pelican import signals

    settings = generator.settings
    cache = settings.get(CACHE_KEY)
    if cache is not None:
        return cache
    if not (settings.get("CACHE_CONTENT") and settings.get("LOAD_CONTENT_CACHE") and settings.get("CACHE_PATH")):
        return None
    if signals.content_written.receivers:
        return None
    cache = settings[CACHE_KEY] = PageCache(settings, generator.context)
    return cache


def reset(settings) -> None:
    settings[CACHE_KEY] = None
    _note_running_code()
    _library_versions()


def save(pelican) -> None:
    """Pelican's `finalized`: the build succeeded, its keys are kept."""
    cache = pelican.settings.get(CACHE_KEY)
    if cache is not None:
        cache.save()
        pelican.settings[CACHE_KEY] = None


def _load(path: str) -> tuple[dict, dict, dict, dict]:
    """The keys of the last build; none when the file is missing, unreadable or damaged (every page is rendered).

    A damaged pickle can fail in any way (a length read as 2**64 bytes is a
    MemoryError): its checksum is checked before it is unpickled.
    """
    try:
        with open(path, "rb") as handle:
            checksum, data = handle.read(32), handle.read()
        if hashlib.sha256(data).digest() == checksum:
            version, *parts = pickle.loads(data)
            if version == FORMAT and len(parts) == 4 and all(isinstance(part, dict) for part in parts):
                return tuple(parts)
    except Exception as exc:  # noqa: BLE001 — only costs rendering every page
        logger.debug("page cache: %s not read: %s", path, exc)
    return {}, {}, {}, {}


def _source_digest(env, name: str) -> bytes | None:
    try:
        return hashlib.sha256(env.loader.get_source(env, name)[0].encode("utf-8", "surrogatepass")).digest()
    except LookupError:  # gone (or an `ignore missing` include the theme never had)
        return None


def _undeclared(env, name: str, seen: set | None = None, folder: str | None = None) -> set[str]:
    """The variables `name` and every template it extends, includes or imports leave undeclared."""
    seen = set() if seen is None else seen
    if name in seen:
        return set()
    seen.add(name)
    names, others = template_facts(env, env.loader.get_source(env, name)[0], folder)
    names = set(names)
    for other in others:
        if other is None:
            raise Uncacheable(f"{name} includes a template named at render time")
        try:
            names |= _undeclared(env, other, seen, folder)
        except LookupError:  # `{% include … ignore missing %}` of a template the theme does not have
            pass
    return names


def template_facts(env, source: str, folder: str | None = None) -> tuple[list[str], list[str | None]]:
    """What a template's source leaves undeclared (`jinja2.meta`) and the templates it names (None: named at run time).

    Both depend on the source and on the environment alone (its syntax, its
    extensions, the names of its globals), like the compiled code Jinja keeps
    in `folder` (`careers.template_cache_folder`, outside CACHE_PATH), where
    they are kept beside it: parsing and walking a page's templates took a
    cold build about 0.17 s, whatever the site's size. No folder: worked out.
    """
    digest = hashlib.sha256(b"\0".join([
        FACTS_FORMAT.encode(), source.encode("utf-8", "surrogatepass"), _environment_facts(env)])).hexdigest()
    path = os.path.join(folder, f"facts-{digest}.json") if folder else None
    if path is not None:
        try:
            with open(path, encoding="utf-8") as handle:
                names, others = json.load(handle)
            if all(isinstance(n, str) for n in names) and all(o is None or isinstance(o, str) for o in others):
                return names, others
        except (OSError, ValueError, TypeError):  # not there yet, or not ours: worked out again
            pass
    tree = env.parse(source)
    found = (sorted(meta.find_undeclared_variables(tree)), list(meta.find_referenced_templates(tree)))
    if path is not None:
        try:
            output.replace_if_changed(path, json.dumps(found).encode())
        except OSError:  # only costs parsing it next time
            pass
    return found


FACTS_FORMAT = "template-facts 1"


def _environment_facts(env) -> bytes:
    from . import environment_fingerprint

    return environment_fingerprint(env) + repr(sorted(env.globals)).encode()


def _facts_folder(settings) -> str | None:
    from . import template_cache

    cache = template_cache(settings)
    return cache.directory if cache is not None else None


# The code a process runs is the code it imported: `make serve` builds again and again in one process, and a
# plugin file edited meanwhile is not imported again. Such a file counts as it was when this process first saw it
# (`reset`, at the start of each build), so that the next process, which runs the file as it is now, renders again.
_RUNNING: dict[str, str] = {}


def _loaded_files() -> set[str]:
    return {os.path.abspath(f) for m in list(sys.modules.values()) if isinstance(f := getattr(m, "__file__", None), str)}


def _stamp(path: str, loaded: bool) -> str:
    stat = os.stat(path)
    stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
    return _RUNNING.setdefault(path, stamp) if loaded else stamp


def _note_running_code() -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    for path in _loaded_files():
        if path.startswith(root) and path not in _RUNNING:
            try:
                _stamp(path, True)
            except OSError:
                pass


@functools.cache
def _library_versions() -> str:
    """The versions of the libraries that render, as this process imported them."""
    found = []
    for library in LIBRARIES:
        try:
            found.append(f"{library}={metadata.version(library)};")
        except metadata.PackageNotFoundError:
            pass
    return "".join(found)


def _shared(settings, context, files) -> bytes:
    """What every page's output depends on besides its template's context and its own inputs."""
    h = hashlib.sha256()
    h.update(repr((FORMAT, today(settings))).encode())
    h.update(_library_versions().encode())
    for folder, subfolders, names in os.walk(settings["THEME"]):
        subfolders[:] = sorted(s for s in subfolders if s != "__pycache__" and not s.startswith("."))
        for name in sorted(names):
            path = os.path.join(folder, name)
            h.update(path.encode() + b"\0" + files(path)[0])
    h.update(code_digest())
    content = os.path.abspath(settings["PATH"])
    job_folders = tuple(os.path.join(content, p) + os.sep for p in settings.get("JOBS_CONTENT_PATHS") or ())
    for folder, subfolders, names in os.walk(content):
        subfolders[:] = sorted(s for s in subfolders if not s.startswith("."))
        for name in sorted(names):
            path = os.path.join(folder, name)
            if path.startswith(job_folders) and name.endswith(".md"):
                continue  # a job ad is an input of the pages that show it, not of every page
            h.update(path.encode() + b"\0" + files(path)[0])
    # The settings as the code reads them (with the defaults generators add, there from the first build of a
    # process on) and as the templates read them (the context: a copy made when the build started).
    h.update(settings_digest({**settings, **context}, lambda source: files(source)[0]))
    return h.digest()


def code_digest() -> bytes:
    """The plugins' code and data files, each by its size and date as Python's own byte-code cache knows it
    (a file this process imported counts as it was when imported: `make serve` keeps running that code)."""
    h = hashlib.sha256()
    loaded = _loaded_files()
    for folder, subfolders, names in os.walk(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))):
        subfolders[:] = sorted(s for s in subfolders if s != "__pycache__" and not s.startswith("."))
        for name in sorted(names):
            path = os.path.join(folder, name)
            h.update(path.encode() + b"\0" + _stamp(path, path in loaded).encode())
    return h.digest()


def settings_digest(settings, digest=None) -> bytes:
    """The upper-case settings as the code reads them; a value that cannot be described counts by its type and
    the file that defines it (`_describe`, lenient). Raises Uncacheable when even that fails."""
    part = {k: v for k, v in settings.items() if k.isupper() and k not in (output.OUTPUT_KEY, CACHE_KEY)}
    return _describe(part, digest or _whole_file_digest, lenient=True)


def _whole_file_digest(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).digest()
    except OSError as exc:
        raise Uncacheable(f"{path} cannot be read: {exc}") from None


def _describe(value, digest, lenient: bool = False) -> bytes:
    """Bytes that change whenever `value` could render differently; Uncacheable when unsure.

    `lenient` (the settings): a value that cannot be described counts by its
    type and by the file that defines it (`_defining_file`). A setting like
    that (a filter in JINJA_FILTERS, a plugin's object) reaches a page only
    through code, and the code is that file: a lambda of pelicanconf.py
    changes with pelicanconf.py. One that a template reads is in its
    template's inputs, which are not lenient.
    """
    out: list[bytes] = []
    _walk(value, digest, lenient, out, 0)
    return hashlib.sha256(b"".join(out)).digest()


def _defining_file(value) -> str | None:
    """The source file of a function, class or module, or of an object's class; None for Python's built-ins."""
    while isinstance(value, functools.partial):
        value = value.func
    code = getattr(getattr(value, "__func__", value), "__code__", None)
    if code is not None:
        return code.co_filename
    code_itself = isinstance(value, (types.ModuleType, type)) or (callable(value) and hasattr(value, "__module__"))
    if isinstance(value, types.ModuleType):
        name = value.__name__
    else:
        name = value.__module__ if code_itself else type(value).__module__
    if name in (None, "builtins") or name in sys.builtin_module_names:
        return None  # fixed by Python's version
    source = getattr(sys.modules.get(name), "__file__", None)
    if source is None and code_itself:
        raise Uncacheable(f"a {type(value).__qualname__} value whose code has no file")
    return source  # an object's class: its state is not described (as before), its code is


_PLAIN = (str, int, float, bool, type(None), bytes, dt.date, dt.time, dt.timedelta, dt.tzinfo, enum.Enum)


def _walk(value, digest, lenient, out, depth) -> None:
    """Append `value`'s description to `out`.

    A job page's key walks some 25 values, 5,000 times a build: the texts
    among the keys and items of dicts and lists are written in place rather
    than by a call each, and which branch a value takes is looked up by its
    type (`_kind`) rather than found by `isinstance` again for each value.
    tests/careers/test_page_cache_walk.py compares it with the plain walk.
    """
    if depth > 40:
        raise Uncacheable("a value nested too deeply")
    if type(value) is str:
        out.append(b"s%d:" % len(value) + value.encode("utf-8", "surrogatepass"))
        return
    kind = _KINDS.get(type(value)) or _kind(value)
    if kind == "plain":
        out.append(f"{type(value).__name__}:{value!r};".encode())
    elif kind == "content":
        source = getattr(value, "source_path", None)
        if not source:
            raise Uncacheable(f"{type(value).__name__} without a source file")
        out.append(f"{type(value).__name__}:{source}=".encode() + digest(source))
    elif kind == "dict":
        out.append(b"{")
        keys = list(value)
        try:
            keys.sort()
        except TypeError:  # keys of several types
            keys.sort(key=repr)
        for k in keys:
            if depth >= 40:
                raise Uncacheable("a value nested too deeply")
            item = value[k]
            if type(k) is str:
                out.append(b"s%d:" % len(k) + k.encode("utf-8", "surrogatepass"))
            else:
                _walk(k, digest, lenient, out, depth + 1)
            if type(item) is str:
                out.append(b"s%d:" % len(item) + item.encode("utf-8", "surrogatepass"))
            else:
                _walk(item, digest, lenient, out, depth + 1)
        out.append(b"}")
    elif kind == "sequence":
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        out.append(f"{type(value).__name__}[".encode())
        for item in items:
            if depth >= 40:
                raise Uncacheable("a value nested too deeply")
            if type(item) is str:
                out.append(b"s%d:" % len(item) + item.encode("utf-8", "surrogatepass"))
            else:
                _walk(item, digest, lenient, out, depth + 1)
        out.append(b"]")
    else:
        _walk_other(value, digest, lenient, out, depth)


_KINDS: dict[type, str] = {}


def _kind(value) -> str:
    """The branch of `_walk` for `value` (the order of the tests is the walk's), remembered for its type when
    its type is what it says it is (a proxy's `__class__` answers `isinstance` otherwise)."""
    if isinstance(value, _PLAIN):
        found = "plain"
    elif isinstance(value, dict):
        found = "dict"
    elif isinstance(value, (list, tuple, set, frozenset)):
        found = "sequence"
    elif isinstance(value, Content):
        found = "content"
    else:
        found = "other"
    if getattr(value, "__class__", None) is type(value) and len(_KINDS) < 4096:
        _KINDS[type(value)] = found
    return found


def _walk_other(value, digest, lenient, out, depth) -> None:
    """`_walk` for a value that is no text, plain value, dict, list or content (those of `_kind` "other")."""
    if not lenient and dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Its fields, and its class's code (a property a template reads): the file that defines it. (Settings,
        # `lenient`, keep counting by type and file: a build's own state lives there in dataclasses too.)
        source = _defining_file(value)
        out.append(f"dc:{type(value).__module__}.{type(value).__qualname__}@{source}=".encode()
                   + (digest(source) if source else b"") + b"(")
        fields = dataclasses.fields(value)
        if set(getattr(value, "__dict__", ())) - {item.name for item in fields}:
            raise Uncacheable(f"a {type(value).__qualname__} with attributes besides its fields")
        for item in fields:
            _walk(item.name, digest, lenient, out, depth + 1)
            _walk(getattr(value, item.name), digest, lenient, out, depth + 1)
        out.append(b")")
    elif isinstance(value, URLWrapper):  # a category, tag or author: its name (its slug and URLs follow the settings)
        out.append(f"{type(value).__name__}:".encode())
        _walk(value.name, digest, lenient, out, depth + 1)
    elif hasattr(value, "page_key"):  # an object that says what its output depends on
        out.append(value.page_key().encode())
    elif isinstance(value, re.Pattern):
        out.append(f"re:{value.pattern!r}:{value.flags};".encode())
    elif isinstance(value, os.PathLike):
        out.append(f"path:{os.fspath(value)};".encode())
    elif lenient:
        out.append(f"?{type(value).__module__}.{type(value).__qualname__};".encode())
        source = _defining_file(value)
        if source is not None:  # a function of the settings file (JINJA_FILTERS): its code is that file
            out.append(f"{getattr(value, '__qualname__', '')}@{source}=".encode() + digest(source))
    else:
        raise Uncacheable(f"a {type(value).__qualname__} value")
