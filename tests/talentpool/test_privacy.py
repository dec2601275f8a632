"""Privacy operations: erasure with a suppression list, access export, retention purge, renewals."""

from __future__ import annotations

import datetime as dt
import json

from talentpool.privacy import erase, export, purge, renewals
from talentpool.store import Store
from tests.talentpool.conftest import DAY, every_row, make_member


def test_erase_deletes_everything_and_keeps_only_a_hash(store):
    member = store.add(make_member(email="Camille.Testeur@example.com"))
    store.record_message(member.id, "newsletter", "nl-1", DAY)
    erased = erase(store, "camille.testeur@EXAMPLE.com", DAY)
    assert erased.id == member.id
    assert store.get(member.id) is None and store.rows_about(member.id) == {}
    assert store.suppression_reason("camille.testeur@example.com") == "erased"
    dump = every_row(store)
    assert "camille" not in dump.lower() and "Testeur" not in dump
    # An erasure request for someone not (yet) in the pool is honoured by later imports.
    assert erase(store, "jamais.vu@example.org", DAY) is None
    assert store.suppression_reason("jamais.vu@example.org") == "erased"


def test_export_holds_everything_about_the_person(store, policy):
    member = store.add(make_member(tags=["alumni"]))
    store.record_message(member.id, "invitation", "open-day-lyon", dt.datetime(2026, 11, 3, 18, tzinfo=dt.timezone.utc))
    with store.transaction() as conn:
        conn.execute("CREATE TABLE later_notes (member_id TEXT, note TEXT)")
        conn.execute("INSERT INTO later_notes VALUES (:id, 'asked for English mail')", {"id": member.id})
    data = json.loads(json.dumps(export(store, "CAMILLE.testeur@example.com", policy)))
    assert data["member"]["email"] == "camille.testeur@example.com" and data["member"]["tags"] == ["alumni"]
    assert data["member"]["consents"]["newsletter"] == (DAY - dt.timedelta(days=100)).isoformat()
    assert data["messages"] == [{"kind": "invitation", "plan_id": "open-day-lyon", "at": "2026-11-03T18:00:00+00:00"}]
    assert data["records"] == {"later_notes": [{"member_id": member.id, "note": "asked for English mail"}]}
    assert data["retention"] == {"ends": "2028-11-12", "clock": "pool", "months": 24}
    assert export(store, "nobody@example.com", policy) is None


def expired_crowd(store):
    store.add(make_member(email="fresh@example.com"))
    store.add(make_member(email="old@example.com", created=dt.date(2023, 1, 1), last_contact=dt.date(2024, 11, 1),
                          consents={"newsletter": dt.date(2023, 1, 1)}))
    store.add(make_member(email="rejected@example.com", stage="rejected", stage_changed=dt.date(2026, 7, 1), consents={},
                          last_contact=dt.date(2026, 7, 1), created=dt.date(2026, 3, 1)))
    store.add(make_member(email="optout@example.com", created=dt.date(2023, 1, 1), last_contact=dt.date(2024, 10, 1),
                          unsubscribed=dt.date(2024, 10, 2), consents={}))


def test_purge_dry_run_lists_who_and_why_then_purge_deletes(store, policy):
    expired_crowd(store)
    planned = purge(store, policy, DAY, dry_run=True)
    assert [(e.member.email, e.ends.isoformat(), e.reason) for e in planned] == [
        ("old@example.com", "2026-11-01", "no active contact since 2024-11-01 (24 months)"),
        ("optout@example.com", "2026-10-01", "no active contact since 2024-10-01 (24 months)"),
        ("rejected@example.com", "2026-10-01", "rejected on 2026-07-01 without pool consent (3 months)"),
    ]
    assert store.count() == 4
    assert len(purge(store, policy, DAY)) == 3
    assert [m.email for m in store.iter_members()] == ["fresh@example.com"]
    # The opted-out person stays opted out should an import bring them back.
    assert store.suppression_reason("optout@example.com") == "unsubscribed"
    assert store.suppression_reason("old@example.com") is None


def test_someone_who_renews_while_the_purge_walks_the_pool_is_not_purged(store, policy, monkeypatch):
    from talentpool import privacy

    expired_crowd(store)
    walked = privacy.expired(store, policy, DAY)  # the walk, before the write lock
    renewing = store.find_by_email("old@example.com")
    store.record_contact(renewing.id, DAY)  # meanwhile: a reply, a click, a renewed consent on another host
    monkeypatch.setattr(privacy, "expired", lambda *args: walked)
    purged = purge(store, policy, DAY)
    assert "old@example.com" not in [e.member.email for e in purged] and len(purged) == 2
    assert store.get(renewing.id) is not None


def test_renewals_lists_who_expires_soon(store, policy):
    store.add(make_member(email="soon@example.com", created=dt.date(2024, 1, 1), last_contact=dt.date(2024, 12, 10),
                          consents={"newsletter": dt.date(2024, 1, 1)}))
    store.add(make_member(email="sooner@example.com", created=dt.date(2024, 1, 1), last_contact=dt.date(2024, 11, 30),
                          consents={"newsletter": dt.date(2024, 1, 1)}))
    store.add(make_member(email="later@example.com", created=dt.date(2024, 1, 1), last_contact=dt.date(2025, 2, 1),
                          consents={"newsletter": dt.date(2024, 1, 1)}))
    store.add(make_member(email="optout@example.com", created=dt.date(2024, 1, 1), last_contact=dt.date(2024, 12, 1),
                          unsubscribed=dt.date(2025, 1, 1), consents={}))
    items = renewals(store, policy, DAY, 30)
    assert [(e.member.email, e.ends) for e in items] == [
        ("sooner@example.com", dt.date(2026, 11, 30)), ("soon@example.com", dt.date(2026, 12, 10))]
    assert len(renewals(store, policy, DAY, 90)) == 3


def _relation_files(cluster, store) -> list:
    """Every table, index and TOAST file of the store's database, in the cluster's data folder."""
    rows = store.connection.execute("SELECT pg_relation_filepath(oid) FROM pg_class WHERE relkind IN ('r', 'i', 't')"
                                    " AND relfilenode <> 0 AND relnamespace <> 'pg_catalog'::regnamespace")
    return [cluster.data / path for (path,) in rows if path and (cluster.data / path).exists()]


def test_an_erasure_on_postgresql_leaves_no_byte_of_the_person_in_the_table_files(postgres_server, postgres_url):
    probe = b"zoebyteprobe"
    with Store(postgres_url) as store:
        member = store.add(make_member(email="Zoebyteprobe.Neutre@example.com", first_name="Zoebyteprobe"))
        store.record_message(member.id, "newsletter", "nl-1", DAY)
        store.add(make_member(email="someone.else@example.com", first_name="Other"))
        store.connection.execute(  # a pending sign-up of the same address, kept by address only
            "INSERT INTO community_signups(id, email_key, data, form_version, ip_hash, submitted, expires)"
            " VALUES ('s-probe', 'zoebyteprobe.neutre@example.com', '{\"first_name\": \"Zoebyteprobe\"}', 'v1', '',"
            " '2026-11-20', '2026-11-30')")
        store.connection.execute("CHECKPOINT")  # the rows reach the table files
        assert any(probe in path.read_bytes().lower() for path in _relation_files(postgres_server, store))

        erase(store, "zoebyteprobe.neutre@example.com", DAY)
        store.connection.execute("CHECKPOINT")
        holding = [path.name for path in _relation_files(postgres_server, store) if probe in path.read_bytes().lower()]
        assert holding == [] and store.count() == 1
