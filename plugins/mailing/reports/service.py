"""Make a report: read the settings, the plan or the store, write the private HTML, return the data."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from careers.dates import now, today as build_today
from talentpool import config as pool_config

from ..plan import format as plan_format
from .campaign import campaign_report
from .kpis import kpis
from .render import render, write_private
from .settings import report_settings

log = logging.getLogger(__name__)
QUARTER_DAYS = 91


class ReportError(ValueError):
    """A report that cannot be made; the message says why and what to do."""


@dataclass
class Report:
    what: str  # "campaign" or "kpis"
    data: dict
    path: Path


def plan_folder(settings, plan_id: str) -> tuple[Path, dict]:
    """The outbox folder of a plan and its plan.json, or ReportError naming the plans there are."""
    outbox = plan_format.outbox_root(settings)
    folder = outbox / plan_id
    meta = plan_format.read_meta(folder)
    if meta is None or not (folder / plan_format.MANIFEST).is_file():
        known = sorted(path.name for path, _meta in plan_format.existing(outbox))
        raise ReportError(f"{folder}: no plan named {plan_id!r} in the outbox; plans: {', '.join(known) or 'none'} "
                          "(or `kpis` for the recruiting KPIs)")
    if meta.get("format") != plan_format.FORMAT:
        raise ReportError(f"{folder / plan_format.META}: plan format {meta.get('format')!r}, expected {plan_format.FORMAT}; rebuild with `make site`")
    return folder, meta


def make_report(settings, target: str, *, since: dt.date | None = None) -> Report:
    """The report of a plan (`target` = its id) or of the KPIs (`target` = "kpis"), written privately."""
    options = report_settings(settings)
    today = build_today(settings)
    with pool_config.open_store(settings) as store:
        if target == "kpis":
            start = since or today - dt.timedelta(days=QUARTER_DAYS)
            if start > today:
                raise ReportError(f"--since {start.isoformat()} is after today ({today.isoformat()})")
            data, what, name = kpis(store, pool_config.load_policy(settings), options, today, start), "kpis", f"kpis-{today.isoformat()}.html"
        else:
            folder, meta = plan_folder(settings, target)
            data, what, name = campaign_report(store, folder, meta, options, today), "campaign", f"{target}.html"
    path = write_private(options["MAILING_REPORTS_PATH"], name, render(data, what, now(settings)))
    log.info("report written to %s", path)
    return Report(what, data, path)
