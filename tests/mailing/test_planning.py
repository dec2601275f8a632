"""A/B assignment, holdout, language fallback and the 'nothing relevant' rule of a plan."""

from __future__ import annotations

from types import SimpleNamespace

from mailing.kinds.newsletter.planning import assign_variant
from mailing.kinds.newsletter.planning import build_plan
from tests.mailing.fixtures import compiled_sample, member


def test_assignment_is_stable_and_balanced():
    ids = [f"m-{i:04d}" for i in range(4000)]
    first = [assign_variant("camp", i, ["a", "b"]) for i in ids]
    assert first == [assign_variant("camp", i, ["a", "b"]) for i in ids]  # same on every rebuild
    assert 1800 < first.count("a") < 2200
    other = [assign_variant("other-camp", i, ["a", "b"]) for i in ids]
    assert other != first  # depends on the campaign too
    with_holdout = [assign_variant("camp", i, ["a", "b"], 10) for i in ids]
    assert 300 < with_holdout.count(None) < 500
    # Members outside the holdout keep a variant; the holdout never changes variant names.
    assert set(with_holdout) == {"a", "b", None}
    assert assign_variant("camp", "m-1", ["a"]) == "a"


def test_plan_applies_language_fallback_and_skip_rule():
    compiled = {}
    for lang in ("fr", "en"):
        variant, _ = compiled_sample(lang=lang)
        compiled[("data-lyon", lang, "a")] = variant
    pythonista = member(id="m-1", language="en", skills=["python"])
    nobody = member(id="m-2", language="fr", skills=["cobol"], departments=[])
    german = member(id="m-3", language="de", skills=["sql"])
    audience = SimpleNamespace(eligible=[(pythonista, "data-lyon"), (nobody, "data-lyon"), (german, "data-lyon")],
                               excluded={"no_consent": [member(id="m-4")]})
    plan = build_plan("camp", audience, compiled, ["fr", "en"], "fr", ["a"], 0, 3, "skip")
    assert [(e.member_id, e.lang) for e in plan.entries] == [("m-1", "en"), ("m-3", "fr")]
    assert plan.excluded["nothing_relevant"] == ["m-2"]
    assert plan.excluded["no_consent"] == ["m-4"]
    assert plan.entries[0].to_json()["jobs"][0] in {"CC-1", "CC-2"}
    assert "email" not in str(plan.entries[0].to_json())
    general = build_plan("camp", audience, compiled, ["fr", "en"], "fr", ["a"], 0, 3, "general")
    assert [e.member_id for e in general.entries] == ["m-1", "m-2", "m-3"]
    assert general.entries[1].matches == []
