"""Job ads converted on two cores (careers/prefetch.py) build exactly what one process builds.

The sample site has too few ads for a second process to pay; these tests
add 260 synthetic ads (bench/synth_content.py) and compare a build with
`JOBS_PARALLEL_READING` on and off: same output byte for byte, and with
problems in ads of both halves, the same failure listing the same problems
in the same order.
"""

from __future__ import annotations

import filecmp
import re
import sys
from pathlib import Path

import pytest

from careers import prefetch
from talentpool.store import Store
from tests.conftest import ROOT, run_pelican

sys.path.insert(0, str(ROOT / "bench"))
import synth_content  # noqa: E402


@pytest.fixture(scope="module")
def big_content(tmp_path_factory) -> Path:
    content = tmp_path_factory.mktemp("prefetch") / "content"
    synth_content.write_site(content, jobs=273, articles=14)  # 260 synthetic ads with the sample's 13
    return content


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _build(content: Path, out: Path, parallel: bool):
    """A verbose build into `out`, with a member store and outbox of its own (next to `out`)."""
    out.mkdir()
    Store(out / "private" / "pool.sqlite3").close()  # an empty store: the build never creates one
    env = {"VIVIER_POOL": str(out / "private" / "pool.sqlite3"), "VIVIER_OUTBOX": str(out / "private" / "outbox")}
    return run_pelican(content, out / "site", "-v", "-e", f"JOBS_PARALLEL_READING={'true' if parallel else 'false'}",
                       env=env)


def _log(result, out: Path) -> list[str]:
    """The build's log (with -v), its output folder named OUT, without times, widths and the prefetch line."""
    text = re.sub(r"\[\d\d:\d\d:\d\d\]", "", result.stdout + result.stderr)
    text = re.sub(r"in [\d.]+ seconds", "", text)
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return [line.replace(str(out), "OUT") for line in lines if "converted by a second process" not in line]


def _second_process(result) -> bool:
    return "converted by a second process" in " ".join((result.stdout + result.stderr).split())


def test_two_processes_build_the_same_site_as_one(big_content, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    alone, shared = _build(big_content, one, False), _build(big_content, two, True)
    assert alone.returncode == 0 and shared.returncode == 0, shared.stderr[-3000:]
    assert _second_process(shared) and not _second_process(alone)
    assert _files(one / "site") == _files(two / "site")
    assert [f for f in sorted(_files(one / "site")) if not filecmp.cmp(one / "site" / f, two / "site" / f, shallow=False)] == []
    assert _log(alone, one) == _log(shared, two)


def test_problems_in_both_halves_are_listed_the_same_in_the_same_order(big_content, tmp_path):
    content = tmp_path / "content"
    import shutil

    shutil.copytree(big_content, content)
    ads = sorted((content / "jobs").glob("*.md"))
    early, late = ads[3], ads[-3]  # one read by this process, one by the child
    for ad in (early, late):  # a date the reader cannot read (filed by the reader), a contract the schema refuses,
        text = ad.read_text(encoding="utf-8")  # and wording the rules refuse (checked by the process that converted it)
        text = re.sub(r"^Date: .*$", "Date: 2026-13-45 09:00", text, count=1, flags=re.M)
        text += "\nNous cherchons un profil jeune et dynamique, de nationalité française.\n"
        ad.write_text(text.replace("Contract: ", "Contract: intérim-", 1), encoding="utf-8")
    one, two = tmp_path / "one", tmp_path / "two"
    alone, shared = _build(content, one, False), _build(content, two, True)
    assert alone.returncode == shared.returncode == 1
    assert _second_process(shared)
    log = _log(shared, two)
    for ad in (early, late):
        assert any(ad.name in line and "date: '2026-13-45 09:00' cannot be read" in line for line in log), log[-20:]
        assert any(ad.name in line and "discriminatory wording 'jeune'" in line for line in log), log[-20:]
        assert any(ad.name in line and "discriminatory wording 'nationalité française'" in line for line in log), log[-20:]
    assert _log(alone, one) == log


def test_the_wording_check_done_by_the_converting_process_is_the_parent_s(big_content, monkeypatch):
    """The child's wording problems for its files are those the parent's check finds, in the job's language,
    for ads with and without problems; an ad in another language than the child guessed is checked again."""
    from careers import job_rules
    from pelican.settings import read_settings

    settings = read_settings(str(ROOT / "pelicanconf.py"), override={"PATH": str(big_content)})
    rules = prefetch._wording_rules(settings)
    ads = sorted((big_content / "jobs").glob("*.md"))[:40]
    text = ads[0].read_text(encoding="utf-8") + "\nUne équipe jeune, sexe masculin de préférence.\n"
    seen_problems = 0
    for path, body in [(ads[0], text)] + [(ad, ad.read_text(encoding="utf-8")) for ad in ads[1:]]:
        for lang in ("fr", "en"):
            found = prefetch._wording(str(path), {"lang": lang}, body, rules, settings)
            assert found == (lang, job_rules.wording_problems(str(path), lang, rules, body))
            seen_problems += len(found[1])
    assert seen_problems >= 2  # the edited ad's problems, at least in French
    assert prefetch._wording("x.md", {}, "Titre", rules, settings)[0] == settings["DEFAULT_LANG"]
    assert prefetch._wording("x.md", {"lang": "fr"}, None, rules, settings) is None  # no text: the parent checks

    class Report:
        def __init__(self):
            self.filed = []

        def error(self, *args):
            self.filed.append(("error", *args))

        def warning(self, *args):
            self.filed.append(("warning", *args))

    checks = job_rules.WordingChecks({**settings, "CACHE_CONTENT": False, "LOAD_CONTENT_CACHE": False}, job_rules.rules_path(settings))
    calls = []
    monkeypatch.setattr(job_rules, "wording_problems", lambda *a: calls.append(a) or ())
    given = ("fr", (("error", "wording", "found by the child", "", 3),))
    report = Report()
    checks.check("a.md", "fr", rules, report, "text", found=given)
    assert report.filed == [("error", "a.md", "wording", "found by the child", "", 3)] and calls == []
    checks.check("b.md", "en", rules, Report(), "text", found=given)  # another language: checked here
    assert len(calls) == 1


def test_a_build_takes_the_wording_problems_of_every_ad_the_child_converted(big_content, tmp_path):
    """End to end: the parent checks the wording of the ads it converted itself, and of none of the child's."""
    out = tmp_path / "out"
    out.mkdir()
    Store(out / "private" / "pool.sqlite3").close()
    env = {"VIVIER_POOL": str(out / "private" / "pool.sqlite3"), "VIVIER_OUTBOX": str(out / "private" / "outbox")}
    result = run_pelican(big_content, out / "site", "-D", "-e", "JOBS_PARALLEL_READING=true", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    log = " ".join((result.stdout + result.stderr).split())
    mine, todo = map(int, re.search(r"job ads: (\d+) of (\d+) converted by a second process", log).groups())
    replayed, taken, here = map(int, re.search(r"wording of job ads: (\d+) replayed from the cache, (\d+) checked by the "
                                               r"process that converted them, (\d+) checked here", log).groups())
    ads = len(list((big_content / "jobs").rglob("*.md")))
    assert mine > 0 and todo == ads
    assert (replayed, taken, here) == (0, mine, ads - mine)


def test_a_result_for_a_file_changed_since_is_not_taken(tmp_path):
    path = tmp_path / "ad.md"
    path.write_text("Title: x\n")
    fetch = prefetch.Prefetch([str(path)], child=None)
    fetch._results = {str(path): (prefetch._stamp(str(path)), "<p>x</p>", {"title": "x"}, [], [], "Title: x\n", None)}
    path.write_text("Title: changed since\n")
    assert fetch.take(str(path), {}) is None
    assert fetch.take(str(tmp_path / "other.md"), {}) is None
