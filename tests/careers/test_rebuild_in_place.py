"""A rebuild in place, with every cache on, equals a fresh build byte for byte after each kind of edit (issue 21).

The caches a warm build reads — Pelican's content cache, the wording
checks, the compiled templates, the mail memo — and the output folder
brought up to date (careers/output.py) are the fast path; a build into an
empty folder with no cache at all is the straightforward one. One site goes
through a series of edits, each rebuilt in place and compared with a fresh
build of the same inputs: a job ad (and the pages that show it as a similar job), a template, a
setting, a translation, a deleted file, an ambassador, "today" moving past
an ad's end date, an article that a job ad links to.

Since pages whose inputs did not change are no longer rendered
(`careers.page_cache`), each cached rebuild also says how many pages it
rendered and how many it left alone: a rebuild after one edited ad must
leave most job pages alone, and still equal the fresh build.
"""

from __future__ import annotations

import filecmp
import re
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
    state = {"base": base, "content": content, "theme": theme, "settings": [f'THEME="{theme}"'], "fresh": 0,
             "today": "2026-11-22", "pages": None}
    return state


def _build(site: dict, out: Path, *, cached: bool, outbox: Path) -> str:
    extra = list(site["settings"])
    options = []
    if cached:  # every cache a warm build reads, kept from one build to the next
        extra += ["CACHE_CONTENT=true", "LOAD_CONTENT_CACHE=true", f'CACHE_PATH="{site["base"] / "cache"}"',
                  f'CAREERS_TEMPLATE_CACHE_PATH="{site["base"] / "templates-cache"}"']
        options = ["--verbose"]  # the page cache's count: pages rendered, pages left alone
    env = {"VIVIER_OUTBOX": str(outbox), "VIVIER_POOL": str(site["base"] / "no-store.sqlite3")}
    result = run_pelican(site["content"], out, *options, "-e", *extra, env=env, today=site["today"])
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return result.stdout + result.stderr


def _rebuild_and_compare(site: dict) -> list[str]:
    in_place = site["base"] / "out"
    log = _build(site, in_place, cached=True, outbox=site["base"] / "outbox")
    counts = re.search(r"pages: (\d+) rendered, (\d+) left as they were", log)
    site["pages"] = (int(counts[1]), int(counts[2])) if counts else None
    site["fresh"] += 1
    fresh = site["base"] / f"fresh-{site['fresh']}"
    _build(site, fresh, cached=False, outbox=site["base"] / f"outbox-fresh-{site['fresh']}")
    return _differences(in_place, fresh)


def _job_pages(site: dict) -> list[Path]:
    return [p for p in (site["base"] / "out").rglob("index.html") if "emplois/" in str(p) or "jobs/" in str(p)]


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
    pages = _job_pages(site)
    assert any("personnes en reconversion" in p.read_text(encoding="utf-8") for p in pages)
    # Its new title is on other jobs' pages too (similar jobs), which were rendered again for it.
    shown = [p for p in pages if "Senior Développeur" in p.read_text(encoding="utf-8") and "developpeur-python-nantes" not in str(p)]
    assert shown
    rendered, left = site["pages"]
    assert left > rendered > 0, site["pages"]  # the pages that do not show it were not rendered again


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


def test_6_an_edited_ambassador(site):
    _replace(site["content"] / "ambassadors" / "karim-benali.md", "Role: Architecte cloud", "Role: Architecte cloud principal")
    assert _rebuild_and_compare(site) == []
    assert any("Architecte cloud principal" in p.read_text(encoding="utf-8") for p in _job_pages(site))


def test_7_today_moves_past_an_ads_end_date(site):
    site["today"] = "2027-01-20"  # data-scientist-lyon is valid through 2027-01-15: now closed, noindex
    assert _rebuild_and_compare(site) == []
    page = next(p for p in _job_pages(site) if "data-scientist-lyon" in str(p) and "/en/" not in str(p))
    assert 'name="robots" content="noindex' in page.read_text(encoding="utf-8")


def test_8_an_article_a_job_ad_links_to_is_renamed(site):
    job = site["content"] / "jobs" / "developpeur-python-nantes.md"
    job.write_text(job.read_text(encoding="utf-8") + "\nVoir [l'équipe]({filename}/articles/retour-portes-ouvertes-lyon.md).\n",
                   encoding="utf-8")
    assert _rebuild_and_compare(site) == []
    _replace(site["content"] / "articles" / "retour-portes-ouvertes-lyon.md", "Slug: retour-portes-ouvertes-lyon", "Slug: portes-ouvertes-a-lyon")
    assert _rebuild_and_compare(site) == []  # the link's URL comes from the article: the job page follows it
    page = next(p for p in _job_pages(site) if "developpeur-python-nantes" in str(p))
    assert "portes-ouvertes-a-lyon" in page.read_text(encoding="utf-8")
    # The link removed again: an ad whose body links to another file is rendered on every build, and so is every
    # page showing its card (similar jobs); test_9 counts what a site without such links leaves alone.
    _replace(job, "\nVoir [l'équipe]({filename}/articles/retour-portes-ouvertes-lyon.md).\n", "")
    assert _rebuild_and_compare(site) == []


def test_9_nothing_edited(site):
    assert _rebuild_and_compare(site) == []
    rendered, left = site["pages"]
    assert left > 0 and rendered < left / 2, site["pages"]


def test_10_pages_removed_or_changed_in_the_output_folder(site):
    """A page left alone must still be there as written: one deleted, one cut short, one edited by hand."""
    pages = sorted(_job_pages(site))
    pages[0].unlink()
    pages[1].write_bytes(pages[1].read_bytes()[:100])
    text = pages[2].read_text(encoding="utf-8")
    pages[2].write_text(text.replace("<main", "<main data-hand-edit", 1)[:len(text)], encoding="utf-8")
    assert _rebuild_and_compare(site) == []
    rendered, left = site["pages"]
    assert rendered >= 2 and left > 0, site["pages"]


def test_11_an_ad_edited_while_its_date_stays_then_touched(site):
    """Pelican's content cache knows a file by its date: an edit that keeps it is not read until the file is touched.

    That rebuild serves the old text (Pelican's rule, not compared); once the
    file is touched, Pelican reads it again, and its page (and the pages
    showing its card) must follow, though its bytes did not change since.
    """
    import os

    job = site["content"] / "jobs" / "ingenieur-devops-kubernetes.md"
    before = job.stat()
    _replace(job, "Title: ", "Title: Lead ")
    os.utime(job, ns=(before.st_atime_ns, before.st_mtime_ns))
    _build(site, site["base"] / "out", cached=True, outbox=site["base"] / "outbox")
    os.utime(job)  # touched: Pelican reads it again
    assert _rebuild_and_compare(site) == []
    assert any("Lead Ingénieur" in p.read_text(encoding="utf-8") for p in _job_pages(site))


def test_12_a_card_showing_a_summary_that_links_to_a_renamed_ad(site):
    """A theme's card may show an ad's summary: without a Summary field, its first words, whose links are other files' URLs."""
    _replace(site["theme"] / "templates" / "partials" / "job_card.html", "</article>", "<div>{{ item.summary|safe }}</div>\n</article>")
    job = site["content"] / "jobs" / "ingenieur-data-nantes.md"
    job.write_text("".join(line for line in job.read_text(encoding="utf-8").splitlines(keepends=True) if not line.startswith("Summary:")),
                   encoding="utf-8")
    _replace(job, "\n## ", "\nVoir aussi [ce poste]({filename}/jobs/developpeur-java-lyon.md).\n\n## ")
    assert _rebuild_and_compare(site) == []
    _replace(site["content"] / "jobs" / "developpeur-java-lyon.md", "Slug: developpeur-java-lyon", "Slug: developpeur-java-a-lyon")
    assert _rebuild_and_compare(site) == []
    listing = (site["base"] / "out" / "emplois" / "index.html").read_text(encoding="utf-8")
    assert 'Voir aussi <a href="/emplois/developpeur-java-a-lyon/">' in listing
