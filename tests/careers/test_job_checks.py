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
