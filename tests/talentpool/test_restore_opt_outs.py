"""A restore never undoes what people asked for after the backup was made (on SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil

import pytest

from mailing.delivery import choices
from talentpool.backup import BackupError, backup, restore
from talentpool.privacy import erase, known_files
from talentpool.store import Store
from tests.talentpool.conftest import DAY, make_member


def test_a_restore_keeps_every_opt_out_made_since_the_backup(store, tmp_path):
    stays = store.add(make_member(email="reste@example.org"))
    leaves = store.add(make_member(email="part@example.org"))
    store.add(make_member(email="efface@example.org"))
    bounces = store.add(make_member(email="rebond@example.org"))
    withdraws = store.add(make_member(email="retrait@example.org"))
    made = backup(store, tmp_path / "backups" / "pool.sqlite3", DAY)
    # A copy taken off the host: an erasure cannot reach it (it does reach the noted backup itself).
    offsite = shutil.copy(made, tmp_path / "offsite.sqlite3")

    store.unsubscribe(leaves.id, DAY)  # the one-click link, after the backup
    erase(store, "efface@example.org", DAY)
    store.suppress("rebond@example.org", "bounced", DAY, "5.1.1 user unknown")
    store.unsubscribe(withdraws.id, DAY, "events")

    members, carried = restore(store, offsite)
    assert members == 5 and carried >= 4
    assert store.get(stays.id).unsubscribed is None and store.get(stays.id).consents == stays.consents
    assert store.get(leaves.id).unsubscribed == DAY
    assert store.find_by_email("efface@example.org") is None and store.suppression_reason("efface@example.org") == "erased"
    assert store.suppression_reason("rebond@example.org") == "bounced" and store.get(bounces.id) is not None
    assert store.get(withdraws.id).withdrawn == {"events": DAY}
    assert store.count() == 4


def test_someone_suppressed_for_a_bounce_then_erased_stays_erased_after_a_restore(store, tmp_path):
    kept = store.add(make_member(email="garde@example.org"))
    store.add(make_member(email="rebond.puis.efface@example.org"))
    store.suppress("rebond.puis.efface@example.org", "bounced", DAY, "5.1.1")
    offsite = shutil.copy(backup(store, tmp_path / "backups" / "pool.sqlite3", DAY), tmp_path / "offsite.sqlite3")
    erase(store, "rebond.puis.efface@example.org", DAY)
    assert store.suppression_reason("rebond.puis.efface@example.org") == "erased"  # the erasure overrides the bounce
    restore(store, offsite)
    assert store.find_by_email("rebond.puis.efface@example.org") is None
    assert store.suppression_reason("rebond.puis.efface@example.org") == "erased"
    assert [m.id for m in store.iter_members()] == [kept.id]


def test_a_pause_and_a_file_noted_since_the_backup_survive_a_restore(store, tmp_path):
    member = store.add(make_member(email="pause@example.org"))
    made = backup(store, tmp_path / "backups" / "pool.sqlite3", DAY)
    until = choices.pause(store, member.id, 3, DAY)
    later = backup(store, tmp_path / "backups" / "later.sqlite3", DAY)
    restore(store, made)
    assert choices.preferences(store, member.id)["paused_until"] == until.isoformat()
    assert {path for path, _kind in known_files(store)} >= {str(made), str(later)}


def test_a_backup_of_another_store_is_refused_when_this_one_has_opt_outs(store, tmp_path):
    other_path = tmp_path / "other.sqlite3"
    with Store(other_path) as other:  # another store: its own salt
        other.add(make_member(email="x@example.org"))
        file = backup(other, tmp_path / "backups" / "other-backup.sqlite3", DAY)
    store.add(make_member(email="x@example.org"))
    erase(store, "x@example.org", DAY)
    with pytest.raises(BackupError, match="salted differently"):
        restore(store, file)
    assert store.find_by_email("x@example.org") is None and store.suppression_reason("x@example.org") == "erased"
