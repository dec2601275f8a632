"""The page cache's own edges (careers/page_cache.py): what its key holds and the file it keeps between builds."""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

from careers import page_cache
from tests.conftest import ROOT, copy_content, run_pelican, settings_file


def _cache(tmp_path: Path) -> page_cache.PageCache:
    for folder in ("theme", "content", "cache"):
        (tmp_path / folder).mkdir(exist_ok=True)
    settings = {"CACHE_PATH": str(tmp_path / "cache"), "THEME": str(tmp_path / "theme"), "PATH": str(tmp_path / "content"),
                "VIVIER_TODAY": "2026-11-22"}
    return page_cache.PageCache(settings, dict(settings))


def test_a_damaged_keys_file_is_ignored_not_fatal(tmp_path):
    """A keys file damaged on disk costs a full render; it never fails the build (a damaged pickle can raise anything)."""
    cache = _cache(tmp_path)
    cache.current = {str(tmp_path / "out" / "index.html"): (b"k" * 32, 10, 20)}
    cache.fragments = {b"f" * 32: "<article>card</article>"}
    cache.save()
    path = Path(cache.path)
    assert page_cache._load(str(path)) == (cache.current, cache.fragments, {}, {})
    good = path.read_bytes()
    for damaged in (good[: len(good) // 2], good[:-1] + bytes([good[-1] ^ 1]), b"",
                    # protocol 4, BYTES8 of 2**48 bytes: unpickled, a MemoryError
                    b"\x80\x04\x8e\xff\xff\xff\xff\xff\xff\x00\x00"):
        path.write_bytes(damaged)
        assert page_cache._load(str(path)) == ({}, {}, {}, {})


def test_a_file_unchanged_since_the_last_build_keeps_its_digest_and_an_edited_one_is_read_again(tmp_path, monkeypatch):
    """The stat memo against the straightforward path (read and hash every file): the same digests, and no read
    of an unchanged file; an edit that keeps the size and sets the date back is still seen (its change time moved)."""
    files = {name: tmp_path / "content" / f"{name}.md" for name in ("a", "b", "c")}
    first = _cache(tmp_path)
    for name, path in files.items():
        path.write_text(f"Title: {name}\n\n{{filename}}/x.md\n" if name == "c" else f"Title: {name}\n\nbody {name}\n")
    digests = {name: first._file(str(path)) for name, path in files.items()}
    assert digests["c"][1] and not digests["a"][1]  # an intrasite link is remembered with the digest
    first.save()
    stat = files["b"].stat()
    files["b"].write_text("Title: b\n\nbody B\n")  # same size
    os.utime(files["b"], ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and its date set back
    opened = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: opened.append(str(path)) or real_open(path, *a, **k))
    second = _cache(tmp_path)
    again = {name: second._file(str(path)) for name, path in files.items()}
    monkeypatch.undo()
    assert [p for p in opened if p.endswith(".md")] == [str(files["b"])]  # only the edited file was read
    assert again["a"] == digests["a"] and again["c"] == digests["c"]
    assert again["b"] != digests["b"]
    straight = _cache(tmp_path)
    straight.files_before = {}  # nothing known: every file read and hashed
    assert {name: straight._file(str(path)) for name, path in files.items()} == again


def _site(tmp_path: Path) -> Path:
    """The sample content and a copy of the theme whose job card calls a filter of the settings file."""
    content = copy_content(tmp_path)
    theme = tmp_path / "theme-copy"
    shutil.copytree(ROOT / "theme", theme)
    card = theme / "templates" / "partials" / "job_card.html"
    card.write_text(card.read_text(encoding="utf-8").replace("{{ item.title }}", "{{ item.title|shout }}", 1), encoding="utf-8")
    return content, theme


def _build(tmp_path: Path, conf: Path, content: Path, out: Path, cached: bool) -> None:
    extra = ["-e", f'CACHE_PATH="{tmp_path / "cache"}"', f'CAREERS_TEMPLATE_CACHE_PATH="{tmp_path / "templates-cache"}"']
    if cached:
        extra += ["CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true"]
    env = {"VIVIER_OUTBOX": str(tmp_path / f"outbox-{out.name}"), "VIVIER_POOL": str(tmp_path / "no-store.sqlite3")}
    result = run_pelican(content, out, *extra, conf=conf, env=env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


def _differences(left: Path, right: Path) -> list[str]:
    files = lambda folder: {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}  # noqa: E731
    a, b = files(left), files(right)
    return sorted(a ^ b) + [p for p in sorted(a & b) if not filecmp.cmp(left / p, right / p, shallow=False)]


def test_a_filter_of_the_settings_is_an_input_of_the_pages_using_it(tmp_path):
    """JINJA_FILTERS' functions are code outside the theme and plugins: editing one renders the pages (and cards) using it.

    (Pelican pickles the settings into its content cache, so a site's filter is a function of a module it imports.)
    """
    content, theme = _site(tmp_path)
    filters = tmp_path / "site_filters_h35.py"
    filters.write_text("def shout(text):\n    return text.upper()\n")
    conf = settings_file(tmp_path, content)
    conf.write_text(conf.read_text() + f"THEME = {str(theme)!r}\nsys.path.insert(0, {str(tmp_path)!r})\n"
                    "from site_filters_h35 import shout\nJINJA_FILTERS = {'shout': shout}\n")
    _build(tmp_path, conf, content, tmp_path / "out", cached=True)
    assert "DÉVELOPPEUR" in (tmp_path / "out" / "emplois" / "index.html").read_text(encoding="utf-8")
    filters.write_text("def shout(text):\n    return text.swapcase()\n")
    _build(tmp_path, conf, content, tmp_path / "out", cached=True)
    _build(tmp_path, conf, content, tmp_path / "fresh", cached=False)
    assert _differences(tmp_path / "out", tmp_path / "fresh") == []


_TWO_BUILDS_IN_ONE_PROCESS = """
import logging
import sys
from pathlib import Path
from pelican import get_instance, parse_arguments

logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
pelican, settings = get_instance(parse_arguments(sys.argv[2:]))
pelican.run()
if sys.argv[1] != "-":
    code = Path(sys.argv[1])  # edited while this process runs: its modules stay as they were imported
    code.write_text(code.read_text(encoding="utf-8").replace('"EUR": "€"', '"EUR": "€ (EUR)"', 1), encoding="utf-8")
pelican.run()
"""


def _serve(tmp_path: Path, edited: str = "-") -> tuple[Path, Path, list[str]]:
    """Two builds in one process, as `make serve` makes them, of the sample site with a copy of the careers plugin.

    Returns the copy of the plugins, the settings file and each build's count of pages rendered and left alone.
    """
    plugins = tmp_path / "plugins"
    shutil.copytree(ROOT / "plugins" / "careers", plugins / "careers", ignore=shutil.ignore_patterns("__pycache__"))
    content = copy_content(tmp_path)
    conf = settings_file(tmp_path, content)
    conf.write_text(conf.read_text() + f"PLUGIN_PATHS = [{str(plugins)!r}, {str(ROOT / 'plugins')!r}]\n")  # careers: the copy
    out = tmp_path / "out"
    extra = ["-e", f'CACHE_PATH="{tmp_path / "cache"}"', f'CAREERS_TEMPLATE_CACHE_PATH="{tmp_path / "templates-cache"}"',
             "CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true"]
    env = {**os.environ, "VIVIER_TODAY": "2026-11-22", "VIVIER_OUTBOX": str(tmp_path / f"outbox-{out.name}"),  # as _build has it
           "VIVIER_POOL": str(tmp_path / "no-store.sqlite3")}
    edited = str(plugins / "careers" / edited) if edited != "-" else edited
    serve = subprocess.run([sys.executable, "-c", _TWO_BUILDS_IN_ONE_PROCESS, edited,
                            str(content), "-s", str(conf), "-o", str(out), "--fatal", "errors", *extra],
                           cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert serve.returncode == 0, (serve.stdout + serve.stderr)[-3000:]
    return content, conf, [line for line in serve.stdout.splitlines() if line.startswith("pages: ")]


def test_the_second_build_of_one_process_leaves_unchanged_pages_alone(tmp_path):
    """`make serve`'s rebuilds: the settings the plugins complete in the first build do not change every page's key."""
    _, _, counts = _serve(tmp_path)
    # (Pelican's logging drops a message repeated word for word: a second "18 rendered" would not show.)
    assert len(counts) == 2 and counts[1].startswith("pages: 0 rendered"), counts


def test_plugin_code_edited_while_make_serve_runs(tmp_path):
    """`make serve` builds again and again in one process, which keeps the plugins' code it imported first.

    A plugin file edited meanwhile is not the code that renders the next builds
    of that process: their pages must not be kept as if it were, or the next
    process (the code on disk) would leave them as the old code wrote them.
    """
    content, conf, _ = _serve(tmp_path, "job_display.py")
    out = tmp_path / "out"
    assert "€ (EUR)" not in (out / "emplois" / "index.html").read_text(encoding="utf-8")  # the code it imported
    _build(tmp_path, conf, content, out, cached=True)  # make serve again: the code on disk
    _build(tmp_path, conf, content, tmp_path / "fresh", cached=False)
    assert "€ (EUR)" in (tmp_path / "fresh" / "emplois" / "index.html").read_text(encoding="utf-8")
    assert _differences(out, tmp_path / "fresh") == []


def test_a_setting_counts_by_the_file_of_its_code():
    """A function (a partial's too) by its own file; an object by its class's; Python's built-ins by name alone."""
    import functools
    import sqlite3

    assert page_cache._defining_file(_differences) == __file__
    assert page_cache._defining_file(functools.partial(functools.partial(_differences, 1))) == __file__
    assert page_cache._defining_file(sqlite3.connect(":memory:")) == sqlite3.__file__
    assert page_cache._defining_file(len) is None and page_cache._defining_file(object()) is None


def test_a_page_left_alone_still_claims_its_url_against_a_second_page(tmp_path):
    """Two ads with one URL fail the build, as Pelican's writer fails it, even when one page is left as it was."""
    content = copy_content(tmp_path)
    cached = ["-e", "CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true", f'CACHE_PATH="{tmp_path / "cache"}"',
              f'CAREERS_TEMPLATE_CACHE_PATH="{tmp_path / "templates-cache"}"']
    env = {"VIVIER_OUTBOX": str(tmp_path / "outbox"), "VIVIER_POOL": str(tmp_path / "no-store.sqlite3")}
    first = run_pelican(content, tmp_path / "out", *cached, env=env)
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    other = content / "jobs" / "developpeur-python-nantes.md"  # now takes the URL of data-scientist-lyon, left alone
    text = other.read_text(encoding="utf-8")
    assert "Slug: developpeur-python-nantes\n" in text
    other.write_text(text.replace("Slug: developpeur-python-nantes\n", "Slug: data-scientist-lyon\n"), encoding="utf-8")
    second = run_pelican(content, tmp_path / "out", *cached, env=env)
    shown = second.stdout + second.stderr
    assert second.returncode != 0 and "emplois/data-scientist-lyon/index.html" in shown and "overwrite" in shown, shown[-3000:]


def test_listings_of_a_language_with_no_edit_are_left_alone_and_the_others_follow_the_edit(tmp_path):
    """Every listing and facet page shows all the jobs of its language: keyed by that list, described once per
    language (`page_cache.Digested`). An edited French ad renders the French listings again, not the English ones,
    and every listing still equals a fresh build's."""
    import re

    content = copy_content(tmp_path)
    conf = ROOT / "pelicanconf.py"
    out = tmp_path / "out"
    extra = ["-e", f'CACHE_PATH="{tmp_path / "cache"}"', f'CAREERS_TEMPLATE_CACHE_PATH="{tmp_path / "templates-cache"}"',
             "CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true"]
    env = {"VIVIER_OUTBOX": str(tmp_path / "outbox-out"), "VIVIER_POOL": str(tmp_path / "no-store.sqlite3"),
           "COLUMNS": "2000"}  # one log line per page, however long its path
    for edit in (False, True):  # the same command twice (Pelican's -D is in its settings, hence in every key)
        if edit:
            job = content / "jobs" / "developpeur-python-nantes.md"
            job.write_text(job.read_text(encoding="utf-8").replace("Title: ", "Title: Senior ", 1), encoding="utf-8")
        result = run_pelican(content, out, "-D", *extra, conf=conf, env=env)
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    left = {str(Path(p).relative_to(out)) for p in re.findall(r"page cache: (\S+) left as it was", result.stdout + result.stderr)}
    listings = {str(p.relative_to(out)) for p in out.rglob("index.html")
                if re.match(r"(en/jobs|emplois)/(index\.html|(department|location|remote|contract|experience|departement|"
                            r"lieu|teletravail|contrat)/)", str(p.relative_to(out)))}
    english = {p for p in listings if p.startswith("en/")}
    assert len(english) > 5 and len(listings - english) > 5
    assert english <= left  # no English listing shows the edited ad
    assert not (listings - english) & left  # every French one does (hidden on facet pages outside its facet)
    assert "Senior Développeur" in (out / "emplois" / "departement" / "data" / "index.html").read_text(encoding="utf-8")
    fresh = tmp_path / "fresh"
    _build(tmp_path, conf, content, fresh, cached=False)
    assert [p for p in sorted(listings) if not filecmp.cmp(out / p, fresh / p, shallow=False)] == []


def test_pelicans_article_pages_are_left_alone_while_no_content_but_job_ads_changed(tmp_path):
    """Pelican writes the articles itself (`careers.output._kept_article` keys them like our pages): an edited
    job ad leaves them as they are (not rendered), an edited article renders them again, and both equal a
    fresh build."""
    content = copy_content(tmp_path)
    conf = settings_file(tmp_path, content)
    out = tmp_path / "out"

    def build() -> str:
        extra = ["-e", f'CACHE_PATH="{tmp_path / "cache"}"', f'CAREERS_TEMPLATE_CACHE_PATH="{tmp_path / "templates-cache"}"',
                 "CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true"]
        env = {"VIVIER_OUTBOX": str(tmp_path / "outbox"), "VIVIER_POOL": str(tmp_path / "no-store.sqlite3")}
        result = run_pelican(content, out, "-D", *extra, conf=conf, env=env)
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        return result.stdout + result.stderr

    build()
    page = next(p for p in out.rglob("*.html") if "alternance-mentorat" in str(p) and "/en/" not in str(p))
    job = content / "jobs" / "developpeur-python-nantes.md"
    job.write_text(job.read_text(encoding="utf-8") + "\nUn paragraphe de plus.\n", encoding="utf-8")
    assert f"page cache: {page} left as it was" in build()
    article = content / "articles" / "alternance-mentorat.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nUne phrase ajoutée pour le test.\n", encoding="utf-8")
    assert "left as it was" not in build()  # every page depends on every content file that is not a job ad
    assert "Une phrase ajoutée pour le test." in page.read_text(encoding="utf-8")
    _build(tmp_path, conf, content, tmp_path / "fresh", cached=False)
    assert _differences(out, tmp_path / "fresh") == []


def test_a_category_tag_or_author_is_described_by_its_kind_and_name():
    from pelican.urlwrappers import Author, Category, Tag

    settings = {"SLUGIFY_SOURCE": "title", "SLUG_REGEX_SUBSTITUTIONS": [], "CATEGORY_REGEX_SUBSTITUTIONS": [],
                "TAG_REGEX_SUBSTITUTIONS": [], "AUTHOR_REGEX_SUBSTITUTIONS": []}
    describe = lambda value: page_cache._describe(value, lambda source: b"")  # noqa: E731
    assert describe(Category("Vie d'équipe", settings)) == describe(Category("Vie d'équipe", settings))
    assert describe(Category("Vie d'équipe", settings)) != describe(Category("Métiers", settings))
    assert describe(Category("data", settings)) != describe(Tag("data", settings)) != describe(Author("data", settings))


def test_what_a_template_reads_is_kept_beside_the_compiled_templates_and_equals_jinjas_own_answer(tmp_path, monkeypatch):
    """`template_facts` (kept outside CACHE_PATH, so a cold build does not parse the theme to key its pages)
    gives what `jinja2.meta` finds; a new source or environment is worked out again, a damaged file too."""
    import jinja2
    from jinja2 import meta

    env = jinja2.Environment(loader=jinja2.DictLoader({}))
    env.globals["site_name"] = "Cardamome"
    source = ('{% extends "base.html" %}{% block body %}{% for job in jobs %}{{ job.title }} {{ site_name }}'
              '{% endfor %}{% include "card.html" %}{% include name %}{{ today }}{% endblock %}')
    tree = env.parse(source)
    expected = (sorted(meta.find_undeclared_variables(tree)), list(meta.find_referenced_templates(tree)))
    assert expected == (["jobs", "name", "today"], ["base.html", "card.html", None])
    assert page_cache.template_facts(env, source) == expected  # no folder: worked out
    folder = tmp_path / "compiled"
    assert page_cache.template_facts(env, source, str(folder)) == expected
    kept = list(folder.glob("facts-*.json"))
    assert len(kept) == 1

    parsed = []
    monkeypatch.setattr(env, "parse", lambda text: parsed.append(text) or jinja2.Environment.parse(env, text))
    assert page_cache.template_facts(env, source, str(folder)) == expected and parsed == []  # read back, not parsed

    edited = source.replace("{{ today }}", "{{ now }}")
    assert page_cache.template_facts(env, edited, str(folder))[0] == ["jobs", "name", "now"] and parsed == [edited]
    env.globals["today"] = "2026-12-04"  # a global is not read from the page's context: another environment
    assert page_cache.template_facts(env, source, str(folder))[0] == ["jobs", "name"]
    assert len(list(folder.glob("facts-*.json"))) == 3

    kept[0].write_text('{"not": "ours"}')
    del env.globals["today"]
    assert page_cache.template_facts(env, source, str(folder)) == expected  # damaged: parsed again, then kept
    assert page_cache.template_facts(env, source, str(folder)) == expected and len(parsed) == 3
