"""The whole-pool walk (iter_members, evaluate) decodes members exactly as get() does, fresh each time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc

from talentpool.audience import evaluate
from talentpool.policy import Policy
from talentpool.segments import compile_segments, parse_segment
from talentpool.store import Store

from tests.talentpool.conftest import DAY, make_member


def _fill(store: Store) -> list:
    people = [
        make_member(email="Zoe.Keller@example.com", skills=["python", "sql"], tags=["alumni"]),
        make_member(email="adele@example.org", skills=["python", "sql"], consents={}, withdrawn={},
                    last_contact=None, stage_changed=None),
        make_member(email="bruno+vivier@example.com", skills=[], departments=[], roles=[],
                    withdrawn={"events": DAY - dt.timedelta(days=3)}, unsubscribed=DAY - dt.timedelta(days=1),
                    stage="rejected", stage_changed=DAY - dt.timedelta(days=30)),
    ]
    return [store.add(p) for p in people]


def test_iter_members_decodes_like_get_in_address_order(tmp_path):
    with Store(tmp_path / "pool.sqlite3") as store:
        added = _fill(store)
        walked = list(store.iter_members())
        assert [m.email for m in walked] == ["adele@example.org", "bruno+vivier@example.com", "Zoe.Keller@example.com"]
        for member in walked:
            assert dataclasses.asdict(member) == dataclasses.asdict(store.get(member.id))
        by_id = {m.id: m for m in walked}
        for original in added:
            assert dataclasses.asdict(by_id[original.id]) == dataclasses.asdict(original)


def test_decoded_lists_are_never_shared(tmp_path):
    with Store(tmp_path / "pool.sqlite3") as store:
        _fill(store)
        first, _, second = store.iter_members()  # adele and zoe share their skills
        assert first.skills == second.skills == ["python", "sql"] and first.skills is not second.skills
        first.skills.append("rust")
        first.consents["newsletter"] = DAY
        again = {m.email: m for m in store.iter_members()}
        assert again["adele@example.org"].skills == ["python", "sql"] and again["adele@example.org"].consents == {}


def test_evaluate_gives_the_collector_back(tmp_path):
    segment, _ = parse_segment({"name": "everyone", "description": "Everyone.", "rule": {"field": "email", "exists": True}})
    segments = compile_segments({"everyone": segment})
    with Store(tmp_path / "pool.sqlite3") as store:
        _fill(store)
        store.suppress("gone@example.com", "erased", DAY)
        assert gc.isenabled()
        audience = evaluate(store, ["everyone"], "newsletter", DAY, segments=segments, policy=Policy())
        assert gc.isenabled()
        gc.disable()
        try:
            evaluate(store, ["everyone"], "newsletter", DAY, segments=segments, policy=Policy())
            assert not gc.isenabled()  # a caller's choice is left as it was
        finally:
            gc.enable()
    assert [m.email for m, _ in audience.eligible] == ["Zoe.Keller@example.com"]
    assert [m.email for m in audience.excluded["no_consent"]] == ["adele@example.org"]
    assert [m.email for m in audience.excluded["unsubscribed"]] == ["bruno+vivier@example.com"]
