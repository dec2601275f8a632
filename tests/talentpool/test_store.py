"""The SQLite store: schema and migrations, members, messages, suppression, two writers at once."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy.exc

from talentpool import store as store_module
from talentpool.migrations import MIGRATIONS
from talentpool.store import Store
from tests.conftest import ROOT
from tests.talentpool.conftest import DAY, make_member


def test_created_on_first_use_with_schema_version_and_wal(tmp_path):
    path = tmp_path / "deep" / "folder" / "pool.sqlite3"
    with Store.open(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert store.count() == 0
    assert path.exists()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_an_appended_migration_upgrades_an_existing_store(tmp_path, monkeypatch):
    path = tmp_path / "pool.sqlite3"
    with Store(path) as store:
        store.add(make_member())
    later = ("CREATE TABLE later_notes (member_id TEXT, note TEXT)",
             lambda conn: conn.execute("INSERT INTO later_notes VALUES ('none', 'added by a migration')"))
    monkeypatch.setattr(store_module, "MIGRATIONS", [*MIGRATIONS, later])
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS) + 1
        assert store.count() == 1  # existing data kept
        assert "later_notes" in store.member_tables()
    with Store(path) as store:  # applied once only
        assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM later_notes").fetchone()[0] == 1


def test_members_round_trip_with_every_field(store):
    member = make_member(
        tags=["alumni", "meetup-data-lyon"], stage="rejected", stage_changed=DAY - dt.timedelta(days=3),
        unsubscribed=DAY, withdrawn={"events": DAY}, city="Saint-Étienne", first_name="Éloïse",
    )
    store.add(member)
    assert member.id.startswith("m-") and "camille" not in member.id
    assert store.get(member.id) == member


def test_find_by_email_is_trimmed_and_case_insensitive_but_keeps_plus_addressing(store):
    store.add(make_member(email="Camille.Testeur+Pool@Example.com"))
    assert store.find_by_email("  camille.testeur+pool@example.COM ").email == "Camille.Testeur+Pool@Example.com"
    assert store.find_by_email("camille.testeur@example.com") is None
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        store.add(make_member(email="CAMILLE.TESTEUR+POOL@EXAMPLE.COM"))


def test_messages_are_counted_once_per_plan_and_filtered_by_date(store):
    member = store.add(make_member())
    paris = dt.timezone(dt.timedelta(hours=1))
    assert store.record_message(member.id, "newsletter", "nl-2026-10", dt.datetime(2026, 10, 20, 9, 0, tzinfo=paris))
    assert not store.record_message(member.id, "newsletter", "nl-2026-10", dt.datetime(2026, 10, 21, 9, 0, tzinfo=paris))
    store.record_message(member.id, "invitation", "open-day", dt.date(2026, 11, 10))
    assert [m[1] for m in store.messages_since(member.id, dt.date(2026, 10, 1))] == ["nl-2026-10", "open-day"]
    assert [m[1] for m in store.messages_since(member.id, dt.date(2026, 10, 21))] == ["open-day"]
    # Aware bounds compare instants: 09:00 in Paris is 08:00 UTC.
    assert store.messages_since(member.id, dt.datetime(2026, 10, 20, 7, 30, tzinfo=dt.timezone.utc))[0][2] == \
        dt.datetime(2026, 10, 20, 9, 0, tzinfo=paris)
    assert [m[1] for m in store.messages_since(member.id, dt.datetime(2026, 10, 20, 8, 30, tzinfo=dt.timezone.utc))] == ["open-day"]
    assert list(store.messages_by_member(dt.date(2026, 11, 1))) == [member.id]


def test_unsubscribe_everything_or_one_consent(store):
    member = store.add(make_member())
    store.unsubscribe(member.id, DAY, scope="events")
    updated = store.get(member.id)
    assert not updated.has_consent("events") and updated.has_consent("newsletter")
    store.unsubscribe(member.id, dt.datetime(2026, 11, 22, 18, 0, tzinfo=dt.timezone.utc))
    updated = store.get(member.id)
    assert updated.unsubscribed == DAY and not updated.has_consent("newsletter")
    store.give_consent(member.id, "newsletter", DAY + dt.timedelta(days=1))
    assert store.get(member.id).has_consent("newsletter") and store.get(member.id).unsubscribed is None


def test_a_failed_transaction_leaves_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.add(make_member(email="one@example.com"))
            store.add(make_member(email="two@example.com"))
            raise RuntimeError("crash in the middle")
    assert store.count() == 0


def test_delete_removes_rows_of_every_member_table(store):
    member = store.add(make_member())
    store.record_message(member.id, "newsletter", "nl", DAY)
    with store.transaction() as conn:
        conn.execute("CREATE TABLE later_notes (member_id TEXT, note TEXT)")
        conn.execute("INSERT INTO later_notes VALUES (:id, 'met at the open day')", {"id": member.id})
    assert set(store.rows_about(member.id)) == {"messages", "later_notes"}
    assert store.delete(member.id)
    assert store.rows_about(member.id) == {} and store.get(member.id) is None


def test_suppression_hash_is_salted_per_store(tmp_path):
    with Store(tmp_path / "a.sqlite3") as a, Store(tmp_path / "b.sqlite3") as b:
        assert a.suppression_hash("X@example.com ") == a.suppression_hash("x@example.com")
        assert a.suppression_hash("x@example.com") != b.suppression_hash("x@example.com")
        a.suppress("x@example.com", "erased", DAY)
        assert a.suppression_reason("X@EXAMPLE.COM") == "erased" and b.suppression_reason("x@example.com") is None
        raw = sqlite3.connect(tmp_path / "a.sqlite3").execute("SELECT * FROM suppression").fetchall()
        assert "example" not in repr(raw)


WRITER = textwrap.dedent("""
    import datetime as dt, sys
    sys.path.insert(0, {plugins!r})
    from talentpool.models import Member
    from talentpool.store import Store
    import os, time
    name, path = sys.argv[1], sys.argv[2]
    with Store(path) as store:
        # Start together (a barrier on two ready files), then leave the other
        # writer room between transactions, so the two really overlap.
        open(f"{{path}}.{{name}}.ready", "w").close()
        deadline = time.monotonic() + 60
        while not all(os.path.exists(f"{{path}}.{{n}}.ready") for n in ("alpha", "beta")):
            if time.monotonic() > deadline:
                sys.exit("the other writer never started")
            time.sleep(0.005)
        for i in range(300):
            with store.transaction():
                m = store.add(Member(id="", email=f"{{name}}-{{i}}@example.com", created=dt.date(2026, 1, 1)))
                store.record_message(m.id, "newsletter", "nl", dt.date(2026, 11, 1))
            time.sleep(0.001)
            if i % 10 == 0:
                shared = store.find_by_email("shared@example.com")
                store.record_contact(shared.id, dt.date(2026, 11, i % 28 + 1))
""")


def test_two_writing_processes_do_not_corrupt_the_store(tmp_path):
    path = tmp_path / "pool.sqlite3"
    with Store(path) as store:
        store.add(make_member(email="shared@example.com", last_contact=None))
    script = WRITER.format(plugins=str(ROOT / "plugins"))
    procs = [subprocess.Popen([sys.executable, "-c", script, name, str(path)], stderr=subprocess.PIPE, text=True)
             for name in ("alpha", "beta")]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with Store(path) as store:
        assert store.count() == 601
        assert sum(len(v) for v in store.messages_by_member(dt.date(2026, 1, 1)).values()) == 600
        # The two writers really ran at the same time: their rows interleave.
        order = [row[0].split("-")[0] for row in store.connection.execute("SELECT email FROM members WHERE email != 'shared@example.com' ORDER BY rowid")]
        assert order.index("beta") < len(order) - 1 - order[::-1].index("alpha")
        assert order.index("alpha") < len(order) - 1 - order[::-1].index("beta")
        assert store.connection.scalar("PRAGMA integrity_check") == "ok"
        assert store.find_by_email("shared@example.com").last_contact == dt.date(2026, 11, 27)  # the latest of both writers


def test_opening_another_store_in_the_same_process_keeps_the_first_ones_locks(tmp_path):
    # A sender opens one connection per SMTP channel while its first one is open. Closing any
    # descriptor of the database file drops every POSIX lock of the process on it: another process
    # closing its own connection then believed it was the last one, checkpointed and deleted the
    # WAL under the sender's feet ("database disk image is malformed" during a send under load).
    path = tmp_path / "pool.sqlite3"
    with Store(path) as first:
        first.add(make_member(email="avant@example.com"))
        with Store(path) as second:
            assert second.count() == 1
            other = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
                import sqlite3
                conn = sqlite3.connect({str(path)!r})
                conn.execute("SELECT COUNT(*) FROM members").fetchone()
                conn.close()  # the last connection checkpoints and deletes the WAL: it must see it is not the last
            """)], capture_output=True, text=True, timeout=60)
            assert other.returncode == 0, other.stderr
            assert (tmp_path / "pool.sqlite3-wal").exists() and (tmp_path / "pool.sqlite3-shm").exists()
            first.add(make_member(email="apres@example.com"))
            assert second.count() == 2
    with Store(path) as again:
        assert again.connection.scalar("PRAGMA integrity_check") == "ok" and again.count() == 2
