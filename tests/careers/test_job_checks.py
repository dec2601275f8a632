"""Unchanged ads' checks replayed (careers/job_checks.py) against checking every ad (the straightforward path).

One content folder with an ad broken for each rule (test_job_rules.py's) is
checked with the caches off, then twice with them on: the same errors and
warnings, in the same order, the second time all replayed. Then each input
besides the ad itself is changed in turn ("today", a setting, the skill
vocabulary, the ad) and the cached check must again equal the uncached one
of the same inputs, having checked again what it must.
"""

from __future__ import annotations

import shutil

import pytest

from tests.careers.test_job_rules import broken, check, make_conf  # noqa: F401 — `broken` is a fixture
from careers.job_checks import JobChecks
from tests.conftest import ROOT


def _cached(conf, cache, monkeypatch, **overrides):
    """The check with the caches on, and (ads replayed, ads checked) as `JobChecks` counted them."""
    counts = []
    save = JobChecks.save
    monkeypatch.setattr(JobChecks, "save", lambda self: counts.append((self.replayed, self.checked)) or save(self))
    found = check(conf, CACHE_CONTENT=True, LOAD_CONTENT_CACHE=True, CACHE_PATH=str(cache), **overrides)
    monkeypatch.setattr(JobChecks, "save", save)
    assert len(counts) == 1
    return found, counts[0]


@pytest.fixture()
def setup(broken, tmp_path):  # noqa: F811 — the fixture imported above
    content = tmp_path / "content"
    shutil.copytree(broken["content"], content)
    conf = make_conf(tmp_path, content)
    vocabulary = tmp_path / "skills.yml"
    shutil.copyfile(ROOT / "audiences" / "skills.yml", vocabulary)
    return content, conf, tmp_path / "cache", {"POOL_SKILLS_PATH": str(vocabulary)}


def test_replayed_checks_equal_checking_every_ad(setup, monkeypatch):
    content, conf, cache, paths = setup
    ads = len(list((content / "jobs").rglob("*.md")))
    straight = check(conf, **paths)
    errors, warnings = straight
    assert len(errors) > 10 and warnings  # an ad broken for each rule: real problems to replay
    first, counts = _cached(conf, cache, monkeypatch, **paths)
    assert first == straight and counts == (0, ads)
    again, counts = _cached(conf, cache, monkeypatch, **paths)
    assert again == straight and counts == (ads, 0)  # every ad replayed, nothing checked


def test_every_other_input_changed_in_turn_checks_again_and_equals_the_straightforward_path(setup, monkeypatch):
    content, conf, cache, paths = setup
    ads = len(list((content / "jobs").rglob("*.md")))
    _cached(conf, cache, monkeypatch, **paths)

    # "today": the sign-off and the end dates are judged against it
    monkeypatch.setenv("VIVIER_TODAY", "2026-11-01")
    found, counts = _cached(conf, cache, monkeypatch, **paths)
    assert found == check(conf, **paths) and counts == (0, ads)
    monkeypatch.delenv("VIVIER_TODAY")
    _cached(conf, cache, monkeypatch, **paths)

    # a setting (a missing sign-off would be an error)
    strict = dict(paths, JOBS_REQUIRE_SIGN_OFF=True)
    found, counts = _cached(conf, cache, monkeypatch, **strict)
    assert found == check(conf, **strict) and counts == (0, ads)

    # the skill vocabulary the must-haves are written in
    _cached(conf, cache, monkeypatch, **paths)
    vocabulary = paths["POOL_SKILLS_PATH"]
    with open(vocabulary, "a", encoding="utf-8") as handle:
        handle.write("\n# a comment changes nothing the checks see, and still counts as a new vocabulary\n")
    found, counts = _cached(conf, cache, monkeypatch, **paths)
    assert found == check(conf, **paths)

    # one ad: only that one is checked again, its new problem found
    ad = sorted((content / "jobs").rglob("*.md"))[0]
    ad.write_text(ad.read_text(encoding="utf-8").replace("Lang: fr", "Lang: fr\nColour: blue", 1), encoding="utf-8")
    found, counts = _cached(conf, cache, monkeypatch, **paths)
    assert found == check(conf, **paths) and counts == (ads - 1, 1)
    assert any("colour" in line for line in found[1])  # the unknown field's warning, from the fresh check


def test_with_the_caches_off_nothing_is_kept(setup):
    content, conf, cache, paths = setup
    assert check(conf, CACHE_PATH=str(cache), **paths)[0]  # settings_file turns Pelican's caches off
    assert not (cache / "JobsGenerator-Checks").exists()


# --- each kind of input the checks read, changed so that a problem appears or goes; and the path really taken ---

CHECKS = ("check_title", "check_job", "check_must_haves", "check_sign_off", "check_placeholders")


def _count_checks(monkeypatch) -> dict:
    """Calls of each per-ad check (and of the schema's parse) in careers.jobs, counted from now on."""
    import careers.fields
    import careers.jobs

    calls = dict.fromkeys((*CHECKS, "parse"), 0)

    def counting(name, function):
        def counted(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return counted

    for name in CHECKS:
        monkeypatch.setattr(careers.jobs, name, counting(name, getattr(careers.jobs, name)))
    monkeypatch.setattr(careers.fields.Schema, "parse", counting("parse", careers.fields.Schema.parse))
    return calls


def test_the_second_build_runs_no_per_ad_check_and_an_edited_ad_runs_each_once(setup, monkeypatch):
    content, conf, cache, paths = setup
    _cached(conf, cache, monkeypatch, **paths)
    calls = _count_checks(monkeypatch)
    again, _ = _cached(conf, cache, monkeypatch, **paths)
    assert calls == dict.fromkeys((*CHECKS, "parse"), 0)  # the articles' and pages' schemas are the reader's: cached
    ad = content / "jobs" / "valide.md"
    ad.write_text(ad.read_text(encoding="utf-8") + "\nUne ligne de plus.\n", encoding="utf-8")
    found, counts = _cached(conf, cache, monkeypatch, **paths)
    assert calls == dict.fromkeys((*CHECKS, "parse"), 1) and counts[1] == 1
    assert found == again == check(conf, **paths)


def test_an_edited_rules_file_checks_every_ad_again(setup, monkeypatch, tmp_path):
    content, conf, cache, paths = setup
    rules = tmp_path / "job_rules.yml"
    shutil.copyfile(ROOT / "plugins" / "careers" / "data" / "job_rules.yml", rules)
    paths = dict(paths, JOBS_RULES_FILE=str(rules))
    _cached(conf, cache, monkeypatch, **paths)
    _cached(conf, cache, monkeypatch, **paths)
    text = rules.read_text(encoding="utf-8")
    assert text.startswith("wording:") or "\nwording:\n" in text
    rules.write_text(text.replace("wording:\n", "wording:\n  - id: test-chaines\n    pattern: 'chaînes de données'\n"
                                  "    severity: warning\n    message: a rule added for the test\n", 1), encoding="utf-8")
    found, counts = _cached(conf, cache, monkeypatch, **paths)
    ads = len(list((content / "jobs").rglob("*.md")))
    assert counts == (0, ads)
    assert found == check(conf, **paths)
    assert any("a rule added for the test" in line for line in found[1])  # every ad says it: a new warning each


def test_today_moved_before_a_sign_off_reports_it(setup, monkeypatch):
    content, conf, cache, paths = setup
    _cached(conf, cache, monkeypatch, **paths)
    monkeypatch.setenv("VIVIER_TODAY", "2026-10-15")  # the ads were signed off on 2026-10-30
    found, _ = _cached(conf, cache, monkeypatch, **paths)
    assert found == check(conf, **paths)
    assert any("after today (2026-10-15)" in line for line in found[0])


def test_a_skill_removed_from_the_vocabulary_is_reported(setup, monkeypatch):
    content, conf, cache, paths = setup
    _cached(conf, cache, monkeypatch, **paths)
    vocabulary = paths["POOL_SKILLS_PATH"]
    with open(vocabulary, encoding="utf-8") as handle:
        text = handle.read()
    assert "\n  sql: []\n" in text
    with open(vocabulary, "w", encoding="utf-8") as handle:
        handle.write(text.replace("\n  sql: []\n", "\n", 1))
    found, counts = _cached(conf, cache, monkeypatch, **paths)
    assert counts[0] == 0 and found == check(conf, **paths)
    assert any("'SQL' is not in the pool's skill vocabulary" in line for line in found[0])


def test_a_setting_the_checks_read_that_json_cannot_write_turns_the_replay_off(setup, monkeypatch):
    """A switch object as JOBS_REQUIRE_SALARY: the settings digest counts such a value by its type and file
    alone, so turning it off would have replayed the old errors; the checks' own digest cannot write it, so
    every ad is checked (and nothing is kept)."""
    content, conf, cache, paths = setup
    strict = dict(paths, JOBS_REQUIRE_SALARY=_Switch(True))
    found = check(conf, CACHE_CONTENT=True, LOAD_CONTENT_CACHE=True, CACHE_PATH=str(cache), **strict)
    assert found == check(conf, **strict) and any("no pay range" in line for line in found[0])
    lenient = dict(paths, JOBS_REQUIRE_SALARY=_Switch(False))
    found = check(conf, CACHE_CONTENT=True, LOAD_CONTENT_CACHE=True, CACHE_PATH=str(cache), **lenient)
    assert found == check(conf, **lenient)
    assert not any("no pay range" in line for line in found[0]) and any("no pay range" in line for line in found[1])
    assert not (cache / "JobsGenerator-Checks").exists()


class _Switch:
    def __init__(self, on: bool):
        self.on = on

    def __bool__(self):
        return self.on


def test_the_working_folder_names_the_file_to_sign_off_without_project_root(setup, monkeypatch, tmp_path):
    from tests.careers.test_job_rules import write_job

    content, conf, cache, paths = setup
    write_job(content, "sans-validation", Signed_off=None)  # a warning that names the file from the working folder
    paths = dict(paths, PROJECT_ROOT="")
    monkeypatch.chdir(content)
    first, _ = _cached(conf, cache, monkeypatch, **paths)
    assert any("vivier job sign-off jobs/sans-validation.md" in line for line in first[1])
    monkeypatch.chdir(tmp_path)
    found, _ = _cached(conf, cache, monkeypatch, **paths)
    assert found == check(conf, **paths)
    assert any("vivier job sign-off content/jobs/sans-validation.md" in line for line in found[1])


def test_an_ad_whose_header_cannot_be_read_is_checked_on_every_build_and_reported_alike(setup, monkeypatch):
    content, conf, cache, paths = setup
    ad = content / "jobs" / "valide.md"
    ad.write_text(ad.read_text(encoding="utf-8").replace("Date: 2026-11-02 09:00", "Date: jamais", 1), encoding="utf-8")
    ads = len(list((content / "jobs").rglob("*.md")))
    straight = check(conf, **paths)
    assert any("valide.md" in line and "date" in line for line in straight[0])
    for build in range(3):
        found, counts = _cached(conf, cache, monkeypatch, **paths)
        assert found == straight, build
        assert counts[1] >= 1 and (build == 0 or counts == (ads - 1, 1)), (build, counts)


def test_replayed_values_are_fresh_copies(tmp_path):
    """What a build does to a job's values (places completed, lists changed) never reaches the cache."""
    from careers.report import ContentReport
    from careers.job_checks import JobChecks

    ad = tmp_path / "ad.md"
    ad.write_text("Title: x\n\nbody\n", encoding="utf-8")
    settings = {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True, "CACHE_PATH": str(tmp_path / "cache"),
                "CHECK_MODIFIED_METHOD": "mtime", "CONTENT_CACHING_LAYER": "reader", "GZIP_CACHE": False}
    rules = tmp_path / "rules.yml"
    rules.write_text("wording: []\n", encoding="utf-8")

    def first_check():
        report.warning(str(ad), "title", "a warning")
        return {"must_have": ["Python"], "locations": []}

    report = ContentReport()
    checks = JobChecks(settings, None, str(rules), _EmptyVocabulary())
    values = checks.run(str(ad), report, first_check)
    values["must_have"].append("changed after the check")
    checks.save()
    for _ in range(2):
        report = ContentReport()
        checks = JobChecks(settings, None, str(rules), _EmptyVocabulary())
        replayed = checks.run(str(ad), report, lambda: pytest.fail("replayed, not checked"))
        assert checks.last_replayed and replayed == {"must_have": ["Python"], "locations": []}
        assert [(p.field, p.message, p.severity) for p in report.problems] == [("title", "a warning", "warning")]
        replayed["must_have"].append("changed again")


class _EmptyVocabulary:
    skills: dict = {}
    path = None


def test_the_problem_index_answers_as_the_whole_report_would_while_it_grows():
    import random

    from careers.job_checks import ProblemIndex
    from careers.report import ContentReport

    chosen = random.Random(21)
    report = ContentReport()
    index = ProblemIndex(report)
    paths = [f"/content/jobs/ad-{n}.md" for n in range(12)]
    for step in range(400):
        path = chosen.choice(paths)
        add = chosen.choice((report.error, report.warning, None))
        if add is not None:
            add(path, chosen.choice(("title", "date", "must_have")), "a problem")
        if step == 200:  # a new report (a new build in the same process): read from its start
            report.problems = list(report.problems[:50])
        asked = chosen.choice(paths)
        assert index.fields(asked) == {p.field for p in report.problems if p.path == asked}
        assert index.has_errors_for(asked) == report.has_errors_for(asked)
    assert index.fields(paths[0]) is not index.fields(paths[0])  # a copy: the caller's set is its own


def test_the_checks_of_a_deleted_ad_leave_the_cache(setup, monkeypatch):
    """Ads come and go: the checks of one no longer read are dropped when the build saves, not kept forever."""
    import pickle

    content, conf, cache, paths = setup
    _cached(conf, cache, monkeypatch, **paths)
    stored = cache / "JobsGenerator-Checks"

    def kept_names():
        with open(stored, "rb") as handle:
            return {name.rsplit("/", 1)[-1] for name in pickle.load(handle)}

    ads = sorted((content / "jobs").rglob("*.md"))
    assert {ad.name for ad in ads} <= kept_names()
    ads[0].unlink()
    errors_after, _ = check(conf, **paths)
    found, counts = _cached(conf, cache, monkeypatch, **paths)
    assert found == (errors_after, _) and counts == (len(ads) - 1, 0)
    assert ads[0].name not in kept_names() and {ad.name for ad in ads[1:]} <= kept_names()
