"""`Job.get_relative_source_path`'s short cut gives Pelican's own answer for every kind of path."""

from __future__ import annotations

import os

import pytest
from pelican.contents import Content

from careers.jobs import Job


def _job(path_setting: str, source_path) -> Job:
    job = Job.__new__(Job)  # only what the method reads
    job.settings, job.source_path = {"PATH": path_setting}, source_path
    return job


@pytest.mark.parametrize("source", [
    "{base}/jobs/dev.md", "{base}/jobs/en/dev.md", "{base}/jobs/../jobs/dev.md", "{base}/./jobs/dev.md",
    "{base}//jobs/dev.md", "{base}", "{base}/", "{base}-other/jobs/dev.md", "/elsewhere/jobs/dev.md",
    "jobs/dev.md", "../outside.md", "{base}/jobs/dev.md/", "{base}/jobs/émploi ä.md",
])
@pytest.mark.parametrize("setting", ["{base}", "{base}/", "content", "./content/", "/"])
def test_the_short_cut_equals_pelican_s_answer(tmp_path, monkeypatch, source, setting):
    monkeypatch.chdir(tmp_path)
    base = str(tmp_path / "content")
    path_setting, source_path = setting.format(base=base), source.format(base=base)
    job = _job(path_setting, source_path)
    expected = Content.get_relative_source_path(job)
    assert job.get_relative_source_path() == expected
    assert job.get_relative_source_path(source_path) == expected
    other = os.path.join(base, "events", "x.md")
    assert job.get_relative_source_path(other) == Content.get_relative_source_path(job, other)


def test_no_source_path_is_none_as_in_pelican():
    assert _job("/content", None).get_relative_source_path() is None
