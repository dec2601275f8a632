"""`vivier job fit`: counts of eligible members who fit a job's must-haves, checked against an independent count."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import sqlite3
import stat
import subprocess
import sys
import unicodedata
from collections import Counter

import pytest

from tests.careers.test_job_rules import write_job
from tests.conftest import ROOT, TODAY, settings_file

MUST = "Python, SQL, Spark"


def vivier(*args, env=None):
    return subprocess.run([sys.executable, "-m", "vivier", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "COLUMNS": "200", **(env or {})})


@pytest.fixture(scope="module")
def pool(private_paths):
    loaded = vivier("pool", "load-sample")
    assert loaded.returncode == 0, loaded.stderr


def _fold(text):
    text = unicodedata.normalize("NFKD", text).casefold()
    return "".join(c for c in text if not unicodedata.combining(c)).strip()


def independent_counts(must):
    """From the sample CSV and the policy's own decision, member by member: (eligible, all, all but one) by city."""
    from talentpool import config
    from talentpool.audience import default_policy

    today = dt.date.fromisoformat(TODAY)
    policy = default_policy()
    segments = config.load_segments({"PROJECT_ROOT": str(ROOT)})
    wanted = [_fold(s) for s in must]
    rows = {r["email"].casefold(): r for r in csv.DictReader(open(ROOT / "audiences/sample/members.csv", encoding="utf-8"))}
    counts = Counter()
    emails = {"all": set(), "one": set()}
    with config.open_store({}) as store:
        for member in store.iter_members():
            decision = policy.decide(member, "job_alert", today)
            if not decision.allowed:
                continue
            row = rows[member.email.casefold()]
            have = {_fold(s) for s in row["skills"].split("|")}
            missing = [s for s in wanted if s not in have]
            named = [name for name, segment in segments.items() if segment.matches(member, today)]
            for group in ("*", row["city"], *named):
                counts[group, "eligible"] += 1
                counts[group, "all"] += not missing
                counts[group, "one"] += len(missing) == 1
            if len(missing) <= 1:
                emails["all" if not missing else "one"].add(member.email)
    return counts, emails


def row_of(output: str, group: str) -> list[str]:
    """The eligible, fit-all and all-but-one cells of one group's row in `vivier job fit`'s tables."""
    row = re.search(rf"│ {re.escape(group)} +│ +(< 10|\d+) │ +(< 10|\d+) │ +(< 10|\d+) │", output)
    assert row, (group, output)
    return list(row.groups())


def shown_as(expected, group) -> tuple[str, ...]:
    counts = (expected[group, "eligible"], expected[group, "all"], expected[group, "one"])
    return tuple(map(str, counts)) if counts[0] >= 10 else ("< 10",) * 3


def test_job_fit_counts_match_an_independent_count(tmp_path, pool):
    content = tmp_path / "content"
    path = write_job(content, "fit-data", Must_have=MUST)
    conf = settings_file(tmp_path, content)
    lists = tmp_path / "private-lists"
    own = tmp_path / "pool.sqlite3"  # a copy of the session's sample store: this test erases someone from it
    with sqlite3.connect(os.environ["VIVIER_POOL"]) as shared, sqlite3.connect(own) as copy:
        shared.backup(copy)
    env = {"VIVIER_FIT_LISTS": str(lists), "VIVIER_POOL": str(own)}
    result = vivier("--settings", str(conf), "job", "fit", str(path), "--list", env=env)
    assert result.returncode == 0, result.stderr
    expected, emails = independent_counts(MUST.split(", "))
    assert expected["*", "all"] > 0 and expected["*", "one"] > expected["*", "all"]
    summary = re.search(r"(\d+) eligible member\(s\).*?: (\d+) fit every must-have, (\d+) all but one", result.stdout)
    assert tuple(map(int, summary.groups())) == (expected["*", "eligible"], expected["*", "all"], expected["*", "one"])
    for group in ("Lyon", "Nantes", "lyon", "data-lyon", "juniors"):  # two cities, three segments
        assert tuple(row_of(result.stdout, group)) == shown_as(expected, group), group
    # A group of fewer than k = 10 eligible members (MAILING_REPORTS_MIN_GROUP) never shows its counts.
    small = [city for (city, what), n in expected.items() if what == "eligible" and 0 < n < 10 and city[:1].isupper()]
    assert small, "the sample has small cities"
    for city in small:
        assert row_of(result.stdout, city) == ["< 10"] * 3, city

    # Counts only on the terminal; the names go to a private 0600 file outside the repository.
    sample = list(csv.DictReader(open(ROOT / "audiences/sample/members.csv", encoding="utf-8")))
    for row in sample:
        assert row["email"].casefold() not in result.stdout.casefold()
        assert f"{row['first_name']} {row['last_name']}" not in result.stdout
    written = lists / f"fit-data-{TODAY}.csv"
    assert str(written) in result.stdout
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    listed = list(csv.DictReader(open(written, encoding="utf-8")))
    assert {r["email"] for r in listed if r["fits"] == "all"} == emails["all"]
    assert {r["email"] for r in listed if r["fits"] == "all but one"} == emails["one"]

    # The list is a private file about people: erasing one of them cleans it too.
    gone = sorted(emails["all"])[0]
    erased = vivier("--settings", str(conf), "pool", "erase", gone, "--yes", env=env)
    assert erased.returncode == 0, erased.stdout + erased.stderr
    assert f"{written}: 1 row(s) of the fit list removed" in erased.stdout
    assert gone.encode() not in written.read_bytes().lower() and len(listed) - 1 == len(list(csv.DictReader(open(written))))


def test_the_single_must_have_that_excludes_the_most(tmp_path, pool):
    from staffing.fit import pool_fit

    settings = {"PROJECT_ROOT": str(ROOT)}
    report = pool_fit(settings, ["Python", "SQL", "Spark"], dt.date.fromisoformat(TODAY))
    only = report.total.lacking_only
    assert report.total.excludes_most == max(["Python", "SQL", "Spark"], key=lambda s: (only[s], report.total.lacking[s]))
    assert sum(only.values()) == report.total.all_but_one
    # Segments overlap; each one's counts are those of its own members.
    assert report.by_segment["all-newsletter"].eligible <= report.total.eligible


def test_member_lists_never_go_to_output_or_git(tmp_path):
    from staffing.settings import StaffingSettingsError, private_folder

    with pytest.raises(StaffingSettingsError, match="inside OUTPUT_PATH"):
        private_folder({"PROJECT_ROOT": str(tmp_path), "OUTPUT_PATH": str(tmp_path / "output"),
                        "STAFFING_LISTS_PATH": "output/fit"}, "STAFFING_LISTS_PATH")
    with pytest.raises(StaffingSettingsError, match="git work tree and not ignored"):
        private_folder({"PROJECT_ROOT": str(ROOT), "STAFFING_LISTS_PATH": "content/fit"}, "STAFFING_LISTS_PATH")
    assert private_folder({"PROJECT_ROOT": str(ROOT)}, "STAFFING_LISTS_PATH") == ROOT / "var" / "fit"


def test_the_build_report_shows_each_open_jobs_fit_in_counts_only(tmp_path, pool, capsys):
    from vivier.commands.build import print_pool_fit
    from vivier.config import load_settings

    settings = load_settings(str(ROOT / "pelicanconf.py"))
    print_pool_fit(settings)
    shown = capsys.readouterr().err
    assert "Pool fit of open jobs (private: counts only, not published)" in shown
    assert "jobs/stage-data-analyst-lyon.md" in shown or "jobs/stage-data-an" in shown
    for row in csv.DictReader(open(ROOT / "audiences/sample/members.csv", encoding="utf-8")):
        assert row["email"].casefold() not in shown.casefold() and row["last_name"] not in shown

    settings["MAILING_REPORTS_MIN_GROUP"] = 10_000  # every job's pool is now a small group: no count at all
    print_pool_fit(settings)
    masked = capsys.readouterr().err
    rows = [line for line in masked.splitlines() if "jobs/" in line]
    assert rows and all(line.count("< 10000") == 3 and not re.search(r"│ +\d+ │", line) for line in rows), masked

    settings["POOL_PATH"] = str(tmp_path / "no-store.sqlite3")  # as in CI: no personal data there
    print_pool_fit(settings)
    assert "pool fit: no member store here" in capsys.readouterr().err
    assert not (tmp_path / "no-store.sqlite3").exists()


def test_the_pool_fit_counted_beside_the_build_prints_what_counting_after_it_prints(pool, tmp_path, capsys):
    """`vivier build` has the pool fit counted by the process that plans the mail (mailing.engine.beside):
    the table it prints is the one counted in-process after the build (the straightforward way), and so is
    the one a build whose mail is planned in its own process counts after the site."""
    import shutil

    from vivier.commands.build import print_pool_fit
    from vivier.config import load_settings

    store = tmp_path / "pool.sqlite3"  # the build records invitations: never the session's shared store
    shutil.copyfile(os.environ["VIVIER_POOL"], store)
    env = {**os.environ, "VIVIER_POOL": str(store), "VIVIER_OUTBOX": str(tmp_path / "outbox"), "COLUMNS": "200"}
    one_process = tmp_path / "one-process.py"  # the mail planned in the build's own process
    one_process.write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *  # noqa\n"
                           f"PATH = {str(ROOT / 'content')!r}\nTHEME = {str(ROOT / 'theme')!r}\n"
                           "MAILING_BACKGROUND = False\n")
    tables = []
    for conf, where in ((ROOT / "pelicanconf.py", "pool fit: done beside the mail"),
                        (one_process, "pool fit: counted after the site")):
        built = subprocess.run([sys.executable, "-m", "vivier", "-v", "-s", str(conf), "build", "-o", str(tmp_path / "out")],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert built.returncode == 0, built.stderr[-3000:]
        assert where in " ".join(built.stderr.split()), built.stderr[-3000:]
        tables.append(built.stderr[built.stderr.index("Pool fit of open jobs"):])
    table = tables[0]
    assert tables[1] == table

    os.environ["VIVIER_POOL"], saved = str(store), os.environ["VIVIER_POOL"]
    try:
        print_pool_fit(load_settings(str(ROOT / "pelicanconf.py")))
    finally:
        os.environ["VIVIER_POOL"] = saved
    here = capsys.readouterr().err
    assert table.strip() == here[here.index("Pool fit of open jobs"):].strip()
    assert "jobs/" in table and table.count("\n") > 5


def test_a_lone_small_city_is_hidden_with_the_next_smallest_so_no_subtraction_gives_it_back():
    from staffing.fit import WHOLE_POOL, FitCounts, FitReport, shown_rows

    def counts(eligible, fit_all):
        return FitCounts(("Python",), eligible=eligible, fit_all=fit_all)

    report = FitReport(("Python",), "job_alert", dt.date.fromisoformat(TODAY), counts(93, 20), {"juniors": counts(4, 1)},
                       {"Lyon": counts(50, 12), "Nantes": counts(40, 7), "Rennes": counts(3, 1)})
    rows = shown_rows(report, 10)
    assert rows["segment"][WHOLE_POOL][:3] == ("93", "20", "0")
    assert rows["segment"]["juniors"] == ("< 10", "< 10", "< 10", "—")
    assert rows["city"]["Lyon"][:3] == ("50", "12", "0")
    assert rows["city"]["Rennes"] == rows["city"]["Nantes"] == ("< 10", "< 10", "< 10", "—")
    assert shown_rows(report, 3)["city"]["Rennes"][:2] == ("3", "1")  # k is the setting's, not a constant


def test_the_fit_of_the_jobs_a_build_read_equals_the_fit_of_their_files(pool, tmp_path, monkeypatch):
    """`open_job_fits(…, jobs=…)` (what `vivier build` counts beside the mail, from the ads it read) gives the
    rows that reading every ad's header gives: an alias of "open", a draft, closed ads, translations sharing
    their must-haves (counted once), in the order of their paths."""
    from careers.dates import today
    from staffing.fit import min_group, shown
    from staffing.report import open_job_fits
    from tests.conftest import copy_content
    from vivier.build import read_all
    from vivier.config import load_settings

    content = copy_content(tmp_path)
    ads = sorted((content / "jobs").glob("*.md"))

    def reference(ad):
        return re.search(r"^Reference: (.*)$", ad.read_text(encoding="utf-8"), re.M).group(1).strip()

    for chosen, status in ((ads[0], "Ouverte"), (ads[1], "draft")):  # with its translations: they must agree
        for ad in (content / "jobs").rglob("*.md"):
            if reference(ad) == reference(chosen):
                text = ad.read_text(encoding="utf-8")
                ad.write_text(re.sub(r"^Status: .*$", f"Status: {status}", text, count=1, flags=re.M), encoding="utf-8")
    settings = load_settings(ROOT / "pelicanconf.py", PATH=str(content), VIVIER_TODAY="2026-11-22",
                             CACHE_CONTENT=False, LOAD_CONTENT_CACHE=False)
    jobs = next(g for g in read_all(settings) if hasattr(g, "open_jobs")).jobs
    k = min_group(settings)

    def rows(fits):
        return [(fit.path, fit.reference, *shown(fit.total, k)) for fit in fits]

    from_files = rows(open_job_fits(settings, today(settings)))
    from_build = rows(open_job_fits(settings, today(settings), jobs=jobs))
    assert from_build == from_files
    paths = [row[0] for row in from_files]
    assert str(ads[0].relative_to(content)) in paths and str(ads[1].relative_to(content)) not in paths
    assert any(path.startswith("jobs/en/") for path in paths) and len(paths) > 10
