"""What only a PostgreSQL store does: migrate-to, backups as SQLite files, row locks for claims,
the checks made on opening (text order, a database without a store, a server that cannot be reached)."""

from __future__ import annotations

import os
import threading

import psycopg
import pytest
from click.testing import CliRunner

from mailing.delivery.ledger import CLAIMED, Ledger
from talentpool.backup import backup, restore
from talentpool.location import DatabaseUrl
from talentpool.store import Store, StoreError, StoreMissing
from tests.conftest import ROOT, TODAY
from tests.talentpool.conftest import DAY, make_member
from vivier.cli import cli

CONF = str(ROOT / "pelicanconf.py")


def vivier(*args, pool):
    runner = CliRunner(env={"VIVIER_POOL": str(pool), "VIVIER_TODAY": TODAY})
    return runner.invoke(cli, ["-s", CONF, *args], catch_exceptions=False)


def table_rows(store) -> dict[str, list[tuple]]:
    """Every table's rows, sorted (the schema's own `meta` row of PostgreSQL left out)."""
    conn = store.connection
    found = {}
    for table in conn.table_names():
        rows = sorted(tuple(row) for row in conn.execute(f'SELECT * FROM "{table}"'))
        found[table] = [row for row in rows if row[:1] != ("schema_version",)] if table == "meta" else rows
    return found


def test_migrate_to_copies_every_row_and_counts_both_sides_then_refuses_to_overwrite(sample_pool, postgres_url):
    copied = vivier("pool", "migrate-to", postgres_url, pool=sample_pool)
    assert copied.exit_code == 0, copied.output
    assert "members: 320 row(s)" in copied.output and "every table's count checked" in copied.output
    with Store(sample_pool, create=False) as source, Store(postgres_url, create=False) as target:
        assert table_rows(target) == table_rows(source)
        assert target.schema_version == source.schema_version
        member = next(source.iter_members())
        assert target.get(member.id) == member and list(target.iter_members()) == list(source.iter_members())
        # The suppression salt came along: an address hashes the same on both.
        assert target.suppression_hash(member.email) == source.suppression_hash(member.email)

    again = vivier("pool", "migrate-to", postgres_url, pool=sample_pool)
    assert again.exit_code == 1 and "already holds a store with data" in again.output
    replaced = vivier("pool", "migrate-to", postgres_url, "--replace", pool=sample_pool)
    assert replaced.exit_code == 0, replaced.output


def test_migrate_to_refuses_what_is_not_a_postgresql_url(sample_pool, tmp_path):
    result = vivier("pool", "migrate-to", str(tmp_path / "other.sqlite3"), pool=sample_pool)
    assert result.exit_code == 1 and "not a PostgreSQL URL" in result.output
    assert not (tmp_path / "other.sqlite3").exists()


def test_a_backup_of_a_postgresql_store_is_an_sqlite_file_that_restores_into_another_database(
        new_postgres_url, tmp_path):
    first, second = DatabaseUrl(new_postgres_url()), DatabaseUrl(new_postgres_url())
    with Store(first) as store:
        member = store.add(make_member())
        store.record_message(member.id, "newsletter", "nl-1", DAY)
        store.suppress("parti@example.org", "erased", DAY)
        Ledger(store, "nl-1").claim(member.id, "<a@b>")
        file = backup(store, tmp_path / "backups" / "pool.sqlite3", DAY)
        expected = table_rows(store)
    assert oct(file.stat().st_mode & 0o777) == "0o600" and not list(file.parent.glob("*-wal"))
    with Store(file, create=False, backup=True) as copy:  # an ordinary SQLite store
        assert copy.get(member.id) == member and copy.suppression_reason("parti@example.org") == "erased"
    with Store(second) as target:
        assert restore(target, file) == (1, 0)  # nothing to carry over: the database was empty
        assert table_rows(target) == expected
        assert target.suppression_reason("parti@example.org") == "erased"  # the salt came back with the hashes
        assert Ledger(target, "nl-1").get(member.id).status == CLAIMED
    assert not [p.name for p in file.parent.iterdir() if "restore" in p.name]  # the restore's working copy is gone


def test_claims_take_their_row_with_skip_locked_and_run_beside_one_another(postgres_url):
    with Store(postgres_url) as store:
        ids = [store.add(make_member(email=f"m{n}@example.org")).id for n in range(2)]
    with Store(postgres_url) as holder, Store(postgres_url) as other, Store(postgres_url) as writer:
        holding, waiting = Ledger(holder, "nl-1"), Ledger(other, "nl-1")
        assert waiting.claim(ids[0], "<first@x>")  # the row exists from now on
        waiting.release(ids[0])
        entered, release = threading.Event(), threading.Event()

        def slow_check(_store):  # a claim of the first member, held open inside its transaction
            entered.set()
            assert release.wait(60)
            return True

        first = threading.Thread(target=holding.claim, args=(ids[0], "<held@x>", slow_check))
        first.start()
        assert entered.wait(60)
        # Meanwhile: the same row is busy (skipped as locked, no waiting), another member's claim goes through.
        assert waiting.claim(ids[0], "<again@x>") is False
        assert waiting.claim(ids[1], "<second@x>") is True
        # An ordinary write (an unsubscribe from the web application) waits for the claims to end.
        unsubscribed = threading.Thread(target=writer.unsubscribe, args=(ids[0], DAY))
        unsubscribed.start()
        unsubscribed.join(1)
        assert unsubscribed.is_alive()
        release.set()
        first.join(60)
        unsubscribed.join(60)
        assert not first.is_alive() and not unsubscribed.is_alive()
        assert holding.get(ids[0]).owner == holding.owner and holding.get(ids[0]).message_id == "<held@x>"


def test_an_empty_database_is_a_missing_store_except_for_the_commands_that_create_one(postgres_url):
    with pytest.raises(StoreMissing, match="no member store in this database yet"):
        Store(postgres_url, create=False)
    shown = vivier("pool", "renewals", pool=postgres_url)
    assert shown.exit_code == 1 and "no member store in this database yet" in shown.output
    assert shown.output.count("\n") == 1 and "Traceback" not in shown.output
    with psycopg.connect(postgres_url.replace("postgresql+psycopg", "postgresql")) as conn:
        assert conn.execute("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


def test_a_database_that_does_not_sort_bytewise_is_refused_with_the_command_that_makes_a_right_one(postgres_server):
    name = "vivier_test_icu_order"
    with postgres_server.connect() as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'fr' "
                     "LOCALE 'C.UTF-8'")
    try:
        with pytest.raises(StoreError, match="does not sort text byte by byte") as refused:
            Store(postgres_server.url(name))
        assert "--locale=C.UTF-8" in str(refused.value)
    finally:
        postgres_server.drop_database(name)


def test_a_server_that_cannot_be_reached_is_one_error_line_without_the_password():
    url = "postgresql://vivier:TopSecret42@127.0.0.1:9/vivier"  # the discard port: nothing listens
    with pytest.raises(StoreError) as failed:
        Store(url)
    assert "TopSecret42" not in str(failed.value) and "vivier:***@127.0.0.1:9/vivier" in str(failed.value)
    shown = vivier("pool", "renewals", pool=url)
    assert shown.exit_code == 1 and "TopSecret42" not in shown.output and "cannot be used" in shown.output
    assert str(DatabaseUrl(url)) == "postgresql+psycopg://vivier:***@127.0.0.1:9/vivier"
    assert str(DatabaseUrl("postgresql://h/db?sslmode=require&password=TopSecret42")) == \
        "postgresql+psycopg://h/db?sslmode=require&password=***"
    with pytest.raises(StoreError, match="not a usable PostgreSQL URL"):
        Store("postgresql://vivier@127.0.0.1:notaport/vivier")
    assert DatabaseUrl(url).full == "postgresql+psycopg://vivier:TopSecret42@127.0.0.1:9/vivier"
    assert f"{DatabaseUrl(url)}" == str(DatabaseUrl(url))


def test_a_write_lock_not_given_in_time_is_one_error_and_leaves_the_store_usable(postgres_url, monkeypatch):
    from talentpool import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 1)
    with Store(postgres_url) as store:
        holder = psycopg.connect(postgres_url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
        try:
            holder.execute("SELECT pg_advisory_lock(%s)", (store.connection.lock_key,))  # a stuck writer elsewhere
            with pytest.raises(StoreError, match="waited 1 s for the store's write lock"):
                store.add(make_member())
        finally:
            holder.close()  # its lock goes with its session
        assert store.count() == 0  # no transaction left open and aborted on this connection
        store.add(make_member())
        assert store.count() == 1


def test_database_errors_never_quote_a_members_values(store_location):
    with Store(store_location) as store:
        store.add(make_member(email="doublon@example.org", first_name="Prénomsonde"))
        with pytest.raises(Exception) as failed:
            store.add(make_member(email="DOUBLON@example.org", first_name="Prénomsonde"))
    assert "Prénomsonde" not in str(failed.value) and "parameters hidden" in str(failed.value)
