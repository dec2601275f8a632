"""`Store.reading_once`: a build's planning reads the messages sent and the suppression list once for every kind.

In one walk of the pool for every kind (`mailing.engine.walk`) each kind reads them before the walk
and holds them through it; read once, they are one copy instead of one per kind. Compared with the
store read afresh (outside the block): the same values, on SQLite and PostgreSQL; recording a message
within the block forgets what was read; the suppression look-up's remembered last answer is the answer.
"""

from __future__ import annotations

import datetime as dt

from talentpool.models import Member
from talentpool.policy import BLOCKING
from talentpool.store import Store

DAY = dt.date(2026, 11, 22)


def _store(location):
    store = Store(location)
    for i in range(6):
        store.add(Member(id=f"m-{i}", email=f"Membre.{i}@example.com", consents={"newsletter": DAY}))
    at = dt.datetime(2026, 11, 10, 9, 30, tzinfo=dt.timezone.utc)
    store.record_message("m-1", "newsletter", "n-1", at)
    store.record_message("m-2", "invitation", "i-1", at - dt.timedelta(days=40))
    store.suppress("membre.3@example.com", "erased", DAY)
    store.suppress("membre.4@example.com", "bounced", DAY)
    return store


def test_reading_once_gives_what_the_store_holds_and_forgets_it_on_a_write(store_location):
    store = _store(store_location)
    try:
        since, later = DAY - dt.timedelta(days=30), DAY - dt.timedelta(days=60)
        fresh = store.messages_by_member(since)
        with store.reading_once():
            first = store.messages_by_member(since)
            assert first == fresh and set(first) == {"m-1"}
            assert store.messages_by_member(since) is first  # read once, the same dict for every kind
            assert store.messages_by_member(later) == {**fresh, "m-2": store.messages_since("m-2", later)}
            with store.reading_once():  # nested: the outer block's memo
                assert store.messages_by_member(since) is first
            store.record_message("m-5", "newsletter", "n-2", dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.timezone.utc))
            again = store.messages_by_member(since)
            assert again is not first and set(again) == {"m-1", "m-5"}
            assert again == store._messages_by_member(since)
        assert store.messages_by_member(since) is not store.messages_by_member(since)  # outside: read every time
    finally:
        store.close()


def test_the_suppression_look_up_is_shared_within_the_block_and_answers_as_a_fresh_one(store_location):
    store = _store(store_location)
    try:
        addresses = ["membre.3@example.com", "membre.3@example.com", " MEMBRE.3@example.com", "membre.0@example.com",
                     "membre.4@example.com", "membre.4@example.com", None, "", None, "membre.3@example.com"]
        for reasons in (BLOCKING, None):
            fresh = store.suppression_lookup(reasons)
            expected = [store.suppression_reason(a) if (reasons is None or
                                                        store.suppression_reason(a) in reasons) else None
                        for a in addresses]
            assert [fresh(a) for a in addresses] == expected
            with store.reading_once():
                shared = store.suppression_lookup(reasons)
                assert store.suppression_lookup(list(reasons) if reasons else None) is shared
                assert [shared(a) for a in addresses] == expected
            assert "erased" in expected
    finally:
        store.close()
