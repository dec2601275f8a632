"""The fictional sample pool: deterministic, fictional-only, and covering every case."""

from __future__ import annotations

import csv

from talentpool.importers import read_rows, validate
from talentpool.mappings import load_mapping
from talentpool.models import SOURCES, STAGES, normalise_email
from talentpool.sample import write
from tests.conftest import ROOT
from tests.talentpool.conftest import AUDIENCES, DAY

SAMPLE = AUDIENCES / "sample"


def test_generator_is_deterministic_and_the_committed_files_are_its_output(tmp_path):
    members, messages = write(tmp_path)
    assert members.read_bytes() == (SAMPLE / "members.csv").read_bytes()
    assert messages.read_bytes() == (SAMPLE / "messages.csv").read_bytes()


def test_sample_is_valid_and_covers_every_case(policy, mappings_dir):
    rows, _ = read_rows(SAMPLE / "members.csv", load_mapping("sample", mappings_dir))
    valid, errors = validate(rows, load_mapping("sample", mappings_dir), DAY)
    assert errors == [] and 250 <= len(valid) <= 500
    members = [member for _row, member, _present in valid]
    assert {m.stage for m in members} == set(STAGES)
    assert {m.source for m in members} == set(SOURCES)
    assert {m.language for m in members} == {"fr", "en"}
    assert {frozenset(m.consents) for m in members} >= {frozenset(), frozenset({"newsletter", "events", "job_alerts"}),
                                                         frozenset({"newsletter"}), frozenset({"events"}), frozenset({"job_alerts"})}
    assert len({frozenset(m.consents) for m in members}) == 8
    assert sum(1 for m in members if policy.retention_expired(m, DAY)) >= 20
    assert sum(1 for m in members if m.unsubscribed) >= 10
    assert any("+" in m.email for m in members) and any(m.email != m.email.lower() for m in members)
    assert len({normalise_email(m.email) for m in members}) == len(members)


def test_only_reserved_example_domains_and_names_absent_from_the_content():
    rows = list(csv.DictReader((SAMPLE / "members.csv").open(encoding="utf-8")))
    domains = {row["email"].rsplit("@", 1)[1].lower() for row in rows}
    assert all(d in ("example.com", "example.org") or d.endswith(".example") for d in domains), domains
    # A pool name that is also an employee's in the content would make the output privacy check ambiguous.
    content = " ".join("\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "content").rglob("*.md")).split()).casefold()
    clashes = [f"{r['first_name']} {r['last_name']}" for r in rows if f"{r['first_name']} {r['last_name']}".casefold() in content]
    assert clashes == []
