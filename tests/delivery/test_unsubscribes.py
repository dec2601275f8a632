"""Opt-outs outside the web application: `vivier pool unsubscribe --token` and provider CSV imports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from mailing.delivery.unsubscribes import UnsubscribeFileError, apply_unsubscribes, read_addresses
from mailing.tokens import Signer, secret_from_env
from talentpool.models import Member
from talentpool.store import Store
from vivier.cli import cli

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def pool(store_location):
    path = store_location
    with Store(path) as store:
        for n, (first, last, email) in enumerate([
            ("Élodie", "Marchand", "elodie.marchand@example.org"),
            ("Samuel", "Okafor", "samuel.okafor@example.com"),
            ("Inès", "Bouvier", "ines.bouvier@example.org"),
        ]):
            store.add(Member(id=f"m-{n}", email=email, first_name=first, last_name=last,
                             consents={"newsletter": dt.date(2026, 1, 5)}, created=dt.date(2026, 1, 5)))
    return path


def vivier(*args, pool_path):
    """The real command line, in process (settings read from pelicanconf.py as always)."""
    runner = CliRunner(env={"VIVIER_POOL": str(pool_path), "VIVIER_TODAY": TODAY.isoformat()})
    return runner.invoke(cli, ["-s", str(ROOT / "pelicanconf.py"), *args], catch_exceptions=False)


def test_mailchimp_like_export_with_bom_and_semicolons(tmp_path, pool):
    export = tmp_path / "unsubscribed.csv"
    export.write_bytes("\ufeffEmail Address;First Name;UNSUB_TIME\n"
                       "ELODIE.Marchand@example.org ;Élodie;2026-11-20 10:02:11\n"
                       "inconnu@example.net;X;2026-11-21 08:00:00\n"
                       "pas-une-adresse;Y;2026-11-21 08:00:00\n".encode("utf-8"))
    addresses, problems = read_addresses(export)
    assert [a for _, a in addresses] == ["ELODIE.Marchand@example.org", "inconnu@example.net"]
    assert problems == [(4, "'pas-une-adresse' is not an email address")]
    with Store(pool) as store:
        report = apply_unsubscribes(store, addresses, TODAY)
        assert (report.unsubscribed, report.already, report.suppressed) == (1, 0, 1)
        assert store.get("m-0").unsubscribed == TODAY
        assert store.get("m-1").unsubscribed is None
        assert store.suppression_reason("inconnu@example.net") == "unsubscribed"  # no import brings them in
        again = apply_unsubscribes(store, addresses, TODAY)
        assert (again.unsubscribed, again.already) == (0, 1)


def test_header_less_file_and_unknown_columns(tmp_path):
    bare = tmp_path / "bare.csv"
    bare.write_text("samuel.okafor@example.com\nines.bouvier@example.org\n", encoding="utf-8")
    assert [a for _, a in read_addresses(bare)[0]] == ["samuel.okafor@example.com", "ines.bouvier@example.org"]
    odd = tmp_path / "odd.csv"
    odd.write_text("contact,when\nx@example.org,2026-11-01\n", encoding="utf-8")
    with pytest.raises(UnsubscribeFileError, match="name it with --column"):
        read_addresses(odd)
    assert [a for _, a in read_addresses(odd, column="contact")[0]] == ["x@example.org"]


def test_cli_import_unsubscribes_reports_bad_lines_and_applies_the_rest(tmp_path, pool):
    export = tmp_path / "brevo.csv"
    export.write_text("EMAIL,UNSUBSCRIBED_AT\nsamuel.okafor@example.com,2026-11-19\n,2026-11-19\n", encoding="utf-8")
    result = vivier("pool", "import-unsubscribes", str(export), pool_path=pool)
    assert result.exit_code == 1
    assert "1 unsubscribed" in result.stdout
    assert "brevo.csv:3" in result.stderr and "no address in this row" in result.stderr
    with Store(pool) as store:
        assert store.get("m-1").unsubscribed == TODAY


def test_cli_unsubscribe_by_token_link_or_mailto_subject(pool):
    signer = Signer(secret_from_env())
    token = signer.make("unsubscribe", "m-2", "2026-12-data-cloud")
    result = vivier("pool", "unsubscribe", "--token", f"unsubscribe {token}", pool_path=pool)
    assert result.exit_code == 0, result.output
    assert "m-2 unsubscribed on 2026-11-22" in result.stdout
    link = f"https://carrieres.cardamome.example/desabonnement?t={token}"
    again = vivier("pool", "unsubscribe", "--token", link, pool_path=pool)
    assert again.exit_code == 0 and "already unsubscribed" in again.stdout
    forged = vivier("pool", "unsubscribe", "--token", token[:-2] + "xx", pool_path=pool)
    assert forged.exit_code == 1 and "nothing changed" in forged.stderr
    with Store(pool) as store:
        assert store.get("m-2").unsubscribed == TODAY
        assert store.get("m-0").unsubscribed is None
