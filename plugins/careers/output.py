"""The site's output folder, brought up to date instead of rebuilt from nothing.

With `DELETE_OUTPUT_DIRECTORY`, Pelican deletes the whole output folder before
every build, so a rebuild after one edited job ad writes all of the site's
files again (over 200 MB at 5,000 jobs, on a disk that must also free what
was deleted). Here every file the build produces goes through this module:

- a file whose bytes did not change is left alone (its date too), so a
  rebuild writes only what changed, and a static server or an rsync deploy
  sees only those files as new;
- every produced path is recorded, and once the build has succeeded
  (`sweep`, on Pelican's `finalized` signal) every other file of the output
  folder is removed: a closed job's page, a renamed facet, a feed of a
  department that no longer hires. A file written by a step that does not
  go through this module would be removed by the same build that wrote it,
  so a missed step shows at once instead of leaving stale pages behind.

`Writer` is Pelican's writer on the same terms (pages, Pelican's own feeds,
the newsletter archive); `open_output` and `write_output` serve the
plugins' own files (JSON, feeds, calendars, sitemap, photos). Pelican's
static files and the theme's are recorded from the static generator and the
theme folder. Names in `OUTPUT_RETENTION` at the top of the folder are kept,
as Pelican keeps them.
"""

from __future__ import annotations

import fnmatch
import io
import logging
import os
import queue
import shutil
import threading
from stat import S_ISREG

from pelican.writers import FileOverwriteFailedError
from pelican.writers import Writer as PelicanWriter

logger = logging.getLogger(__name__)

OUTPUT_KEY = "CAREERS_OUTPUT_FILES"


class Produced:
    """The absolute paths this build produced, and the static generators whose files it copies."""

    def __init__(self):
        self.paths: set[str] = set()
        self.static_generators: list = []
        self.written = 0
        self.unchanged = 0
        self.writer: _WriterThread | None = None

    def __reduce__(self):
        # Pelican pickles settings into its content cache: an old build's paths must not come back.
        return (Produced, ())

    def start_writer(self) -> None:
        """From now on, files are written by a thread while the build renders the next ones.

        Not when a plugin listens to Pelican's `content_written` or
        `feed_written` signals: it may read or rewrite the file as soon as the
        signal comes, so the file must be there already.
        """
        from pelican import signals

        if self.writer is None and not (signals.content_written.receivers or signals.feed_written.receivers):
            self.writer = _WriterThread(self)
            _WRITERS.add(self)
            self.writer.start()

    def finish(self) -> None:
        """Wait until every file is written; raise the first error a write met."""
        writer, self.writer = self.writer, None
        _WRITERS.discard(self)
        if writer is not None:
            writer.queue.put((None, 0))
            writer.join()
            if writer.error is not None:
                raise writer.error


_WRITERS: set = set()  # records whose writer runs: a failed build's is stopped by the next build


class _WriterThread(threading.Thread):
    """Writes the build's files in order, so that rendering the next page overlaps writing this one.

    Creating thousands of folders and files costs this machine's file system
    seconds of system time, during which Python's lock is released: with the
    mail side in its child process, a cold 5,000-job build has a core free for
    it once the child is done. The queue is bounded in files and in bytes
    (`MAX_BYTES`), so the build never holds more than a few hundred pages
    waiting: bounded in files alone, it held 98 MB of a cold 5,000-job build
    (its job listings are 1.8 MB each, queued behind thousands of new
    folders). Only started for Pelican's output phase (`get_writer`), after
    every fork of the build; stopped at the end of the build, or by the next
    build of the same process if this one failed.
    """

    MAX_BYTES = 16 << 20  # waiting to be written: past this, the build waits (one bigger file still goes in)

    def __init__(self, record: Produced):
        super().__init__(name="careers-output-writer", daemon=True)
        self.record = record
        self.queue: queue.Queue = queue.Queue(maxsize=256)
        self.error: BaseException | None = None
        self.waiting = 0  # bytes in the queue
        self.room = threading.Condition()

    def put(self, path: str, data) -> None:
        """Queue one file for writing; wait while the queue holds too many bytes."""
        size = len(data) if isinstance(data, bytes) else 0
        with self.room:
            while self.waiting and self.waiting + size > self.MAX_BYTES:
                self.room.wait()
            self.waiting += size
        self.queue.put(((path, data), size))

    def run(self):
        while (entry := self.queue.get())[0] is not None:
            item, size = entry
            if self.error is None:
                try:
                    _write(self.record, *item)
                except BaseException as exc:  # noqa: BLE001 — raised by `finish`, in the build's thread
                    self.error = exc
            entry = item = None  # the bytes are freed before the build is told there is room
            with self.room:
                self.waiting -= size
                self.room.notify()


def produced(settings) -> Produced:
    record = settings.get(OUTPUT_KEY)
    if record is None:
        record = settings[OUTPUT_KEY] = Produced()
    return record


def reset(settings) -> Produced:
    for previous in list(_WRITERS):  # a failed build of this process (`make serve`) left its writer running
        try:
            previous.finish()
        except Exception:  # noqa: BLE001 — that build already failed and said why
            pass
    settings[OUTPUT_KEY] = Produced()
    return settings[OUTPUT_KEY]


def store(settings, path: str, data: bytes) -> bool | None:
    """Record `path` as produced; write `data` unless the file already holds exactly these bytes.

    Returns True when the file was written, False when it was left alone, and
    None when the writer thread will decide (Pelican's output phase).
    """
    path = os.path.abspath(path)
    record = produced(settings)
    record.paths.add(path)
    if record.writer is not None:
        record.writer.put(path, data)
        return None
    return _write(record, path, data)


def copy_output(settings, output_path: str, rel_path: str, source: str) -> bool | None:
    """Store a copy of the file `source` as `rel_path` inside `output_path` (a vendored bundle: megabytes
    that no build changes), without reading it into the build: see `copy_if_changed`."""
    return store(settings, os.path.join(output_path, rel_path), _Copy(os.path.abspath(source)))


class _Copy(str):
    """In the writer's queue, instead of bytes: the file whose copy is wanted."""


def copy_if_changed(source: str, path: str) -> bool:
    """Copy `source` to `path` unless `path` already holds exactly its bytes; True when copied.

    The editor's bundle (6.6 MB, a third of a 100-job site) was read into
    the build and written from it on every build; the kernel now copies it
    (`shutil.copyfile`). Like `replace_if_changed`, a new copy goes under a
    temporary name, then is renamed. Not size and date alone: npm may give
    every file of a package one fixed date (and `filecmp` remembers its
    answers by them).
    """
    size = os.stat(source).st_size
    try:
        there = os.lstat(path)
        if S_ISREG(there.st_mode) and there.st_size == size and _same_bytes(source, path):
            return False
    except OSError:  # not there yet
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    _renamed_into_place(path, lambda temporary: shutil.copyfile(source, temporary))
    return True


def _renamed_into_place(path: str, fill) -> None:
    """`fill(temporary)` writes a temporary file beside `path`, then it is renamed to `path` (or removed when
    `fill` fails): a reader never sees half a file."""
    temporary = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        fill(temporary)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _same_bytes(one: str, other: str) -> bool:
    with open(one, "rb") as first, open(other, "rb") as second:
        while True:
            chunk = first.read(1 << 20)
            if chunk != second.read(1 << 20):
                return False
            if not chunk:
                return True


def _write(record: Produced, path: str, data: bytes) -> bool:
    if type(data) is _Copy:
        changed = copy_if_changed(data, path)
    else:
        changed = replace_if_changed(path, data)
    if changed:
        record.written += 1
        return True
    record.unchanged += 1
    return False


def replace_if_changed(path, data: bytes, mode: int | None = None) -> bool:
    """Write `data` to `path` unless the file already holds exactly these bytes; True when written.

    A new file goes under a temporary name in the same folder, then is
    renamed: a reader never sees half a file (a server, `vivier send`), and a
    file hard-linked into an earlier deploy's snapshot (rsync --link-dest,
    cp -al) is replaced, not changed. Shared by the site and the outbox; the
    outbox passes `mode=0o600` (personal data), which also tightens a file left
    more open by an older build.
    """
    path = os.fspath(path)
    try:
        if os.path.getsize(path) == len(data) and not os.path.islink(path):
            with open(path, "rb") as handle:
                if handle.read() == data:
                    if mode is not None and os.stat(path).st_mode & 0o777 != mode:
                        os.chmod(path, mode)
                    return False
    except OSError:  # not there yet
        pass
    def fill(temporary):
        try:
            handle = _open_new(temporary, mode)
        except FileNotFoundError:  # its folder is new
            os.makedirs(os.path.dirname(path), exist_ok=True)
            handle = _open_new(temporary, mode)
        with handle:
            handle.write(data)

    _renamed_into_place(path, fill)
    return True


def _open_new(path: str, mode: int | None):
    if mode is None:
        return open(path, "wb")
    handle = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb")
    os.fchmod(handle.fileno(), mode)  # a stale temporary file keeps its mode through O_CREAT
    return handle


class _Collected(io.BytesIO):
    """A file being produced: its bytes are kept until it is closed, then stored."""

    def __init__(self, settings, path):
        super().__init__()
        self._settings, self._path = settings, path

    def close(self):
        if not self.closed:
            data = self.getvalue()
            super().close()
            store(self._settings, self._path, data)
        else:
            super().close()


def open_output(settings, path: str, mode: str = "w", encoding: str = "utf-8"):
    """Like `open(path, mode)` for writing ("w" or "wb"), but stored through `store` on close."""
    if mode not in ("w", "wb"):
        raise ValueError(f"open_output writes whole files ('w' or 'wb'), not {mode!r}")
    raw = _Collected(settings, path)
    return raw if mode == "wb" else io.TextIOWrapper(raw, encoding=encoding)


def write_output(settings, output_path: str, rel_path: str, data: str | bytes) -> bool:
    """Store one whole file of the site, `rel_path` inside `output_path`."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return store(settings, os.path.join(output_path, rel_path), data)


def _kept_article(writer, args, kwargs) -> bool:
    """Pelican's own article pages (`ArticlesGenerator.generate_articles`) go through the page cache like ours:
    one whose inputs did not change since the last build is left as it is (True). Only those calls, and only
    when they match Pelican's: an article, its category, `blog`, one page, not written over another."""
    from . import page_cache, writing

    if len(args) != 3 or set(kwargs) != {"article", "category", "override_output", "url", "blog", "relative_urls"} \
            or kwargs["override_output"] or kwargs["blog"] is not True:
        return False
    name, template, context = args
    caller = _Caller(writer.settings, context, template.environment, writer.output_path)
    cache = page_cache.for_build(caller)
    if cache is None or not template.name.endswith(".html"):
        return False
    variables = dict(kwargs, output_file=name)  # what Pelican's writer adds to the context besides SITEURL (settings)
    key = cache.key(caller, template.name[:-len(".html")], variables, [])
    if key is None:  # always rendered (an article linking to another file), and not counted
        return False
    path = os.path.join(writer.output_path, name)
    if cache.reuse(path, key):
        writing._claim(writer, path)
        return True
    cache.rendered_as(path, key)
    return False


class _Caller:
    """What the page cache reads of a generator, for pages Pelican's own generators write."""

    def __init__(self, settings, context, env, output_path):
        self.settings, self.context, self.env, self.output_path = settings, context, env, output_path


class Writer(PelicanWriter):
    """Pelican's writer, storing each page and feed through `store` (unchanged files left alone).

    Pelican creates each file's folder (`os.makedirs`) before it opens the
    file; here `store` does it when the file is written, by the writer thread
    in the output phase. Creating a folder costs this machine's file system
    about 0.7 ms (600 of them for 100 jobs, 10,000 for 5,000): the build's
    thread no longer waits for it while it could render the next page.
    """

    def write_file(self, *args, **kwargs):
        if _kept_article(self, args, kwargs):
            return None
        with _folders_made_by_store():
            return super().write_file(*args, **kwargs)

    def write_feed(self, *args, **kwargs):
        with _folders_made_by_store():
            return super().write_feed(*args, **kwargs)

    def _open_w(self, filename, encoding, override=False):
        # Pelican's rules for a file written twice in one build, then our file instead of open(…, "w").
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(f'Failed to overwrite "{filename}" a second time (was previously overwritten)')
            logger.info('Skipping "%s", not overwriting', filename)
            return open(os.devnull, "w", encoding=encoding)
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(f'Failed to overwrite "{filename}" as Pelican has already '
                                           "written to it previously (set `override=True` if intended)")
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return io.TextIOWrapper(_Collected(self.settings, filename), encoding=encoding)


_LOCAL = threading.local()


class _folders_made_by_store:
    """While our Writer runs Pelican's code in this thread, Pelican's `os.makedirs` is left to `store`."""

    def __enter__(self):
        _install_writers_os()
        self.before = getattr(_LOCAL, "defer", False)
        _LOCAL.defer = True

    def __exit__(self, *_):
        _LOCAL.defer = self.before


class _PelicanWritersOs:
    """`os` as `pelican.writers` sees it: the real module, but `makedirs` is skipped inside our Writer.

    Only the thread running our Writer's `write_file` or `write_feed` skips
    it, and only there: `store` writes every file of that writer and creates
    its folder when it is missing (`replace_if_changed`), in the writer thread
    or in this one. Anything else `pelican.writers` does with `os` is `os`'s.
    """

    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def makedirs(name, mode=0o777, exist_ok=False):
        if getattr(_LOCAL, "defer", False):
            return None
        return os.makedirs(name, mode, exist_ok)


def _install_writers_os() -> None:
    import pelican.writers

    if not isinstance(pelican.writers.os, _PelicanWritersOs):
        pelican.writers.os = _PelicanWritersOs()


def get_writer(pelican):
    """Pelican asks for its writer once every generator has read its content: the output phase starts."""
    produced(pelican.settings).start_writer()
    return Writer


def record_static(generator):
    """Pelican's static generator copies its files itself: remember it, to keep what it copies."""
    produced(generator.settings).static_generators.append(generator)


def _theme_static_files(settings, output_path) -> set[str]:
    """What Pelican copies from THEME_STATIC_PATHS into THEME_STATIC_DIR (its `_copy_paths`)."""
    files = set()
    theme, ignores = settings["THEME"], settings.get("IGNORE_FILES") or []
    target = os.path.join(output_path, settings["THEME_STATIC_DIR"])
    for name in settings["THEME_STATIC_PATHS"]:
        source = os.path.join(theme, name)
        if os.path.isfile(source):
            files.add(os.path.abspath(os.path.join(target, os.path.basename(name))))
            continue
        for folder, subfolders, names in os.walk(source, followlinks=True):
            subfolders[:] = [s for s in subfolders if not any(fnmatch.fnmatch(s, i) for i in ignores)]
            for file_name in names:
                if not any(fnmatch.fnmatch(file_name, i) for i in ignores):
                    files.add(os.path.abspath(os.path.join(target, os.path.relpath(folder, source), file_name)))
    return files


def _sweep_folder(folder: str, keep: set, retention: set, top: bool = False) -> tuple[int, bool]:
    """Remove the files of `folder` and its subfolders not in `keep`, and the subfolders left empty: one walk.

    Hidden folders (.git of a deploy checkout, .well-known) and links to
    folders are never entered and keep their parent; at the top, names in
    `retention` are left alone. Returns (files removed, whether anything is
    left in `folder`).
    """
    removed, left = 0, False
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0, True
    for entry in entries:
        if top and entry.name in retention:
            left = True
        elif entry.is_dir(follow_symlinks=False):
            if entry.name.startswith("."):
                left = True
                continue
            count, kept = _sweep_folder(entry.path, keep, retention)
            removed += count
            if kept:
                left = True
                continue
            try:
                os.rmdir(entry.path)
            except OSError:
                left = True
        elif entry.path in keep or (entry.is_symlink() and entry.is_dir()):
            left = True
        else:
            try:
                os.remove(entry.path)
                removed += 1
            except OSError as exc:  # read-only or locked: say so, the build itself succeeded
                left = True
                logger.warning("output: cannot remove %s, which the build no longer produces: %s", entry.path, exc)
    return removed, left


def sweep(pelican) -> int:
    """After a successful build: remove from the output folder every file the build did not produce.

    Returns the number of files removed. Names in OUTPUT_RETENTION at the
    top and hidden folders anywhere (a deploy's .git, .well-known) are left
    alone; a file that cannot be removed is reported, not fatal. Does nothing
    with `CAREERS_SWEEP_OUTPUT = False`, or when the output folder holds the
    content (Pelican's own guard for DELETE_OUTPUT_DIRECTORY).
    """
    settings = pelican.settings
    record = produced(settings)
    record.finish()  # every file written (or the first error raised) before looking at the folder
    output_path = os.path.abspath(pelican.output_path)
    if not settings.get("CAREERS_SWEEP_OUTPUT", True) or not os.path.isdir(output_path):
        return 0
    content = os.path.realpath(pelican.path)
    if os.path.commonpath([os.path.realpath(output_path), content]) == os.path.realpath(output_path):
        logger.warning("output folder %s holds the content: stale files are not removed", output_path)
        return 0
    keep = set(record.paths) | _theme_static_files(settings, output_path)
    for generator in record.static_generators:
        keep.update(os.path.abspath(os.path.join(output_path, sc.save_as)) for sc in generator.staticfiles)
    retention = set(settings.get("OUTPUT_RETENTION") or ())
    removed, _ = _sweep_folder(output_path, keep, retention, top=True)
    logger.info("output: %d file(s) written, %d unchanged, %d no longer produced removed",
                record.written, record.unchanged, removed)
    return removed
