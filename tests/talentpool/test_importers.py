"""Imports: ATS exports (BOM, semicolons, Latin-1, JSON), exact reports of bad rows, merge rules, erasure."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from talentpool.importers import ImportFailed, import_file
from talentpool.mappings import MappingError, load_mapping, parse_mapping
from talentpool.privacy import erase
from tests.talentpool.conftest import DATA, DAY

FR_HEADER = "Prénom;Nom;Courriel;Ville;Compétences;Étape;Origine;Créé le;Consentement lettre;Dernier échange"
FR_MAPPING = {
    "format": "csv", "delimiter": "auto", "date_formats": ["%d/%m/%Y"], "list_separator": ",",
    "columns": {"first_name": "Prénom", "last_name": "Nom", "email": "Courriel", "city": "Ville", "skills": "Compétences",
                "stage": "Étape", "source": "Origine", "created": "Créé le", "consents.newsletter": "Consentement lettre",
                "last_contact": "Dernier échange"},
    "values": {"stage": {"Présélectionné": "shortlisted", "Entretien": "interviewing", "Vivier": "sourced"},
               "source": {"Site carrière": "career_site", "Cooptation": "referral", "Salon": "event"}},
    "defaults": {"country": "FR", "language": "fr"},
}


def write(path, lines, encoding="utf-8-sig"):
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


@pytest.fixture
def fr_mapping(tmp_path):
    return parse_mapping(FR_MAPPING, tmp_path / "fr.yml", "fr")


def test_bom_semicolons_and_accents(store, tmp_path, fr_mapping):
    path = write(tmp_path / "export.csv", [
        FR_HEADER,
        "Anaïs;Bérenger-Lœuvre;anais.berenger@example.com;Saint-Étienne;\"Python, SQL\";Présélectionné;Cooptation;03/02/2026;03/02/2026;15/10/2026",
        "François;Dœuf;francois.doeuf@example.org;Nantes;Java;Vivier;Salon;01/09/2025;;",
    ])
    result = import_file(store, path, fr_mapping, DAY)
    assert (result.rows, result.added, result.updated) == (2, 2, 0)
    anais = store.find_by_email("anais.berenger@example.com")
    assert (anais.first_name, anais.last_name, anais.city) == ("Anaïs", "Bérenger-Lœuvre", "Saint-Étienne")
    assert anais.skills == ["Python", "SQL"] and anais.stage == "shortlisted" and anais.source == "referral"
    assert anais.consents == {"newsletter": dt.date(2026, 2, 3)} and anais.last_contact == dt.date(2026, 10, 15)
    assert anais.country == "FR" and anais.language == "fr"
    assert store.find_by_email("francois.doeuf@example.org").consents == {}


def test_a_broken_row_imports_nothing_and_every_problem_is_reported(store, tmp_path, fr_mapping):
    path = write(tmp_path / "export.csv", [
        FR_HEADER,
        "Anaïs;Bérenger;anais.berenger@example.com;Lyon;Python;Vivier;Site carrière;03/02/2026;;",
        "Bruno;Sans-Arobase;bruno.example.com;Lyon;;Vivier;Site carrière;31/02/2026;;",
        "Chloé;Futur;chloe.futur@example.com;Lyon;;Embauchée;Bouche-à-oreille;01/01/2027;;",
        "Anaïs;Doublon;ANAIS.BERENGER@example.com ;Lyon;;Vivier;Salon;03/02/2026;;",
        "Denis;Court;denis@example.com;Lyon",
    ])
    with pytest.raises(ImportFailed) as caught:
        import_file(store, path, fr_mapping, DAY)
    assert [str(e) for e in caught.value.errors] == [
        "line 3: Courriel: 'bruno.example.com' is not a valid email address",
        "line 3: Créé le: '31/02/2026' is not a date in the format %d/%m/%Y",
        "line 4: Étape: 'Embauchée' is not a known stage; use one of sourced, contacted, applied, interviewing, shortlisted, "
        "offer, hired, hired_elsewhere, rejected, silver_medalist or translate it under values.stage in the mapping",
        "line 4: Origine: 'Bouche-à-oreille' is not a known source; use one of career_site, referral, event, job_board, "
        "linkedin, school, email, other or translate it under values.source in the mapping",
        "line 4: Créé le: 2027-01-01 is in the future (today is 2026-11-22)",
        "line 5: Courriel: 'ANAIS.BERENGER@example.com' already appears on line 2; keep one row per person",
        "line 6: 4 values for 10 columns (a delimiter or quote is off)",
    ]
    assert str(caught.value).startswith(f"{path}: nothing imported, 4 row(s) with problems:")
    assert store.count() == 0


def test_keep_valid_imports_good_rows_and_writes_the_rejects(store, tmp_path, fr_mapping):
    path = write(tmp_path / "export.csv", [
        FR_HEADER,
        "Anaïs;Bérenger;anais.berenger@example.com;Lyon;Python;Vivier;Site carrière;03/02/2026;;",
        "Bruno;Sans-Arobase;bruno.example.com;Lyon;;Vivier;Site carrière;03/02/2026;;",
    ])
    rejects = tmp_path / "private" / "rejects.csv"
    result = import_file(store, path, fr_mapping, DAY, keep_valid=True, rejects=rejects)
    assert (result.added, len(result.rejected)) == (1, 1) and store.count() == 1
    rows = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert [(r["where"], r["reason"], r["Courriel"]) for r in rows] == [
        ("line 3", "Courriel: 'bruno.example.com' is not a valid email address", "bruno.example.com")]


def test_missing_column_and_unreadable_encoding_are_file_level_errors(store, tmp_path, fr_mapping):
    path = write(tmp_path / "export.csv", ["Prénom;Nom;Email", "Anaïs;Bérenger;anais@example.com"])
    with pytest.raises(ImportFailed) as caught:
        import_file(store, path, fr_mapping, DAY)
    assert str(caught.value.errors[0]).startswith("line 1: column 'Courriel' (for email) not in the header; the header has: Prénom, Nom, Email.")
    latin = write(tmp_path / "latin.csv", [FR_HEADER, "Anaïs;Bérenger;a@example.com;Lyon;;Vivier;Salon;03/02/2026;;"], encoding="latin-1")
    with pytest.raises(ImportFailed, match="line 1: not valid utf-8 text; if the export is Latin-1, add `fallback_encoding: latin-1`"):
        import_file(store, latin, fr_mapping, DAY)


def test_teamtailor_like_export(store, mappings_dir):
    result = import_file(store, DATA / "teamtailor.csv", load_mapping("teamtailor", mappings_dir), DAY)
    assert (result.added, result.rows) == (3, 3)
    helene = store.find_by_email("helene.quere@example.com")
    assert helene.email == "Helene.Quere@Example.com" and helene.name == "Hélène Quéré"
    assert (helene.language, helene.country, helene.departments, helene.stage, helene.source) == ("fr", "FR", ["data"], "interviewing", "career_site")
    assert helene.skills == ["Python", "SQL", "dbt"] and helene.created == dt.date(2026, 3, 14)
    assert (helene.last_contact, helene.stage_changed, helene.consents) == (dt.date(2026, 10, 2), dt.date(2026, 10, 1), {"newsletter": dt.date(2026, 3, 14)})
    jerome = store.find_by_email("jerome.lecuyer@example.org")
    assert jerome.source == "referral" and jerome.created == dt.date(2025, 12, 1) and set(jerome.consents) == {"newsletter", "job_alerts"}
    siobhan = store.find_by_email("siobhan.obriain@example.com")
    assert (siobhan.name, siobhan.language, siobhan.country, siobhan.stage) == ("Siobhán Ó Briain", "en", "IE", "rejected")


def test_greenhouse_like_export_in_windows_1252(store, mappings_dir):
    result = import_file(store, DATA / "greenhouse.csv", load_mapping("greenhouse", mappings_dir), DAY)
    assert result.added == 3 and result.encoding == "cp1252"
    aurelien = store.find_by_email("aurelien.marche@example.com")
    assert aurelien.name == "Aurélien Marché" and aurelien.roles == ["Développeur back-end"]
    assert aurelien.skills == ["Java", "Spring", "PostgreSQL"] and aurelien.stage == "interviewing"
    assert aurelien.consents == {"newsletter": dt.date(2026, 9, 15)}  # "Yes" = given when they entered the pool
    chloe = store.find_by_email("chloe.darrieux@example.org")
    assert chloe.source == "school" and chloe.consents == {"events": dt.date(2026, 5, 20)} and chloe.city == "Rezé"
    assert store.find_by_email("wiremu.tane@example.com").created == dt.date(2025, 1, 5)


def test_crm_json_export(store, mappings_dir):
    result = import_file(store, DATA / "crm.json", load_mapping("crm-json", mappings_dir), DAY)
    assert result.added == 2
    ines = store.find_by_email("ines.bellanger@example.com")
    assert (ines.seniority, ines.stage, ines.stage_changed, ines.tags) == ("confirmed", "silver_medalist", dt.date(2026, 9, 30), ["meetup-data-lyon"])
    assert ines.consents == {"newsletter": dt.date(2026, 2, 11), "events": dt.date(2026, 2, 11)}
    paul = store.find_by_email("paul.ravenne@example.org")
    assert (paul.seniority, paul.language, paul.consents) == ("student", "en", {"newsletter": dt.date(2026, 11, 2)})


def test_reimport_merges_without_losing_newer_facts(store, tmp_path, fr_mapping):
    first = write(tmp_path / "v1.csv", [
        FR_HEADER,
        "Anaïs;Bérenger;anais.berenger@example.com;Lyon;Python;Entretien;Cooptation;03/02/2026;03/02/2026;01/10/2026",
        "Bruno;Marin;bruno.marin@example.com;Lyon;Java;Vivier;Salon;03/02/2026;03/02/2026;",
        "Chloé;Vidal;chloe.vidal@example.com;Nantes;SQL;Vivier;Salon;03/02/2026;03/02/2026;",
    ])
    import_file(store, first, fr_mapping, DAY)
    anais = store.find_by_email("anais.berenger@example.com")
    anais.tags = ["meetup-data-lyon"]
    anais.consents["events"] = dt.date(2026, 11, 1)  # given on the site after the export
    store.update(anais)
    store.record_contact(anais.id, dt.date(2026, 11, 20))
    store.unsubscribe(store.find_by_email("bruno.marin@example.com").id, dt.date(2026, 11, 5))
    store.unsubscribe(store.find_by_email("chloe.vidal@example.com").id, dt.date(2026, 11, 5), scope="newsletter")
    older = write(tmp_path / "v2.csv", [
        FR_HEADER,
        "Anaïs;Bérenger;ANAIS.BERENGER@example.com;Villeurbanne;Python, dbt;Vivier;Site carrière;03/02/2026;;01/10/2026",
        "Bruno;Marin;bruno.marin@example.com;Lyon;Java;Vivier;Salon;03/02/2026;10/11/2026;",
        "Chloé;Vidal;chloe.vidal@example.com;Nantes;SQL;Vivier;Salon;03/02/2026;10/11/2026;",
    ])
    result = import_file(store, older, fr_mapping, DAY)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 2)
    anais = store.find_by_email("anais.berenger@example.com")
    assert anais.city == "Villeurbanne" and anais.skills == ["Python", "dbt"]          # profile follows the export
    assert anais.stage == "sourced" and anais.stage_changed == DAY                     # stage follows, dated today
    assert anais.source == "referral" and anais.tags == ["meetup-data-lyon"]            # first channel, local tags kept
    assert anais.consents == {"newsletter": dt.date(2026, 2, 3), "events": dt.date(2026, 11, 1)}
    assert anais.last_contact == dt.date(2026, 11, 20)                                  # newer contact kept
    bruno = store.find_by_email("bruno.marin@example.com")
    assert bruno.unsubscribed == dt.date(2026, 11, 5) and not bruno.has_consent("newsletter")
    chloe = store.find_by_email("chloe.vidal@example.com")
    assert chloe.consents["newsletter"] == dt.date(2026, 2, 3) and not chloe.has_consent("newsletter")
    assert import_file(store, older, fr_mapping, DAY).unchanged == 3                    # idempotent


def test_an_older_export_does_not_roll_a_stage_back(store, tmp_path):
    mapping = parse_mapping({**FR_MAPPING, "columns": {**FR_MAPPING["columns"], "stage_changed": "Depuis"}}, tmp_path / "m.yml", "m")
    header = FR_HEADER + ";Depuis"
    write(tmp_path / "new.csv", [header, "Anaïs;B;a@example.com;Lyon;;Entretien;Salon;03/02/2026;;;10/11/2026"])
    write(tmp_path / "old.csv", [header, "Anaïs;B;a@example.com;Lyon;;Présélectionné;Salon;03/02/2026;;;01/10/2026"])
    import_file(store, tmp_path / "new.csv", mapping, DAY)
    import_file(store, tmp_path / "old.csv", mapping, DAY)
    member = store.find_by_email("a@example.com")
    assert (member.stage, member.stage_changed) == ("interviewing", dt.date(2026, 11, 10))


def test_erased_people_are_never_re_added(store, tmp_path, fr_mapping):
    path = write(tmp_path / "export.csv", [
        FR_HEADER,
        "Anaïs;Bérenger;anais.berenger@example.com;Lyon;Python;Vivier;Salon;03/02/2026;03/02/2026;",
        "Bruno;Marin;bruno.marin@example.com;Lyon;Java;Vivier;Salon;03/02/2026;03/02/2026;",
    ])
    import_file(store, path, fr_mapping, DAY)
    erase(store, " Anais.Berenger@Example.com", DAY)
    result = import_file(store, path, fr_mapping, DAY)
    assert (result.added, result.suppressed, result.unchanged) == (0, 1, 1)
    assert store.find_by_email("anais.berenger@example.com") is None and store.count() == 1
    assert "1 not re-added (erased or opted out)" in result.summary()


def test_mapping_validation_names_every_problem(tmp_path, mappings_dir):
    with pytest.raises(MappingError) as caught:
        parse_mapping({"format": "xlsx", "delimiter": ";;", "encoding": "utf-9", "columns": {"emial": "Email", "stage": "Étape"},
                       "date_formats": "dd/mm/yyyy", "defaults": {"email": "x@example.com"}}, tmp_path / "bad.yml", "bad")
    assert caught.value.problems == [
        "columns: required, and must map at least `email` to the export's column, e.g. columns: {email: Email}",
        "columns.emial: unknown member field (did you mean 'email'?); fields: " + caught.value.problems[1].split("fields: ")[1],
        "format: expected csv or json, not 'xlsx'",
        "delimiter: expected one character (',' ';' '\\t' '|') or auto, not ';;'",
        "encoding: unknown encoding 'utf-9'; use utf-8, latin-1, cp1252…",
        "date_formats: expected a list of strftime formats, like ['%d/%m/%Y', '%Y-%m-%d']",
        "defaults.email: not a field that can have a default",
    ]
    with pytest.raises(MappingError, match=r"no mapping named 'teamtaylor' \(did you mean 'teamtailor'\?\)"):
        load_mapping("teamtaylor", mappings_dir)


def test_merge_returns_a_copy_and_leaves_the_stored_member_untouched():
    import copy

    from talentpool.merge import merge
    from tests.talentpool.conftest import make_member

    existing = make_member(email="a@example.com", skills=["java"], tags=["alumni"], consents={"newsletter": DAY},
                           withdrawn={"events": DAY})
    before = copy.deepcopy(existing)
    incoming = make_member(email="a@example.com", skills=["python"], tags=["forum"],
                           consents={"newsletter": DAY + dt.timedelta(days=1), "job_alerts": DAY})
    merged = merge(existing, incoming, {"skills", "tags", "consents"}, DAY)
    assert existing == before  # nothing of the stored member changed through the copy
    assert merged.skills == ["python"] and merged.tags == ["alumni", "forum"]
    assert merged.consents == {"newsletter": DAY + dt.timedelta(days=1), "job_alerts": DAY}
    merged.withdrawn["newsletter"] = DAY
    assert existing.withdrawn == {"events": DAY}


def test_vivier_words_match_whatever_their_case(store, tmp_path, fr_mapping):
    path = write(tmp_path / "case.csv", [
        FR_HEADER,
        "Inès;Morel;ines.morel@example.com;Lyon;Python;Vivier;LinkedIn;03/02/2026;03/02/2026;",
        "Jules;Perrin;jules.perrin@example.com;Lyon;Java;SILVER_MEDALIST;Salon;03/02/2026;03/02/2026;",
    ])
    result = import_file(store, path, fr_mapping, DAY)
    assert result.added == 2
    assert store.find_by_email("ines.morel@example.com").source == "linkedin"
    assert store.find_by_email("jules.perrin@example.com").stage == "silver_medalist"
