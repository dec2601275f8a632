"""Compiled templates kept across builds, outside CACHE_PATH (issue 21: a cold build need not compile the theme).

The fast path (code loaded from `_TemplateCache`) is compared with the
straightforward one (Jinja compiling the source): the same code objects for
every template of the theme, and the same site from a real build.
"""

from __future__ import annotations

import filecmp
from pathlib import Path

import jinja2
import pytest

from careers import template_cache, template_cache_folder
from tests.conftest import ROOT, copy_content, run_pelican

THEME = ROOT / "theme" / "templates"


def _env(cache=None, **filters) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(THEME)), autoescape=True, bytecode_cache=cache,
                             auto_reload=False)
    for name in ("t", "absolute_url", "format_date", "facet_data", "strftime", *filters):
        env.filters[name] = lambda *a, **k: ""
    return env


def _settings(folder: Path, **more) -> dict:
    return {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True, "CAREERS_TEMPLATE_CACHE_PATH": str(folder), **more}


def _templates() -> list[str]:
    return sorted(str(p.relative_to(THEME)) for p in THEME.rglob("*.html"))


def test_code_loaded_from_the_cache_is_the_code_jinja_compiles(tmp_path):
    cache = template_cache(_settings(tmp_path / "tc"))
    names = _templates()
    assert len(names) > 20
    writer, reader = _env(cache), _env(cache)
    for name in names:
        writer.get_template(name)  # compiled, then written
    written = {p.name for p in (tmp_path / "tc").rglob("*.cache")}
    assert len(written) == len(names)
    for name in names:
        fresh = _env().get_template(name)
        loaded = reader.get_template(name)
        bucket = cache.get_bucket(reader, name, loaded.filename, (THEME / name).read_text(encoding="utf-8"))
        assert bucket.code is not None, name  # really served from the cache
        source = (THEME / name).read_text(encoding="utf-8")
        assert bucket.code == _env().compile(source, name, str(THEME / name)), name
        assert loaded.root_render_func.__code__ == fresh.root_render_func.__code__, name


def test_an_edited_template_is_compiled_again(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text("one {{ x }}")
    cache = template_cache(_settings(tmp_path / "tc"))

    def render():
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), bytecode_cache=cache)
        return env.get_template("page.html").render(x=1)

    assert render() == "one 1"
    assert render() == "one 1"
    (folder / "page.html").write_text("two {{ x }}")
    assert render() == "two 1"


def test_another_environment_gets_its_own_entry(tmp_path):
    """A filter Jinja does not know compiles into an error: code compiled with it must not serve without it."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "page.html").write_text("{{ 'a'|shout }}")
    cache = template_cache(_settings(tmp_path / "tc"))
    with_filter = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), bytecode_cache=cache)
    with_filter.filters["shout"] = str.upper
    assert with_filter.get_template("page.html").render() == "A"
    without = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), bytecode_cache=cache)
    with pytest.raises(jinja2.TemplateAssertionError):
        without.get_template("page.html")
    other_syntax = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), bytecode_cache=cache,
                                      variable_start_string="[[", variable_end_string="]]")
    other_syntax.filters["shout"] = str.upper
    assert other_syntax.get_template("page.html").render() == "{{ 'a'|shout }}"
    assert len(list((tmp_path / "tc").rglob("*.cache"))) == 2  # the failed compilation wrote nothing


def test_no_cache_without_the_content_cache_or_without_a_folder(tmp_path, monkeypatch):
    assert template_cache(_settings(tmp_path / "a", CACHE_CONTENT=False)) is None
    assert template_cache(_settings(tmp_path / "b", LOAD_CONTENT_CACHE=False)) is None
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert template_cache(_settings(blocker / "tc")) is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert template_cache_folder({}) == str(tmp_path / "xdg" / "vivier" / "templates")


def test_a_build_from_cached_templates_equals_one_without_cache(tmp_path):
    content = copy_content(tmp_path)
    folders = {}
    for run, cached in (("plain", False), ("first", True), ("second", True)):
        out = tmp_path / run
        extra = ["-e", "CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true", f'CACHE_PATH="{tmp_path / ("cache-" + run)}"',
                 f'CAREERS_TEMPLATE_CACHE_PATH="{tmp_path / "tc"}"'] if cached else []
        result = run_pelican(content, out, *extra)
        assert result.returncode == 0, result.stderr[-3000:]
        folders[run] = out
        if run == "first":
            entries = {p: p.stat().st_mtime_ns for p in (tmp_path / "tc").rglob("*.cache")}
            assert entries
    # The second build (its own, empty CACHE_PATH: a cold build) loaded every template and wrote none.
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "tc").rglob("*.cache")} == entries
    for run in ("first", "second"):
        comparison = filecmp.dircmp(folders["plain"], folders[run])
        assert _differences(comparison) == [], run


def _differences(comparison: filecmp.dircmp, prefix: str = "") -> list[str]:
    found = [prefix + name for name in comparison.left_only + comparison.right_only + comparison.funny_files]
    _, mismatch, errors = filecmp.cmpfiles(comparison.left, comparison.right, comparison.common_files, shallow=False)
    found += [prefix + name for name in mismatch + errors]
    for name, sub in comparison.subdirs.items():
        found += _differences(sub, f"{prefix}{name}/")
    return found


def test_the_mail_theme_s_templates_are_kept_compiled_too_and_load_the_code_jinja_compiles(tmp_path):
    """The mail theme's two environments (HTML autoescaped, text with `wrap`) share the folder, each keyed apart."""
    from mailing.pipeline import MailTheme

    settings = _settings(tmp_path / "tc", CACHE_PATH=str(tmp_path / "cache"), THEME=str(ROOT / "theme"),
                         MAILING_THEME=str(ROOT / "theme" / "mail"))
    names = {"html_env": ["newsletter.mjml", "alert.mjml"], "text_env": ["newsletter.txt", "alert.txt"]}
    first = MailTheme(str(ROOT / "theme" / "mail")).use_build_caches(settings)
    for env, templates in names.items():
        for name in templates:
            getattr(first, env).get_template(name)
    assert len(list((tmp_path / "tc").rglob("*.cache"))) >= 4  # the templates and those they include

    second = MailTheme(str(ROOT / "theme" / "mail")).use_build_caches(settings)
    plain = MailTheme(str(ROOT / "theme" / "mail"))  # no cache: Jinja compiles the source
    assert plain.html_env.bytecode_cache is None
    for env, fresh, templates in ((second.html_env, plain.html_env, names["html_env"]),
                                  (second.text_env, plain.text_env, names["text_env"])):
        for name in templates:
            loaded = env.get_template(name)
            source = (ROOT / "theme" / "mail" / name).read_text(encoding="utf-8")
            bucket = env.bytecode_cache.get_bucket(env, name, loaded.filename, source)
            assert bucket.code is not None, name  # really served from the cache
            assert loaded.root_render_func.__code__ == fresh.get_template(name).root_render_func.__code__, name
    assert template_cache({**settings, "CACHE_CONTENT": False}) is None
    off = MailTheme(str(ROOT / "theme" / "mail")).use_build_caches({**settings, "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False})
    assert off.html_env.bytecode_cache is None and off.cache is None
