"""The private HTML report (one self-contained file: inline CSS and SVG, no script, no external
resource) and where it is written: MAILING_REPORTS_PATH, folder 0700, file 0600."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path

import jinja2

from . import svg
from .campaign import OUTCOME_LABELS, STATUS_LABELS
from .stats import Masked

TEMPLATES = Path(__file__).with_name("templates")


def number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, Masked):
        return str(value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def percent(value) -> str:
    if isinstance(value, Masked) or value is None:
        return number(value)
    return f"{value:.1%}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=number, percent=percent)
    env.tests["masked"] = lambda value: isinstance(value, Masked)
    env.globals.update(status_label=lambda s: STATUS_LABELS.get(s, s), outcome_label=lambda o: OUTCOME_LABELS.get(o, o))
    return env


def _campaign_charts(report: dict, ident) -> dict:
    total = report["total"]
    charts = {"statuses": svg.bars(next(ident), "Deliveries by state", [(STATUS_LABELS.get(s, s), n) for s, n in total["statuses"].items()])}
    charts["ab"] = [svg.intervals(next(ident), f"Rate of {OUTCOME_LABELS.get(test['outcome'], test['outcome'])} by variant, with 95 % interval",
                                  [(v["variant"], v["rate"], v["low"], v["high"]) for v in test["variants"]])
                    for test in report["ab"]]
    return charts


def _kpi_charts(report: dict, ident) -> dict:
    return {
        "sources": svg.bars(next(ident), "Pool members by source", list(report["pool"]["by_source"].items())),
        "conversion": svg.intervals(next(ident), "Share who applied, by sourcing channel, with 95 % interval",
                                    [(r["group"], r["rate"], r["low"], r["high"]) for r in report["conversion_by_source"]]),
        "unsubscribes": svg.intervals(next(ident), "Unsubscribe rate by kind of message, with 95 % interval",
                                      [(r["group"], r["rate"], r["low"], r["high"]) for r in report["unsubscribe_by_kind"]]),
    }


def render(report: dict, what: str, generated: dt.datetime) -> str:
    """The report's HTML; `what` is "campaign" or "kpis"."""
    ident = (f"chart-{n}" for n in itertools.count(1))
    charts = _campaign_charts(report, ident) if what == "campaign" else _kpi_charts(report, ident)
    template = _environment().get_template(f"{what}.html")
    return template.render(report=report, charts=charts, generated=generated.isoformat(timespec="minutes"))


def write_private(folder: Path, name: str, html: str) -> Path:
    """Write the report as a 0600 file in a 0700 folder (created if needed); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / name
    descriptor = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(html)
    os.chmod(path.with_suffix(".tmp"), 0o600)
    os.replace(path.with_suffix(".tmp"), path)
    return path
