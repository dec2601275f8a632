"""`vivier forecast …`: sales' staffing forecasts, validated, and how many members fit each likely need.

Nothing here prints a forecast's client: not in tables, not in errors.
"""

from __future__ import annotations

import click
from rich.table import Table

from ..console import fail, out
from .pool import settings_and_today, today_option


@click.group("forecast")
def forecast():
    """Staffing forecasts (private files): check them and count who fits."""


def _load(settings):
    """(folder, forecasts) of these settings; exits listing every problem of every file."""
    from careers import job_settings
    from staffing import settings as staffing_settings
    from staffing.forecasts import ForecastError, load_forecasts
    from talentpool import config
    from talentpool.skills import VocabularyError

    try:
        folder = staffing_settings.private_folder(settings, "STAFFING_FORECASTS_PATH")
        vocabulary = config.load_vocabulary(settings)
    except (staffing_settings.StaffingSettingsError, VocabularyError) as exc:
        fail(str(exc))
    most = settings.get("JOBS_MUST_HAVE_MAX") or job_settings.DEFAULTS["JOBS_MUST_HAVE_MAX"]
    try:
        return folder, load_forecasts(folder, vocabulary=vocabulary, max_must_have=most)
    except ForecastError as exc:
        fail(str(exc))


def _threshold(settings, given) -> int:
    from staffing import settings as staffing_settings

    value = given if given is not None else staffing_settings.value(settings, "STAFFING_FORECAST_THRESHOLD")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        fail(f"STAFFING_FORECAST_THRESHOLD must be a whole percentage from 0 to 100, not {value!r}")
    return value


@forecast.command("check")
@click.pass_context
def check_command(ctx):
    """Validate every forecast file; exit non-zero listing every problem (file, line, field)."""
    settings = settings_and_today(ctx, None)[0]
    folder, forecasts = _load(settings)
    out().print(f"✓ {len(forecasts)} forecast(s) in {folder} are valid")


@forecast.command("list")
@today_option
@click.pass_context
def list_command(ctx, today):
    """Every forecast: profile, must-haves, place, start, probability, status (never the client)."""
    settings, _day = settings_and_today(ctx, today)
    folder, forecasts = _load(settings)
    table = Table(title=f"Staffing forecasts in {folder}")
    for column in ("id", "profile", "must-haves", "place", "start", "probability", "status"):
        table.add_column(column, justify="right" if column == "probability" else "left")
    for item in forecasts:
        table.add_row(item.id, item.profile, ", ".join(item.must_have), item.place, item.start.isoformat(),
                      f"{item.probability} %", item.status)
    out().print(table)


@forecast.command("fit")
@click.option("--threshold", type=click.IntRange(0, 100), help="Probability (percent) from which a forecast counts "
              "(default: STAFFING_FORECAST_THRESHOLD).")
@today_option
@click.pass_context
def fit_command(ctx, threshold, today):
    """For each open forecast at or above the threshold: consenting members who fit its must-haves."""
    from staffing import settings as staffing_settings
    from staffing.fit import FitCounts, min_group, pool_index, shown

    settings, day = settings_and_today(ctx, today)
    threshold = _threshold(settings, threshold)
    _folder, forecasts = _load(settings)
    chosen = [f for f in forecasts if f.status == "open" and f.probability >= threshold]
    kind = staffing_settings.value(settings, "STAFFING_FORECAST_KIND")
    try:
        index = pool_index(settings, day, kind=kind)
    except ValueError as exc:  # an unknown kind, an invalid policy, segment or vocabulary file
        fail(str(exc))
    k = min_group(settings)
    table = Table(title=f"Forecasts at or above {threshold} % — members with the {kind} consent who fit, on {day}")
    for column, justify in (("id", "left"), ("profile", "left"), ("place", "left"), ("start", "left"),
                            ("probability", "right"), ("fit all: in place", "right"), ("fit all: anywhere", "right"),
                            ("all but one: anywhere", "right")):
        table.add_column(column, justify=justify)
    for item in chosen:
        anywhere = index.fit(item.must_have)
        here = anywhere.by_city_named(item.city) or FitCounts(item.must_have)
        in_place = shown(here, k)[1]  # fewer than k eligible members there, none included: "< k", as every report
        _, fit_all, all_but_one, _ = shown(anywhere.total, k)
        table.add_row(item.id, item.profile, item.place, item.start.isoformat(), f"{item.probability} %",
                      in_place, fit_all, all_but_one)
    out().print(table)
    skipped = len(forecasts) - len(chosen)
    if skipped:
        out().print(f"{skipped} forecast(s) below {threshold} % or no longer open were left out.")


commands = [forecast]
