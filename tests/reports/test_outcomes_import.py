"""Stage history at import: the mapping's optional campaign column, the row's source, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from mailing.reports import queries
from talentpool.importers import ImportFailed, import_file
from talentpool.mappings import MappingError, parse_mapping
from talentpool.store import Store

TODAY = dt.date(2026, 12, 10)
MAPPING = {"name": "ats", "date_formats": ["%Y-%m-%d"],
           "columns": {"email": "Email", "stage": "Stage", "source": "Source", "stage_changed": "Since", "campaign": "Campaign",
                       "last_contact": "Since"}}  # imports never invent a date (docs/talent-pool.md)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "pool.sqlite3") as opened:
        yield opened


def write(tmp_path, rows):
    path = tmp_path / "export.csv"
    path.write_text("Email,Stage,Source,Since,Campaign\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_new_members_and_stage_changes_are_recorded_with_source_and_campaign(store, tmp_path):
    mapping = parse_mapping(MAPPING, tmp_path / "ats.yml", "ats")
    import_file(store, write(tmp_path, [("a@x.example", "sourced", "linkedin", "2026-10-01", ""),
                                        ("b@x.example", "contacted", "event", "2026-10-02", "")]), mapping, TODAY)
    import_file(store, write(tmp_path, [("a@x.example", "applied", "career_site", "2026-12-01", "2026-12-data-cloud"),
                                        ("b@x.example", "contacted", "event", "2026-10-02", "")]), mapping, TODAY)
    a, b = store.find_by_email("a@x.example").id, store.find_by_email("b@x.example").id
    assert queries.stage_events(store) == [
        (a, "sourced", "2026-10-01", "linkedin", ""), (b, "contacted", "2026-10-02", "event", ""),
        (a, "applied", "2026-12-01", "career_site", "2026-12-data-cloud"),
    ]  # b's unchanged stage is not recorded twice; a keeps linkedin as the channel it came from
    assert store.get(a).source == "linkedin"


def test_a_failed_import_records_no_stage(store, tmp_path):
    mapping = parse_mapping(MAPPING, tmp_path / "ats.yml", "ats")
    with pytest.raises(ImportFailed):
        import_file(store, write(tmp_path, [("a@x.example", "applied", "linkedin", "2026-12-01", "c"),
                                            ("not-an-address", "applied", "linkedin", "2026-12-01", "c")]), mapping, TODAY)
    assert queries.stage_events(store) == [] and store.count() == 0


def test_an_unknown_column_key_suggests_campaign(tmp_path):
    with pytest.raises(MappingError, match="did you mean 'campaign'"):
        parse_mapping({"columns": {"email": "Email", "campain": "Campaign"}}, tmp_path / "m.yml", "m")
