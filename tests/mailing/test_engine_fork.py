"""The mail generators in a child process while the site is written (mailing/engine/generator.py).

The child must change nothing a build produces or reports: same site, same
outbox, same problems and log lines, same failures. These tests compare a
build with `MAILING_BACKGROUND` on and off, and follow a child that fails.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from pelican.settings import read_settings

from careers.report import get_report
from mailing.engine import generator as engine_generator
from tests.conftest import ROOT, copy_content, run_pelican, settings_file


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _differences(left: Path, right: Path, ignore=lambda rel, a, b: False) -> list[str]:
    a, b = _tree(left), _tree(right)
    found = sorted(a ^ b)
    for rel in sorted(a & b):
        if not filecmp.cmp(left / rel, right / rel, shallow=False):
            if not ignore(rel, (left / rel).read_bytes(), (right / rel).read_bytes()):
                found.append(rel)
    return found


def _date_only(rel, a, b):
    """Previews carry the time they were composed in their Date header: the only allowed difference."""
    def strip(data):
        return re.sub(rb"^Date: .*$", b"Date:", data, flags=re.M)
    return rel.endswith(".eml") and strip(a) == strip(b)


def _build(tmp_path, name, pool, *extra):
    base = tmp_path / name
    base.mkdir()
    shutil.copy(pool, base / "pool.sqlite3")
    env = {"VIVIER_POOL": str(base / "pool.sqlite3"), "VIVIER_OUTBOX": str(base / "outbox")}
    result = run_pelican(ROOT / "content", base / "out", *extra, env=env)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return base, result


def _lines(result) -> list[str]:
    """The build's log lines without their time column, widths or the build duration."""
    text = re.sub(r"\[\d\d:\d\d:\d\d\]", "", result.stdout + result.stderr)
    text = re.sub(r"in [\d.]+ seconds", "", text)
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_the_child_builds_exactly_what_the_process_builds(tmp_path, site, private_paths):
    pool = Path(os.environ["VIVIER_POOL"])
    child, with_child = _build(tmp_path, "child", pool)
    inline, in_process = _build(tmp_path, "inline", pool, "-e", "MAILING_BACKGROUND=false")
    assert _differences(child / "out", inline / "out") == []
    assert _tree(child / "outbox"), "the sample campaigns planned messages"
    assert _differences(child / "outbox", inline / "outbox", _date_only) == []
    assert _differences(child / "out", site) == []  # and the session's site, built the same way
    assert sorted(_lines(with_child)) == sorted(_lines(in_process))


# Builds whose generators are patched run in a fresh interpreter: the test process may hold other
# threads (browser, servers) and then, rightly, never forks.
SCRIPT = """
import logging, os, sys
from pelican import Pelican
from pelican.settings import read_settings
from mailing.kinds.newsletter.kind import NewsletterGenerator

mode, conf = sys.argv[1], sys.argv[2]
settings = read_settings(conf, override={"VIVIER_TODAY": "2026-11-22"})
original = NewsletterGenerator.read

def patched(self):
    if mode == "raise":
        raise ValueError(f"mail step broken in process {os.getpid()}")
    logging.getLogger("mailing.kinds.newsletter").warning("planned in process %d", os.getpid())
    return original(self)

NewsletterGenerator.read = patched if mode in ("raise", "log") else original

from mailing.engine import steps
write_plans, write_public = steps.write_plans, steps.write_public

def plans_then(kinds, settings):  # the outbox part, which the child writes after handing its pages back
    if os.getpid() != parent:
        if mode == "plans-raise":
            raise OSError(f"outbox broken in process {os.getpid()}")
        if mode == "plans-kill-error":  # an editor saves a broken campaign, then the child is killed
            campaign = os.path.join(settings["PATH"], "newsletters", "2026-12-data-cloud.md")
            text = open(campaign, encoding="utf-8").read()
            open(campaign, "w", encoding="utf-8").write(text.replace("Segments: ", "Segments: no-such-segment, ", 1))
        if mode.startswith("plans-kill"):
            os.kill(os.getpid(), 9)
    print("PLANS", os.getpid(), flush=True)
    return write_plans(kinds, settings)

def public_then(kinds, writer):  # the pages, before the child hands them back
    if os.getpid() != parent and mode == "public-kill":
        os.kill(os.getpid(), 9)
    return write_public(kinds, writer)

steps.write_plans, steps.write_public = plans_then, public_then
parent = os.getpid()
logging.basicConfig(level=logging.WARNING, format="LOG %(message)s")
print("PARENT", os.getpid(), flush=True)
try:
    Pelican(settings).run()
except Exception as exc:
    print("RAISED", type(exc).__name__, exc, flush=True)
    sys.exit(3)
print("BUILT", flush=True)
"""


def _patched_build(tmp_path, mode, env=None):
    content = copy_content(tmp_path)
    conf = settings_file(tmp_path, content, tmp_path / "out")
    env = {**os.environ, **(env or {}), "PYTHONPATH": os.pathsep.join([str(ROOT / "plugins"), str(ROOT)])}
    result = subprocess.run([sys.executable, "-c", SCRIPT, mode, str(conf)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    parent = re.search(r"^PARENT (\d+)$", result.stdout, re.M).group(1)
    return result, parent


def test_a_child_that_raises_fails_the_build_with_its_error(tmp_path, private_paths):
    result, parent = _patched_build(tmp_path, "raise")
    assert result.returncode == 3, result.stdout + result.stderr
    raised = re.search(r"^RAISED ValueError mail step broken in process (\d+)$", result.stdout, re.M)
    assert raised, result.stdout
    assert raised.group(1) != parent, "the generator ran in a child process"


def test_what_the_child_logs_reaches_the_parent_s_logging(tmp_path, private_paths):
    result, parent = _patched_build(tmp_path, "log")
    assert result.returncode == 0 and "BUILT" in result.stdout, result.stdout + result.stderr
    logged = re.findall(r"^LOG planned in process (\d+)$", result.stderr, re.M)
    assert logged and logged[0] != parent, result.stderr  # logged in the child, shown by the parent's handler


def test_the_outbox_failing_after_the_child_handed_its_pages_back_fails_the_build(tmp_path, private_paths):
    """The child hands its pages back before writing the outbox (the site finishes meanwhile): an error
    while it writes the outbox still fails the build, with its error, once the site is done."""
    result, parent = _patched_build(tmp_path, "plans-raise")
    assert result.returncode == 3, result.stdout + result.stderr
    raised = re.search(r"^RAISED OSError outbox broken in process (\d+)$", result.stdout, re.M)
    assert raised and raised.group(1) != parent, result.stdout
    assert (tmp_path / "out" / "emplois" / "index.html").exists()  # the site was written meanwhile


def test_a_child_killed_after_handing_its_pages_back_has_the_outbox_written_by_the_build(tmp_path, site, private_paths):
    """`kill -9` of the mail child between its pages and the outbox: the build's process writes the outbox,
    the same as a build whose child lived (nothing lost, nothing doubled), and says so."""
    outboxes = {}
    for mode in ("log", "plans-kill", "public-kill"):
        base = tmp_path / mode
        base.mkdir()
        shutil.copy(os.environ["VIVIER_POOL"], base / "pool.sqlite3")
        env = {"VIVIER_POOL": str(base / "pool.sqlite3"), "VIVIER_OUTBOX": str(base / "outbox")}
        result, parent = _patched_build(base, mode, env)
        assert result.returncode == 0 and "BUILT" in result.stdout, result.stdout + result.stderr
        writers = re.findall(r"^PLANS (\d+)$", result.stdout, re.M)  # who wrote the outbox: the child, or this process
        assert len(writers) == 1 and (writers[0] == parent) == (mode != "log"), (writers, parent)
        said = " ".join(result.stderr.split())
        assert ("ended before writing the outbox" in said) == (mode == "plans-kill"), said[-2000:]
        assert ("ended without an answer" in said) == (mode == "public-kill"), said[-2000:]
        outboxes[mode] = base / "outbox"
    assert _tree(outboxes["log"]), "the sample campaigns planned messages"
    for mode in ("plans-kill", "public-kill"):
        log_base, kill_base = (str(outboxes[m].parent).encode() for m in ("log", mode))

        def same_but_for_their_folders(rel, a, b):  # each build read its own copy of the content
            return _date_only(rel, a, b) or a.replace(log_base, b"BASE") == b.replace(kill_base, b"BASE")

        assert _differences(outboxes["log"], outboxes[mode], same_but_for_their_folders) == [], mode


def test_content_broken_after_the_fork_fails_a_build_whose_child_was_killed_before_the_outbox(tmp_path, site,
                                                                                              private_paths):
    """The build writes the outbox of a child killed after its pages from the content as it is then: a
    campaign saved with an error since the fork fails the build, and no plan is written from it."""
    base = tmp_path / "build"
    base.mkdir()
    shutil.copy(os.environ["VIVIER_POOL"], base / "pool.sqlite3")
    env = {"VIVIER_POOL": str(base / "pool.sqlite3"), "VIVIER_OUTBOX": str(base / "outbox")}
    result, parent = _patched_build(base, "plans-kill-error", env)
    assert result.returncode == 3, result.stdout + result.stderr
    assert re.search(r"^RAISED ContentError", result.stdout, re.M), result.stdout
    assert "unknown segment 'no-such-segment'" in " ".join(result.stdout.split()), result.stdout
    assert re.findall(r"^PLANS (\d+)$", result.stdout, re.M) == []  # nobody wrote the outbox
    assert not (base / "outbox").exists() or not any((base / "outbox").rglob("manifest.jsonl"))


def test_an_email_problem_found_by_the_child_fails_the_build_with_the_content_list(content_copy, tmp_path):
    campaign = content_copy / "newsletters" / "2026-12-data-cloud.md"
    text = campaign.read_text(encoding="utf-8")
    campaign.write_text(re.sub(r"^Segments: .*$", "Segments: no-such-segment", text, count=1, flags=re.M),
                        encoding="utf-8")
    result = run_pelican(content_copy, tmp_path / "out")
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1
    assert "newsletters/2026-12-data-cloud.md:8: segments: unknown segment 'no-such-segment'" in output, output
    assert (tmp_path / "out" / "emplois" / "index.html").exists()  # the site was written meanwhile
    assert not (tmp_path / "out" / "newsletters").exists()  # no email archived


def test_no_child_when_content_has_errors_other_threads_run_or_the_setting_says_so(tmp_path, private_paths, monkeypatch):
    import threading

    content = copy_content(tmp_path)
    settings = read_settings(str(settings_file(tmp_path, content, tmp_path / "out")))
    generators = engine_generator.MailEngine(context=settings.copy(), settings=settings, path=settings["PATH"],
                                           theme=settings["THEME"], output_path=settings["OUTPUT_PATH"])
    alone = [threading.current_thread()]
    monkeypatch.setattr(threading, "enumerate", lambda: alone)
    assert generators._can_fork()
    alone.append(threading.Thread(target=lambda: None))  # any other thread: no fork
    assert not generators._can_fork()
    alone.pop()
    monkeypatch.setitem(settings, "MAILING_BACKGROUND", False)
    assert not generators._can_fork()
    monkeypatch.setitem(settings, "MAILING_BACKGROUND", True)
    get_report(settings).error(str(content / "jobs" / "x.md"), "title", "is required")
    assert not generators._can_fork()  # every problem is listed at once, by this process


def test_a_child_left_by_a_failed_build_is_not_finished_by_the_next_build_of_the_process():
    """`make serve` builds again in the same process: a mail child handed over by a build that failed before
    its end was collected by `forking.reap`; the next build starts without it (its `finalized` would wait
    for a child that is gone)."""
    from types import SimpleNamespace

    import mailing

    settings = {engine_generator.PENDING: ("engine", "a collected child")}
    assert mailing.get_generators(SimpleNamespace(settings=settings)) == [engine_generator.MailEngine]
    assert engine_generator.PENDING not in settings
    engine_generator.finish_pending(settings)  # nothing pending: nothing to wait for
