"""What one walk of the pool for every kind (`mailing.engine.walk`) reads or computes once for all of them.

- `Store.reading_once`: the messages sent and the suppression list, read once for every kind (each
  kind holds them through the walk: one copy instead of one per kind). Compared with the store read
  afresh (outside the block): the same values, on SQLite and PostgreSQL; recording a message within
  the block forgets what was read; the suppression look-up's remembered last answer is the answer.
- `Policy.walking`: the last member's retention end, remembered for the kinds asking in turn.
- `segments.row_viewer`: the last row's view, shared by the audiences viewing it in turn.
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


def test_a_walk_remembers_the_last_members_retention_end_and_decides_as_without(tmp_path):
    """`Policy.walking`: every kind asks about the same member in turn (the follow-ups' retention trigger,
    `retention_end`; every kind's decision, `decider`), in any order; the answers are those of a policy
    that remembers nothing, for members of every stage, consent and date (rejected ones included)."""
    import random
    import sys

    from talentpool.policy import Policy
    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    import synth_pool

    rng = random.Random(11)
    members = [synth_pool.member(i, rng) for i in range(3000)]
    for member in members[::7]:
        member.stage, member.stage_changed = "rejected", DAY - dt.timedelta(days=rng.randint(0, 200))
    policy = Policy(rejected_months=3, pool_months=24)
    kinds = ["newsletter", "invitation", "job_alert", "event_update"]
    planned = (("invitation", "i-1", DAY),)

    def answers():
        deciders = [policy.decider(kind, DAY, "p") for kind in kinds]
        result = []
        for position, member in enumerate(members):
            asked = [policy.retention_end(member)] if position % 2 else []
            asked += [decide(member, (), planned if position % 3 else (), None) for decide in deciders]
            asked += [policy.retention_end(member), policy.decide(member, "follow_up", DAY).reason]
            result.append(asked)
        return result

    expected = answers()
    with policy.walking():
        got = answers()
        assert policy._walk_last[0] is members[-1]
    assert got == expected
    assert policy._walk_last is None  # outside the block: nothing remembered
    assert {a for asked in expected for a in asked if isinstance(a, str)} >= {"retention_expired", "no_consent"}
    assert {a[1] for asked in expected for a in asked if isinstance(a, tuple)} == {"pool", "rejected"}


def test_viewers_of_other_segments_share_the_last_rows_view_and_answer_as_with_their_own(tmp_path):
    """Audiences of different segments view each row in turn: the first viewer's view serves the next,
    whose own keys are computed on first use; every rule answers as on a view of its own (`row_view`)."""
    import random

    from talentpool import segments as segments_module
    from tests.talentpool.test_audience_fast import _member, _segments

    segments = list(_segments().values())
    rng = random.Random(9)
    with Store(tmp_path / "pool.sqlite3") as store:
        with store.transaction():
            for i in range(300):
                store.add(_member(i, rng, DAY))
        groups = [segments[i::4] for i in range(4)]
        viewers = [segments_module.row_viewer(group) for group in groups]
        viewed = 0
        for rows in store.member_row_batches(size=64):
            for row in rows:
                first = None
                for group, view_of in zip(groups, viewers):
                    view = view_of(row)
                    first = view if first is None else first
                    assert view is first  # one view of the row for every viewer
                    alone = segments_module.row_view(row)
                    for segment in group:
                        assert segment.predicate(view, DAY) == segment.predicate(alone, DAY), segment.name
                viewed += 1
        assert viewed == 300 and len(segments) >= 40
