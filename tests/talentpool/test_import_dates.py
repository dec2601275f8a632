"""Imports never invent dates: retention counts from the export's real dates, through the real CLI and policy."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from click.testing import CliRunner

from talentpool.importers import ImportFailed, import_file
from talentpool.mappings import load_mapping
from talentpool.models import UNDATED
from talentpool.policy import add_months
from talentpool.store import Store
from tests.conftest import ROOT, TODAY
from tests.talentpool.conftest import DAY

CONF = str(ROOT / "pelicanconf.py")
THIRTY_MONTHS_AGO = add_months(DAY, -30)
MAPPING = {
    "name": "ats-fr", "format": "csv", "delimiter": ";", "date_formats": ["%d/%m/%Y"],
    "columns": {"email": "Courriel", "first_name": "Prénom", "created": "Créé le", "last_contact": "Dernier contact",
                "consents.newsletter": "Lettre", "consents.events": "Événements"},
    "defaults": {"language": "fr", "country": "FR"},
}


@pytest.fixture
def export(tmp_path):
    """A French ATS export (dd/mm/yyyy): one member last contacted 30 months ago whose consents carry no date."""
    mapping = tmp_path / "ats-fr.yml"
    mapping.write_text(yaml.safe_dump(MAPPING, allow_unicode=True), encoding="utf-8")
    path = tmp_path / "export.csv"
    path.write_text(
        "Courriel;Prénom;Créé le;Dernier contact;Lettre;Événements\n"
        f"odile.vasseur@example.org;Odile;;{THIRTY_MONTHS_AGO:%d/%m/%Y};oui;oui\n"
        "marius.fabre@example.com;Marius;02/09/2026;15/10/2026;oui;02/09/2026\n",
        encoding="utf-8")
    return path, mapping


def cli(tmp_path, *args):
    from vivier.cli import cli as vivier

    env = {"VIVIER_POOL": str(tmp_path / "real.sqlite3"), "VIVIER_TODAY": TODAY}
    return CliRunner(env=env).invoke(vivier, ["-s", CONF, *args], catch_exceptions=False)


def test_a_consent_without_its_date_refuses_the_import_and_explains_the_rule(tmp_path, export):
    path, mapping = export
    result = cli(tmp_path, "pool", "import", str(path), "--mapping", str(mapping))
    assert result.exit_code == 1
    assert "nothing imported" in result.output and "line 2: Lettre: 'oui' says consent was given but not when" in result.output
    assert "consent_dated_by" in result.output and "--undated not-eligible" in result.output
    with Store(tmp_path / "real.sqlite3") as store:
        assert store.count() == 0


def test_thirty_months_without_contact_and_no_consent_date_is_never_eligible(tmp_path, export):
    path, mapping = export
    result = cli(tmp_path, "pool", "import", str(path), "--mapping", str(mapping), "--undated", "not-eligible")
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 added" in result.output
    from talentpool.policy import load_policy

    policy = load_policy(ROOT / "audiences" / "policy.yml")
    with Store(tmp_path / "real.sqlite3") as store:
        odile = store.find_by_email("odile.vasseur@example.org")
        marius = store.find_by_email("marius.fabre@example.com")
    # Dated by what the export says, never by the import day.
    assert odile.created == odile.last_contact == THIRTY_MONTHS_AGO and odile.consents == {}
    assert marius.consents == {"events": dt.date(2026, 9, 2)}  # the dated consent only
    for day in (DAY, DAY + dt.timedelta(days=365), DAY + dt.timedelta(days=3650)):
        for kind in ("newsletter", "invitation", "follow_up"):
            decision = policy.decide(odile, kind, day)
            assert not decision and "retention_expired" in decision.reasons, (day, kind, decision)
    assert policy.retention_end(odile)[0] == add_months(THIRTY_MONTHS_AGO, 24) < DAY
    assert policy.decide(marius, "invitation", DAY)  # the other member is unaffected
    explained = cli(tmp_path, "audience", "explain", "odile.vasseur@example.org")
    assert explained.exit_code == 0 and "retention expired" in explained.output


def test_a_row_without_any_date_is_refused_or_kept_out_until_dated(tmp_path, store):
    mapping_path = tmp_path / "m.yml"
    mapping_path.write_text(yaml.safe_dump(MAPPING, allow_unicode=True), encoding="utf-8")
    mapping = load_mapping(mapping_path)
    path = tmp_path / "undated.csv"
    path.write_text("Courriel;Prénom;Créé le;Dernier contact;Lettre;Événements\nnoe.garcin@example.org;Noé;;;;\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as refused:
        import_file(store, path, mapping, DAY)
    assert "line 2: created: no creation, last-contact or consent date in this row" in str(refused.value)
    assert store.count() == 0
    import_file(store, path, mapping, DAY, undated="not-eligible")
    noe = store.find_by_email("noe.garcin@example.org")
    assert noe.created == UNDATED and noe.last_contact is None
    dated = tmp_path / "dated.csv"
    dated.write_text("Courriel;Prénom;Créé le;Dernier contact;Lettre;Événements\n"
                     "noe.garcin@example.org;Noé;01/10/2026;;;01/10/2026\n", encoding="utf-8")
    import_file(store, dated, mapping, DAY)
    noe = store.find_by_email("noe.garcin@example.org")
    assert noe.created == dt.date(2026, 10, 1) and noe.consents == {"events": dt.date(2026, 10, 1)}


def test_a_mapping_without_a_clock_column_is_refused_before_reading_rows(tmp_path, store):
    data = dict(MAPPING, columns={"email": "Courriel", "consents.newsletter": "Lettre"})
    mapping_path = tmp_path / "m.yml"
    mapping_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    path = tmp_path / "e.csv"
    path.write_text("Courriel;Lettre\nzelie.morin@example.org;12/03/2026\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as refused:
        import_file(store, path, load_mapping(mapping_path), DAY)
    assert "no column for created or last_contact" in str(refused.value) and "never invents" in str(refused.value)
    assert store.count() == 0


def test_every_problem_of_a_row_is_listed_at_once(tmp_path, store):
    """A refused stage no longer hides the undated consent of the same row (two attempts to learn both);
    an unreadable date is not followed by a "no date" complaint that only repeats it."""
    mapping = tmp_path / "ats-fr.yml"
    mapping.write_text(yaml.safe_dump({**MAPPING, "columns": {**MAPPING["columns"], "stage": "Étape"}},
                                       allow_unicode=True), encoding="utf-8")
    path = tmp_path / "export.csv"
    path.write_text("Courriel;Prénom;Créé le;Dernier contact;Lettre;Événements;Étape\n"
                    "odile.vasseur@example.org;Odile;;;oui;;entretien-fictif\n"
                    "marius.fabre@example.com;Marius;31/02/2026;;;;sourced\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        import_file(store, path, load_mapping(str(mapping), tmp_path), DAY)
    problems = [str(e) for e in failed.value.errors]
    odile = [p for p in problems if p.startswith("line 2")]
    assert any("'entretien-fictif' is not a known stage" in p for p in odile)
    assert any("'oui' says consent was given but not when" in p for p in odile)
    assert any("no creation, last-contact or consent date" in p for p in odile)
    marius = [p for p in problems if p.startswith("line 3")]
    assert len(marius) == 1 and "Créé le" in marius[0]
    assert store.count() == 0
