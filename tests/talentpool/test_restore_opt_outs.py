"""A restore never undoes what people asked for after the backup was made (on SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil

from talentpool.backup import backup, restore
from talentpool.privacy import erase
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
