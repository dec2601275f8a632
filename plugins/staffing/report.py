"""The private section of the build report: the pool fit of every open job ad, counts only.

`vivier build` prints it on the operator's terminal after the site is built,
when a member store exists (CI holds none, so it says so and moves on).
Nothing of it is written to `output/` or anywhere else.
"""

from __future__ import annotations

import datetime as dt
import logging
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


def open_job_fits(settings: dict, today: dt.date) -> list[JobFit] | None:
    """The fit of every job ad that is not closed or a draft; None when there is no member store."""
    from careers.job_fields import skills
    from careers.job_signoff import read_header

    if not config.store_exists(settings):
        return None
    index = pool_totals(settings, today, kind=staffing_settings.value(settings, "STAFFING_FIT_KIND"))  # streamed
    fits = []
    for path in job_files(settings):
        header = read_header(path)
        status = header.get("status", ("open", 0))[0].strip().casefold()
        must = skills(header["must_have"][0]) if header.get("must_have") else []
        if status not in ("open", "ouverte", "ouvert") or not must:
            continue
        fits.append(JobFit(str(path.relative_to(settings["PATH"])), header.get("reference", ("", 0))[0], index.fit_total(must)))
    return fits
