"""Bad content fails the build once, naming every file and field."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, run_pelican, settings_file

BAD_DATE = """Title: Un article mal daté
Date: 2026-13-45
Author: Claire Vasseur
Category: Coulisses
Slug: mal-date
Lang: fr

Corps de l'article.
"""

NO_TITLE = """Date: 2026-10-01 10:00
Author: Claire Vasseur
Category: Coulisses
Slug: sans-titre
Lang: fr

Corps de l'article.
"""

BAD_LANG = """Title: Article en klingon
Date: 2026-10-01 10:00
Author: Claire Vasseur
Category: Coulisses
Lang: tlh

Corps.
"""


def test_bad_date_and_missing_title_fail_the_build_with_every_problem(content_copy, tmp_path):
    (content_copy / "articles" / "mal-date.md").write_text(BAD_DATE)
    (content_copy / "articles" / "sans-titre.md").write_text(NO_TITLE)
    (content_copy / "articles" / "klingon.md").write_text(BAD_LANG)
    result = run_pelican(content_copy, tmp_path / "out")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "3 content problems" in output
    assert "articles/mal-date.md:2: date:" in output
    assert "articles/sans-titre.md: title: is missing" in output
    assert "articles/klingon.md:5: lang: 'tlh' is not one of fr, en" in output
    # Nothing is published when content is broken.
    assert not (tmp_path / "out" / "index.html").exists()


def vivier(*args, cwd=ROOT):
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "vivier", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env)


def test_vivier_check_accepts_the_sample_content():
    result = vivier("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "content is valid" in result.stderr


def test_vivier_check_reports_problems_without_writing(content_copy, tmp_path):
    (content_copy / "articles" / "mal-date.md").write_text(BAD_DATE)
    out = tmp_path / "never-written"
    conf = settings_file(tmp_path, content_copy, out)
    result = vivier("--settings", str(conf), "check")
    assert result.returncode == 1
    row = next(line for line in result.stderr.splitlines() if "mal-date.md:2" in line)
    assert "date" in row and "'2026-13-45' cannot be read" in row and "2026-09-14 09:00" in row
    assert not out.exists()


def test_vivier_build_lists_problems_as_a_table_and_exits_non_zero(content_copy, tmp_path):
    (content_copy / "articles" / "mal-date.md").write_text(BAD_DATE)
    (content_copy / "articles" / "sans-titre.md").write_text(NO_TITLE)
    out = tmp_path / "out"
    conf = settings_file(tmp_path, content_copy)
    result = vivier("--settings", str(conf), "build", "-o", str(out))
    assert result.returncode == 1
    assert "2 content problem(s): nothing was published (output/ keeps the last good build)" in result.stderr
    assert any("sans-titre.md" in line and "title" in line and "is missing" in line for line in result.stderr.splitlines())
    assert "Traceback" not in result.stderr
    assert not (out / "index.html").exists()


def test_an_email_only_problem_says_the_site_pages_were_updated(content_copy, tmp_path):
    newsletter = content_copy / "newsletters" / "2026-12-data-cloud.md"
    newsletter.write_text(newsletter.read_text().replace("Jobs: CC-2026-011, CC-2026-016", "Jobs: CC-2026-011, CC-2099-999"))
    out = tmp_path / "out"
    conf = settings_file(tmp_path, content_copy)
    env = {**os.environ, "COLUMNS": "250"}
    result = subprocess.run([sys.executable, "-m", "vivier", "--settings", str(conf), "build", "-o", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 1
    assert "1 content problem(s): the site's pages were updated; no email was planned or archived" in result.stderr
    assert "nothing was published" not in result.stderr
    assert "newsletters/2026-12-data-cloud.md:10" in result.stderr and "CC-2099-999" in result.stderr
    assert (out / "emplois" / "index.html").is_file()  # what the message says: the pages were written


def test_vivier_version_and_help():
    version = vivier("--version")
    assert version.returncode == 0 and version.stdout.startswith("vivier, version ")
    help_ = vivier("--help")
    assert help_.returncode == 0 and "check" in help_.stdout and "new" in help_.stdout


def test_vivier_new_article_writes_a_valid_file(tmp_path, content_copy):
    conf = settings_file(tmp_path, content_copy)
    created = vivier("--settings", str(conf), "new", "article", "Notre nouvelle équipe à Nantes")
    assert created.returncode == 0, created.stderr
    path = content_copy / "articles" / "notre-nouvelle-equipe-a-nantes.md"
    assert created.stdout.strip() == str(path)
    text = path.read_text()
    assert "Title: Notre nouvelle équipe à Nantes" in text and "Field guide" in text
    # The generated file passes the check as it is (the author is an example).
    assert vivier("--settings", str(conf), "check").returncode == 0
    again = vivier("--settings", str(conf), "new", "article", "Notre nouvelle équipe à Nantes")
    assert again.returncode != 0 and "already exists" in again.stderr
