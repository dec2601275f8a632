"""The private section of the build report: the pool fit of every open job ad, counts only.

`vivier build` prints it on the operator's terminal after the site is built,
when a member store exists (CI holds none, so it says so and moves on).
Nothing of it is written to `output/` or anywhere else.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from talentpool import config

from . import settings as staffing_settings
from .fit import FitCounts, pool_totals

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobFit:
    path: str  # relative to the content folder
    reference: str
    total: FitCounts  # the whole pool's counts (TotalsIndex.fit_total)


def job_files(settings: dict) -> list[Path]:
    root = Path(settings["PATH"])
    folders = settings.get("JOBS_CONTENT_PATHS") or ["jobs"]
    return sorted(p for folder in folders for p in (root / folder).rglob("*.md"))


def open_job_fits(settings: dict, today: dt.date, jobs=None) -> list[JobFit] | None:
    """The fit of every job ad that is not closed or a draft; None when there is no member store.

    `jobs`: the build's job ads as it read them (`vivier build`'s table, counted where the mail is planned),
    instead of every ad's header read again (0.2 s at 5,000 ads, in every build). Ads with the same
    must-haves (an ad's translations) are counted once.
    """
    if not config.store_exists(settings):
        return None
    index = pool_totals(settings, today, kind=staffing_settings.value(settings, "STAFFING_FIT_KIND"))  # streamed
    counted: dict[tuple[str, ...], FitCounts] = {}
    fits = []
    for path, reference, status, must in (_ads_of_files(settings) if jobs is None else _ads_read(settings, jobs)):
        if status not in OPEN or not must:
            continue
        total = counted.get(tuple(must))
        if total is None:
            total = counted[tuple(must)] = index.fit_total(must)
        fits.append(JobFit(path, reference, total))
    return fits


OPEN = ("open", "ouverte", "ouvert")  # careers.job_fields' open status and its aliases


def _ads_of_files(settings: dict):
    """(path, reference, status, must-haves) of every job file, read from its header, in the order of paths."""
    from careers.job_fields import skills
    from careers.job_signoff import read_header

    for path in job_files(settings):
        header = read_header(path)
        must = skills(header["must_have"][0]) if header.get("must_have") else []
        yield (str(path.relative_to(settings["PATH"])), header.get("reference", ("", 0))[0],
               header.get("status", ("open", 0))[0].strip().casefold(), must)


def _ads_read(settings: dict, jobs):
    """The same of the ads a build read (its published jobs: drafts and ads with errors are not among them)."""
    root = os.path.abspath(settings["PATH"])
    for job in sorted(jobs, key=lambda job: Path(os.path.abspath(job.source_path))):
        yield (os.path.relpath(os.path.abspath(job.source_path), root), job.reference or "",
               str(job.status or "open"), list(job.must_have or []))
