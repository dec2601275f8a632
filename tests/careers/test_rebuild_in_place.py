"""A rebuild in place, with every cache on, equals a fresh build byte for byte after each kind of edit (issue 21).

The caches a warm build reads — Pelican's content cache, the wording
checks, the compiled templates, the mail memo — and the output folder
brought up to date (careers/output.py) are the fast path; a build into an
empty folder with no cache at all is the straightforward one. One site goes
through a series of edits, each rebuilt in place and compared with a fresh
build of the same inputs: a job ad, a template, a setting, a translation,
a deleted file.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, copy_content, run_pelican


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _differences(left: Path, right: Path) -> list[str]:
    a, b = _files(left), _files(right)
    return sorted(a ^ b) + [p for p in sorted(a & b) if not filecmp.cmp(left / p, right / p, shallow=False)]


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("rebuild")
    content = copy_content(base)
    theme = base / "theme"
    shutil.copytree(ROOT / "theme", theme)
    state = {"base": base, "content": content, "theme": theme, "settings": [f'THEME="{theme}"'], "fresh": 0}
    return state


def _build(site: dict, out: Path, *, cached: bool, outbox: Path) -> None:
    extra = list(site["settings"])
    if cached:  # every cache a warm build reads, kept from one build to the next
        extra += ["CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true", f'CACHE_PATH="{site["base"] / "cache"}"',
                  f'CAREERS_TEMPLATE_CACHE_PATH="{site["base"] / "templates-cache"}"']
    env = {"VIVIER_OUTBOX": str(outbox), "VIVIER_POOL": str(site["base"] / "no-store.sqlite3")}
    result = run_pelican(site["content"], out, "-e", *extra, env=env)
    assert result.returncode == 0, result.stderr[-3000:]


def _rebuild_and_compare(site: dict) -> list[str]:
    in_place = site["base"] / "out"
    _build(site, in_place, cached=True, outbox=site["base"] / "outbox")
    site["fresh"] += 1
    fresh = site["base"] / f"fresh-{site['fresh']}"
    _build(site, fresh, cached=False, outbox=site["base"] / f"outbox-fresh-{site['fresh']}")
    return _differences(in_place, fresh)


# The edits run in this order, on the same site: each rebuild starts from the previous one's folder and caches.

def test_0_first_build_in_place(site):
    assert _rebuild_and_compare(site) == []
    assert (site["base"] / "cache").is_dir() and any((site["base"] / "templates-cache").rglob("*.cache"))


def test_1_an_edited_job_ad(site):
    job = site["content"] / "jobs" / "developpeur-python-nantes.md"
    _replace(job, "Title: ", "Title: Senior ")
    job.write_text(job.read_text(encoding="utf-8") + "\nLe poste est ouvert aux personnes en reconversion.\n",
                   encoding="utf-8")
    assert _rebuild_and_compare(site) == []
    page = (site["base"] / "out" / "emplois").rglob("index.html")
    assert any("personnes en reconversion" in p.read_text(encoding="utf-8") for p in page)


def test_2_an_edited_template(site):
    card = site["theme"] / "templates" / "partials" / "job_card.html"
    _replace(card, "<article>", '<article data-edited="card">')
    assert _rebuild_and_compare(site) == []
    assert 'data-edited="card"' in (site["base"] / "out" / "emplois" / "index.html").read_text(encoding="utf-8")


def test_3_an_edited_setting(site):
    site["settings"].append('SITENAME="Cardamome — Carrières (renamed)"')
    assert _rebuild_and_compare(site) == []
    assert "Carrières (renamed)" in (site["base"] / "out" / "index.html").read_text(encoding="utf-8")


def test_4_an_edited_translation(site):
    _replace(site["theme"] / "strings" / "fr.yml", "  jobs: Offres d'emploi\n", "  jobs: Nos offres d'emploi\n")
    assert _rebuild_and_compare(site) == []
    assert "Nos offres d&#39;emploi" in (site["base"] / "out" / "index.html").read_text(encoding="utf-8") or \
        "Nos offres d'emploi" in (site["base"] / "out" / "index.html").read_text(encoding="utf-8")


def test_5_a_deleted_file(site):
    (site["content"] / "jobs" / "chef-de-projet-digital.md").unlink()
    assert _rebuild_and_compare(site) == []
    assert not any("chef-de-projet-digital" in p for p in _files(site["base"] / "out"))
