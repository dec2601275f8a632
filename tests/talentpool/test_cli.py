"""`vivier pool …` and `vivier audience …` through click, on a private store."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from talentpool.store import Store
from tests.conftest import ROOT, TODAY
from tests.talentpool.conftest import DATA

CONF = str(ROOT / "pelicanconf.py")


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Invoke `vivier` with a private store; returns the click Result."""
    from vivier.cli import cli

    pool = tmp_path / "pool.sqlite3"
    monkeypatch.setenv("VIVIER_POOL", str(pool))
    monkeypatch.setenv("VIVIER_TODAY", TODAY)

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, ["-s", CONF, *args], input=input, catch_exceptions=False)
    invoke.pool = pool
    return invoke


def test_load_sample_is_idempotent(run):
    first = run("pool", "load-sample")
    assert first.exit_code == 0, first.output
    assert "320 rows: 320 added, 0 updated, 0 unchanged" in first.output and str(run.pool) in first.output
    second = run("pool", "load-sample")
    assert second.exit_code == 0 and "already loaded, nothing changed" in second.output
    assert len(second.output.strip().splitlines()) == 1


def test_import_reports_file_line_and_reason_and_exits_non_zero(run, tmp_path):
    bad = tmp_path / "export.csv"
    bad.write_text("Email;First name\nnot-an-address;Zoé\n", encoding="utf-8")
    result = run("pool", "import", str(bad), "--mapping", "teamtailor")
    assert result.exit_code == 1
    assert f"{bad}: nothing imported" in result.output and "column 'First name'" not in result.output
    assert "line 1: column 'Last name' (for last_name) not in the header" in result.output
    good = run("pool", "import", str(DATA / "teamtailor.csv"), "--mapping", "teamtailor")
    assert good.exit_code == 0 and "3 rows: 3 added" in good.output
    missing = run("pool", "import", str(DATA / "teamtailor.csv"), "--mapping", "teamtaylor")
    assert missing.exit_code == 1 and "did you mean 'teamtailor'" in missing.output
    usage = run("pool", "import", str(DATA / "teamtailor.csv"), "--mapping", "teamtailor", "--keep-valid")
    assert usage.exit_code == 2 and "--keep-valid needs --rejects" in usage.output


def test_audience_commands(run):
    run("pool", "load-sample")
    listing = run("audience", "list", "--kind", "invitation")
    assert listing.exit_code == 0
    for name in ("data-lyon", "cloud-devops", "juniors", "silver-medalists", "english-speakers", "nantes", "all-newsletter"):
        assert name in listing.output
    show = run("audience", "show", "all-newsletter", "--limit", "1")
    assert show.exit_code == 0
    for label in ("eligible", "excluded: unsubscribed", "excluded: retention expired", "excluded: no consent for this kind of message",
                  "excluded: in an active recruitment process", "excluded: over the frequency budget", "Excluded — unsubscribed"):
        assert label in show.output
    unknown = run("audience", "show", "data_lyon")
    assert unknown.exit_code == 1 and "did you mean 'data-lyon'" in unknown.output
    explain = run("audience", "explain", "oceane.maillard@example.org")
    assert explain.exit_code == 0 and "Océane Maillard" in explain.output and "over the frequency budget" in explain.output
    assert run("audience", "check").exit_code == 0


def test_explain_shows_a_name_with_a_line_break_or_brackets_on_one_line_as_written(run):
    from talentpool.models import Member

    with Store(run.pool) as store:
        store.add(Member(id="", email="bob.qa@example.org", first_name="Bob\nEvil", last_name="[red]Dupont; Jr",
                         city="Lyon", country="FR", created=dt.date(2026, 5, 2)))
    explained = run("audience", "explain", "bob.qa@example.org")
    assert explained.exit_code == 0, explained.output
    assert explained.output.splitlines()[0].startswith("Bob Evil [red]Dupont; Jr <bob.qa@example.org>")


def test_privacy_commands(run, tmp_path):
    run("pool", "load-sample")
    exported = run("pool", "export", "oceane.maillard@example.org")
    data = json.loads(exported.output)
    assert data["member"]["first_name"] == "Océane" and len(data["messages"]) == 2
    refused = run("pool", "erase", "oceane.maillard@example.org", input="n\n")
    assert refused.exit_code == 1 and Store(run.pool).find_by_email("oceane.maillard@example.org")
    erased = run("pool", "erase", "oceane.maillard@example.org", "--yes")
    assert erased.exit_code == 0 and "suppression list" in erased.output
    assert run("pool", "export", "oceane.maillard@example.org").exit_code == 1
    assert "already loaded, nothing changed" in run("pool", "load-sample").output
    dry = run("pool", "purge", "--dry-run")
    assert dry.exit_code == 0 and "would delete" in dry.output
    count = int(dry.output.strip().splitlines()[-1].split()[2])
    assert count > 0 and Store(run.pool).count() == 319
    done = run("pool", "purge")
    assert f"deleted {count} member(s)" in done.output and Store(run.pool).count() == 319 - count
    # A rebuild's load-sample never undoes the purge or the erasure.
    assert "already loaded" in run("pool", "load-sample").output and Store(run.pool).count() == 319 - count
    renew = run("pool", "renewals", "--days", "90")
    assert renew.exit_code == 0 and "to ask for renewal" in renew.output
