"""A job's dates as Pelican's `Content.__init__` sets them, `locale_date` formatted only when read (careers/jobs.py).

Pelican formats `locale_date` and `locale_modified` of every content object
when it is made; a job passes them through a stand-in and formats them when
first read. Each job here is made both ways (Pelican's own way is taken
while a receiver listens to `content_object_init`) and every attribute, the
metadata in its order, and the formatted dates must be equal.
"""

from __future__ import annotations

import copy
import locale
import pickle
from zoneinfo import ZoneInfo

import pytest
from pelican.plugins import signals
from pelican.settings import DEFAULT_CONFIG
from pelican.utils import SafeDatetime

from careers.jobs import Job


def _settings(**extra):
    settings = copy.deepcopy(DEFAULT_CONFIG)
    settings.update(PATH="/site/content", TIMEZONE="Europe/Paris", DEFAULT_LANG="fr", **extra)
    return settings


def _made(metadata, settings, pelican_s_way: bool) -> Job:
    listener = lambda sender: None  # noqa: E731
    if pelican_s_way:
        signals.content_object_init.connect(listener)
    try:
        return Job("<p>Texte</p>", dict(metadata), settings, "/site/content/jobs/dev.md", {})
    finally:
        signals.content_object_init.disconnect(listener)


def _seen(job: Job) -> dict:
    shown = {name: getattr(job, name, "(none)") for name in ("locale_date", "locale_modified")}
    state = {k: v for k, v in vars(job).items() if k not in ("_unformatted", "locale_date", "locale_modified", "_context", "settings")}
    return {**state, **shown, "metadata order": list(job.metadata), "date type": type(getattr(job, "date", None)),
            "date zone": str(getattr(getattr(job, "date", None), "tzinfo", None))}


CASES = {
    "naive date": {"title": "Dev", "date": SafeDatetime(2026, 10, 2, 9, 0)},
    "date and modified": {"title": "Dev", "date": SafeDatetime(2026, 3, 29, 1, 30), "modified": SafeDatetime(2026, 10, 25, 2, 30)},
    "aware date": {"title": "Dev", "date": SafeDatetime(2026, 10, 2, 9, 0, tzinfo=ZoneInfo("America/Montreal"))},
    "the ad's own time zone": {"title": "Dev", "timezone": "Asia/Tokyo", "date": SafeDatetime(2026, 12, 31, 23, 59)},
    "the ad's own format": {"title": "Dev", "date_format": "%-d/%-m/%Y %Hh%M %Z", "date": SafeDatetime(2026, 1, 5, 7, 3)},
    "no date": {"title": "Dev"},
    "a plain datetime": {"title": "Dev", "date": __import__("datetime").datetime(2026, 10, 2, 9, 0)},
    "metadata after the date": {"date": SafeDatetime(2026, 10, 2, 9, 0), "title": "Dev", "lang": "en", "modified": SafeDatetime(2026, 11, 2, 9, 0)},
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("settings", [{}, {"DATE_FORMATS": {"en": "%A %-d %B %Y"}}, {"DEFAULT_DATE_FORMAT": "%x %X %z"},
                                      {"DATE_FORMATS": {"fr": ("C", "%a %d %b %Y"), "en": ("C.utf8", "%d %B %Y")}}],
                         ids=["default", "per language", "locale's own", "locale and format"])
def test_a_job_s_dates_are_pelican_s(case, settings):
    before = locale.setlocale(locale.LC_ALL)
    try:
        fast = _made(CASES[case], _settings(**settings), pelican_s_way=False)
        assert ("date" not in CASES[case]) or "_unformatted" in vars(fast)  # the short cut was taken
        slow = _made(CASES[case], _settings(**settings), pelican_s_way=True)
        assert "_unformatted" not in vars(slow)
        assert _seen(fast) == _seen(slow)
    finally:
        locale.setlocale(locale.LC_ALL, before)


def test_formatted_in_the_locale_it_was_made_in_once_and_kept():
    before = locale.setlocale(locale.LC_ALL)
    try:
        locale.setlocale(locale.LC_TIME, "C")
        job = _made(CASES["date and modified"], _settings(DEFAULT_DATE_FORMAT="%c"), pelican_s_way=False)
        expected = _made(CASES["date and modified"], _settings(DEFAULT_DATE_FORMAT="%c"), pelican_s_way=True).locale_date
        locale.setlocale(locale.LC_TIME, "C.utf8")
        assert job.locale_date == expected
        assert locale.setlocale(locale.LC_TIME) == "C.utf8"  # put back
        assert vars(job)["locale_date"] == expected  # read once: an attribute like Pelican's from then on
        again = pickle.loads(pickle.dumps(job.locale_modified))
        assert again == job.locale_modified
    finally:
        locale.setlocale(locale.LC_ALL, before)


def test_a_job_without_a_date_has_no_locale_date_as_in_pelican():
    job = _made(CASES["no date"], _settings(), pelican_s_way=False)
    assert not hasattr(job, "locale_date") and not hasattr(job, "locale_modified")


def test_a_pickled_job_keeps_its_dates():
    job = _made(CASES["date and modified"], _settings(), pelican_s_way=False)
    job.settings = job._context = None  # as much as pickling needs here
    again = pickle.loads(pickle.dumps(job))
    assert again.locale_date == _made(CASES["date and modified"], _settings(), pelican_s_way=True).locale_date
