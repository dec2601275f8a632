"""A build plans by streaming the pool (issue 21): the same plans as the straightforward collect-then-plan.

The reference is the way planning went before streaming, written out here:
the whole audience held in memory (`evaluate`), the members' own choices
moved out of it (`choices.honour`), then the campaign planned on that list
(`build_plan`), its entries written with `writer.manifest_text`, each
recipient added to the budget afterwards; for an invitation round, the
round's members collected the same way. The build's way streams the store
(`audience.stream`) into `stream_plan` (a `Spool` of manifest lines) and
into a round's `Records`. On a synthetic pool of a few thousand members
(members paused or on the monthly digest, messages already sent, a tight
budget so two campaigns compete for it, A/B with a holdout, the "nothing
relevant" rule), on SQLite and PostgreSQL: the same manifest bytes, counts,
exclusions, budget, reasons and preview members.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import sys
from collections import defaultdict

import pytest

from mailing.delivery import choices
from mailing.engine.budget import Budget
from mailing.kinds.invitation import records, rounds
from mailing.kinds.newsletter.planning import HOLDOUT, NOTHING_RELEVANT, build_plan, stream_plan
from mailing.plan.spool import Records, Spool
from mailing.plan.writer import manifest_text, preview_entries
from talentpool import audience as pool_audience
from talentpool import config as pool_config
from talentpool.policy import Policy
from talentpool.store import Store
from tests.conftest import ROOT
from tests.mailing.fixtures import compiled_sample

sys.path.insert(0, str(ROOT / "bench"))
import synth_pool  # noqa: E402  (the benchmark's synthetic members)

DAY = synth_pool.TODAY
SEGMENTS = ["data-lyon", "cloud-devops", "all-newsletter"]
SIZE = 2500


def _pool(location):
    rng = random.Random(21)
    store = Store(location)
    with store.transaction():
        members = [store.add(synth_pool.member(i, rng)) for i in range(SIZE)]
    at = dt.datetime(2026, 11, 18, 9, 30, tzinfo=dt.timezone.utc)
    for member in members[5::9]:
        store.record_message(member.id, "newsletter", "earlier", at)
    for member in members[3::17]:
        choices.pause(store, member.id, 1, DAY - dt.timedelta(days=3))
    for member in members[8::23]:
        choices.digest_only(store, member.id, DAY - dt.timedelta(days=3))
    return store, members


def _compiled():
    compiled = {}
    for segment in SEGMENTS:
        for lang in ("fr", "en"):
            for variant in ("a", "b"):
                compiled[(segment, lang, variant)] = compiled_sample(variant, lang, segment)[0]
    return compiled


CAMPAIGNS = [("2026-12-first", 10, "skip"), ("2026-12-second", 0, "general")]  # (slug, holdout %, if nothing)


def reference(store, segments, policy, compiled, budget: Budget) -> list[dict]:
    """Before streaming: collect each campaign's audience, honour the members' choices, plan, then budget."""
    result = []
    for slug, holdout, if_nothing in CAMPAIGNS:
        audience = pool_audience.evaluate(store, SEGMENTS, "newsletter", DAY, segments=segments, policy=policy,
                                          planned=budget.by_member, plan_id=slug)
        choices.honour(audience, choices.all_preferences(store), DAY)
        plan = build_plan(slug, audience, compiled, ["fr", "en"], "fr", ["a", "b"], holdout, 3, if_nothing)
        entries = [entry.to_json() for entry in plan.entries]
        for entry in plan.entries:
            budget.add(entry.member_id, "newsletter", slug, DAY)
        result.append({"manifest": manifest_text(entries).encode("utf-8"), "counts": plan.counts(),
                       "excluded": {reason: len(ids) for reason, ids in plan.excluded.items()},
                       "reasons": {m: reason for reason, ids in plan.excluded.items() for m in ids},
                       "previews": preview_entries(entries, 4), "members": plan.members})
    return result


def streamed(store, segments, policy, compiled, budget: Budget) -> list[dict]:
    result = []
    for slug, holdout, if_nothing in CAMPAIGNS:
        found = pool_audience.stream(store, SEGMENTS, "newsletter", DAY, segments=segments, policy=policy,
                                     planned=budget.by_member, plan_id=slug)
        plan = stream_plan(slug, found, compiled, ["fr", "en"], "fr", ["a", "b"], holdout, 3, if_nothing,
                           prefs=choices.all_preferences(store), today=DAY, planned=budget, day=DAY, previews=4)
        result.append({"manifest": b"".join(plan.entries.chunks()), "counts": plan.counts(), "excluded": plan.excluded,
                       "plan": plan, "previews": preview_entries(plan.entries.preview_candidates(), 4)})
    return result


def test_streamed_newsletter_plans_equal_the_collected_ones(store_location):
    store, members = _pool(store_location)
    try:
        segments = pool_config.load_segments({"POOL_SEGMENTS_PATH": str(ROOT / "audiences" / "segments")})
        policy = Policy(max_messages=2, window_days=30)
        compiled = _compiled()
        pending = {m.id: [("invitation", "invitation-x", DAY)] for m in members[::7]}
        old_budget, new_budget = Budget(copy.deepcopy(pending)), Budget(copy.deepcopy(pending))
        expected = reference(store, segments, policy, compiled, old_budget)
        got = streamed(store, segments, policy, compiled, new_budget)
        for old, new in zip(expected, got):
            assert new["manifest"] == old["manifest"] and new["manifest"]
            assert new["counts"] == old["counts"]
            assert list(new["excluded"].items()) == list(old["excluded"].items())  # same reasons, same order
            assert new["previews"] == old["previews"]
            assert {e["member"] for e in new["previews"]} <= set(new["plan"].members)
            assert all(new["plan"].members[m] == old["members"][m] for m in new["plan"].members)
            plan = new["plan"]
            for member_id in list(old["reasons"])[::37]:
                assert plan.reason_of(member_id) == old["reasons"][member_id]
            assert plan.reason_of(next(iter(old["members"]))) is None  # planned: no reason
        # What the test is about: each kind of exclusion happened, and the second campaign saw the first's budget.
        first, second = expected
        assert first["excluded"][HOLDOUT] and first["excluded"][NOTHING_RELEVANT] and first["excluded"]["paused"]
        assert second["excluded"]["over_budget"] > first["excluded"]["over_budget"]
        assert {m: list(items) for m, items in new_budget.by_member.items()} == \
            {m: list(items) for m, items in old_budget.by_member.items()}
    finally:
        store.close()


def test_a_streamed_invitation_round_equals_the_collected_one(store_location):
    """The invite round of `rounds.plan_event` (streamed) against the same round collected the old way."""
    store, members = _pool(store_location)
    try:
        segments = pool_config.load_segments({"POOL_SEGMENTS_PATH": str(ROOT / "audiences" / "segments")})
        policy = Policy(max_messages=1, window_days=30)
        event = _event(["cloud-devops", "nantes"])
        pending = {m.id: [("newsletter", "2026-12-x", DAY)] for m in members[::5]}
        new_budget, old_budget = Budget(copy.deepcopy(pending)), Budget(copy.deepcopy(pending))
        [round_] = rounds.plan_event(store, event, segments, policy, DAY, new_budget, rounds.InvitationSettings(),
                                     store.messages_by_member(policy.window_start(DAY))).rounds
        plan_id = rounds.plan_id_for(event.reference, "invite", 0)
        found = pool_audience.evaluate(store, event.segments, "invitation", DAY, segments=segments, policy=policy,
                                       planned=old_budget.by_member, plan_id=plan_id)
        choices.honour(found, choices.all_preferences(store), DAY)
        recipients = []
        for member, segment in found.eligible:
            recipients.append((member.id, segment, member.language))
            old_budget.add(member.id, "invitation", plan_id, DAY)
        skipped = defaultdict(list)
        for reason, excluded in found.excluded.items():
            skipped[reason].extend(m.id for m in excluded)
        assert [tuple(r) for r in round_.recipients] == recipients and recipients
        assert round_.skipped.items() == [(reason, ids) for reason, ids in skipped.items() if ids]
        assert set(round_.skipped) >= {"no_consent", "paused", "over_budget"}
        assert {m: list(i) for m, i in new_budget.by_member.items()} == {m: list(i) for m, i in old_budget.by_member.items()}
        rows = list(round_.rows())
        assert [r.member_id for r in rows] == [r[0] for r in recipients] + skipped["over_budget"]
        # What `commit` writes, made without the rows, against the rows themselves (the straightforward way).
        assert list(round_.parameters()) == [records.parameters(row) for row in rows]
    finally:
        store.close()


def _event(segment_names):
    from types import SimpleNamespace

    start = dt.datetime(2026, 12, 10, 18, 0, tzinfo=dt.timezone.utc)
    return SimpleNamespace(uid="bench-event@vivier", reference="bench-event", segments=segment_names, start=start,
                           status="confirmed", sequence=0, lang="fr", is_past=False)


def test_a_spool_writes_the_manifest_of_its_entries_and_keeps_the_previews_members():
    rng = random.Random(5)
    entries = [{"member": f"m-{i}", "segment": rng.choice("xyz"), "lang": rng.choice(["fr", "en"]),
                "variant": rng.choice("ab"), "jobs": ["J-é"] * rng.randint(0, 2)} for i in range(5000)]
    for previews in (0, 1, 3, 10):
        spool = Spool(previews)
        for entry in entries:
            spool.add(entry, lambda entry=entry: {"who": entry["member"]})
        assert b"".join(spool.chunks(size=777)) == manifest_text(entries).encode("utf-8")
        assert list(spool) == entries and len(spool) == len(entries)
        chosen = preview_entries(spool.preview_candidates(), previews)
        assert chosen == preview_entries(entries, previews)
        assert all(spool.members[e["member"]] == {"who": e["member"]} for e in chosen)
        assert len(spool.members) <= previews + 12  # the first of each (segment, lang, variant), then the first ones
    records = Records(rounds.Recipient)
    for entry in entries[:50]:
        records.append(rounds.Recipient(entry["member"], entry["segment"], entry["lang"]))
    assert list(records) == [rounds.Recipient(e["member"], e["segment"], e["lang"]) for e in entries[:50]]
    assert [r for r in records for _ in records][:2] == [records[0], records[0]]  # iterations may nest
    assert records[:3] == list(records)[:3] and records == list(records)


def test_spools_and_records_joined_equal_one_filled_with_everything():
    """A walk in parts (`mailing.engine.walk`): a spool filled with the first entries, joined with the part
    of another filled with the rest (pickled, as it crosses from a child), equals one spool filled with
    all of them: bytes, counts, size, the previews' candidates and their members. Records alike."""
    import pickle

    rng = random.Random(9)
    entries = [{"member": f"m-{i}", "segment": rng.choice("xyz"), "lang": rng.choice(["fr", "en"]),
                "variant": rng.choice("ab"), "jobs": ["J-é"] * rng.randint(0, 2)} for i in range(400)]
    # Rare keys late in the list: a key first seen in a later part is a preview there.
    entries[350]["segment"] = entries[399]["segment"] = "late"
    for previews in (0, 1, 3, 10):
        whole = Spool(previews)
        for entry in entries:
            whole.add(entry, {"who": entry["member"]})
        for cuts in ([0], [2], [5, 9], [200], [120, 351], [400]):
            bounds = [0, *cuts, len(entries)]
            spools = []
            for start, stop in zip(bounds, bounds[1:]):
                spool = Spool(previews)
                for entry in entries[start:stop]:
                    spool.add(entry, lambda entry=entry: {"who": entry["member"]})
                spools.append(spool)
            joined = spools[0]
            for other in spools[1:]:
                joined.join(pickle.loads(pickle.dumps(other.part())))
            assert b"".join(joined.chunks()) == b"".join(whole.chunks()), (previews, cuts)
            assert (len(joined), joined.size, joined.keys) == (len(whole), whole.size, whole.keys)
            assert list(joined.keys) == list(whole.keys)  # in the order first seen
            assert joined.preview_candidates() == whole.preview_candidates(), (previews, cuts)
            assert joined.members == whole.members
            assert preview_entries(joined.preview_candidates(), previews) == preview_entries(entries, previews)
    records, first, second = Records(), Records(), Records()
    for i, entry in enumerate(entries):
        records.append((entry["member"], i))
        (first if i < 123 else second).append((entry["member"], i))
    first.join(pickle.loads(pickle.dumps(second.part())))
    empty = Records()
    empty.join(Records().part())
    assert list(first) == list(records) and len(first) == len(records) and not empty


def test_a_spool_opened_before_a_fork_is_not_written_by_the_child():
    """After a fork both processes hold the same open temporary file at one offset: the child refuses to
    write into its parent's spool (a walk in parts starts with empty spools), and the parent's is intact."""
    import os

    spool, records = Spool(), Records()
    spool.add({"member": "m-1", "segment": "x", "lang": "fr", "variant": "a"})
    records.append(("m-1",))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: both must refuse; a fresh spool works
        refused = 0
        for attempt in (lambda: spool.add({"member": "m-2"}), lambda: records.append(("m-2",))):
            try:
                attempt()
            except RuntimeError:
                refused += 1
        fresh = Spool()
        fresh.add({"member": "m-3"})
        os.write(write, bytes([refused, len(fresh)]))
        os._exit(0)
    os.close(write)
    answer = os.read(read, 2)
    os.waitpid(pid, 0)
    os.close(read)
    assert answer == bytes([2, 1])
    spool.add({"member": "m-4", "segment": "x", "lang": "fr", "variant": "a"})
    assert [entry["member"] for entry in spool] == ["m-1", "m-4"] and list(records) == [("m-1",)]


def test_the_spools_encoder_writes_what_json_dumps_writes():
    """`Spool` and `Records` encode with one `JSONEncoder(ensure_ascii=False)` made once: json.dumps' text."""
    from mailing.plan.spool import _to_json

    values = [{"member": "m-1", "segment": "data-lyon", "lang": "fr", "variant": "a", "jobs": ["J-é", "J\u2028"],
               "scores": [0.1 + 0.2, 1e-7, 3.0, 12]},
              ["paused", "m-2"], ["m-3", "seg", "en", None, True, False], {"é": "\\\"\n\t\x00", "𝄞": []}, [], {}]
    for value in values:
        assert _to_json(value) == json.dumps(value, ensure_ascii=False)
    with pytest.raises(TypeError):
        _to_json({"at": dt.date(2026, 1, 1)})


def test_spools_and_records_read_back_what_json_loads_reads():
    """Lines are read back with json's scanner on the UTF-8 text (`spool._from_json`): json.loads' values,
    for what the spools write and for anything else (spaces, two values, bad JSON, a byte-order mark)."""
    from mailing.plan.spool import _from_json

    values = [{"member": "m-1", "jobs": ["J-é", "\u2028", "𝄞"], "scores": [0.30000000000000004, 1e-07, 3.0]},
              ["paused", "m-2"], [None, True, False, 12], "é", 1.5, {}, []]
    records = Records()
    for value in values:
        records.append(value if isinstance(value, list) else [value])
    assert list(records) == [tuple(v) if isinstance(v, list) else (v,) for v in values]
    for line in [json.dumps(v, ensure_ascii=False).encode() for v in values] + [b' ["a"]', b'["a"] ', b'\n1\n', "\ufeff[]".encode()]:
        assert _from_json(line) == json.loads(line)
    for line in (b'["a"', b"", b"nope", b"1 2", b"\xff"):
        with pytest.raises(ValueError) as caught:
            json.loads(line)
        with pytest.raises(type(caught.value)):
            _from_json(line)
