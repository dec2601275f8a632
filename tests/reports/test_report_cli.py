"""`vivier report` errors a person can act on, and the report settings' validation."""

from __future__ import annotations

import pytest

from mailing.reports.settings import ReportSettingsError, report_settings
from tests.reports.quarter import LATER, NEWSLETTER, invoke


def test_an_unknown_plan_names_the_plans_there_are(quarter):
    result = invoke(quarter, "report", "2026-12-data-clod", today=LATER)
    assert result.exit_code == 1
    assert "no plan named '2026-12-data-clod'" in result.output and NEWSLETTER in result.output


def test_a_bad_since_date_says_how_to_write_it(quarter):
    result = invoke(quarter, "report", "kpis", "--since", "01/09/2026", today=LATER)
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_the_terminal_summary_has_the_key_figures(quarter):
    result = invoke(quarter, "report", "kpis", "--since", "2026-09-01", today=LATER)
    assert result.exit_code == 0, result.output
    for label in ("pool members", "share eligible", "median days from joining to application", "unsubscribe rate after newsletter"):
        assert label in result.output


@pytest.mark.parametrize("setting, value, message", [
    ("MAILING_REPORTS_MIN_GROUP", 0, "MAILING_REPORTS_MIN_GROUP must be a whole number ≥ 1"),
    ("MAILING_REPORTS_ALPHA", 0.7, "MAILING_REPORTS_ALPHA must be a number between 0 and 0.5"),
    ("MAILING_REPORTS_PATH", "output/reports", "must not be inside OUTPUT_PATH"),
])
def test_report_settings_are_validated_naming_the_setting(tmp_path, setting, value, message):
    settings = {"PROJECT_ROOT": str(tmp_path), "OUTPUT_PATH": str(tmp_path / "output"), setting: value}
    with pytest.raises(ReportSettingsError, match=message):
        report_settings(settings)


def test_report_settings_defaults(tmp_path, monkeypatch):
    monkeypatch.delenv("VIVIER_REPORTS", raising=False)
    options = report_settings({"PROJECT_ROOT": str(tmp_path), "OUTPUT_PATH": str(tmp_path / "output")})
    assert options["MAILING_REPORTS_MIN_GROUP"] == 10 and options["MAILING_REPORTS_WINDOW_DAYS"] == 30
    assert options["MAILING_REPORTS_PATH"].is_absolute()
