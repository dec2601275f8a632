"""What the command line prints when something is wrong: readable, no traceback."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from careers.report import Problem
from rich.console import Console
from vivier.reporting import print_problems

from tests.conftest import ROOT


def vivier(*args, env=None):
    return subprocess.run([sys.executable, "-m", "vivier", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=180, env=env)


def test_problem_table_wraps_long_words_instead_of_cutting_them():
    # A job reference is one long word: in an 80-column terminal it used to end
    # in "…", hiding the very value the editor has to copy.
    reference = "JOB-20261130-ingenieur-data-engineer-nantes"
    problem = Problem("jobs/en/data-engineer.md", "lang",
                      f"job {reference} is located in France but has no French version; "
                      f"add a file with Lang: fr and Reference: {reference}", "Lang: fr", line=4)
    out = io.StringIO()
    print_problems(Console(file=out, width=80, force_terminal=False), [problem], None, "1 content problem(s)")
    text = out.getvalue()
    assert "…" not in text
    column = "".join(line.split("│")[3].strip() for line in text.splitlines() if line.startswith("│"))
    assert column.count(reference) == 2


def test_production_build_without_secret_says_so_without_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "VIVIER_SECRET"}
    for args in (("build", "--publish", "-o", str(tmp_path / "output")), ("-s", "publishconf.py", "check")):
        result = vivier(*args, env={**env, "COLUMNS": "200"})
        assert result.returncode == 2, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert "VIVIER_SECRET (environment) must be set for a production build" in result.stderr
    assert not (tmp_path / "output").exists()


def test_a_settings_file_pelican_refuses_is_named_without_a_traceback(tmp_path):
    # A settings file copied elsewhere keeps PATH = "content", now relative to its new folder.
    conf = tmp_path / "elsewhere.py"
    conf.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *  # noqa\n")
    result = vivier("-s", str(conf), "build", "-o", str(tmp_path / "output"), env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert str(conf) in message and "specify a path containing the content" in message
    assert f"read from its folder, {tmp_path}" in message
    assert not (tmp_path / "output").exists()


def test_site_check_without_the_checkers_says_how_to_install_them(tmp_path):
    # `make site` installs no checker (feedparser, lxml, Playwright…): `make test-deps` does.
    code = ("import sys; sys.modules['feedparser'] = None; from vivier.cli import main; "
            f"main(['site-check', {str(tmp_path)!r}])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "missing: feedparser" in result.stderr and "make test-deps" in result.stderr


def test_error_lines_are_never_wrapped_even_in_a_narrow_terminal(tmp_path):
    # A path cut by a newline cannot be searched for in a log or a cron mail:
    # an error stays one line whatever the width (the CI checkout path is longer than ours).
    deep = tmp_path / ("a-rather-long-folder-name-" * 6) / "pool.sqlite3"
    deep.parent.mkdir(parents=True)
    deep.write_text("this is not a SQLite database")
    env = {**os.environ, "COLUMNS": "40", "VIVIER_POOL": str(deep)}
    result = vivier("pool", "renewals", env=env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("✗")]
    assert lines and str(deep) in lines[0] and "not a usable member store" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
