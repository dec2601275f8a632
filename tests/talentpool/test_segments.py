"""The segment rule language: every operator, combinators, includes, and validation errors."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from talentpool.segments import Segment, SegmentError, compile_segments, load_segments
from tests.talentpool.conftest import DAY, make_member


def rule_matches(rule, member, today=DAY, others=None) -> bool:
    segments = {"s": Segment("s", "test", rule)}
    for name, other in (others or {}).items():
        segments[name] = Segment(name, "included", other)
    return compile_segments(segments)["s"].matches(member, today)


@pytest.mark.parametrize("rule, expected", [
    ({"field": "stage", "equals": "sourced"}, True),
    ({"field": "stage", "equals": "hired"}, False),
    ({"field": "city", "equals": "  LYON "}, True),  # text compares trimmed, case-insensitively
    ({"field": "city", "in": ["Nantes", "lyon"]}, True),
    ({"field": "city", "in": ["Nantes", "Rezé"]}, False),
    ({"field": "skills", "contains_any": ["Java", "SQL"]}, True),
    ({"field": "skills", "contains_any": ["java", "go"]}, False),
    ({"field": "skills", "contains_all": ["python", "sql"]}, True),
    ({"field": "skills", "contains_all": ["python", "spark"]}, False),
    ({"field": "seniority", "greater_than": "junior"}, True),
    ({"field": "seniority", "greater_than": "confirmed"}, False),
    ({"field": "seniority", "less_than": "senior"}, True),
    ({"field": "seniority", "less_than": "confirmed"}, False),
    ({"field": "created", "greater_than": "2026-01-01"}, True),
    ({"field": "created", "less_than": "2026-01-01"}, False),
    ({"field": "last_contact", "before": "today"}, True),
    ({"field": "last_contact", "before": "2026-11-12"}, False),  # on the day is not before
    ({"field": "last_contact", "after": "2026-11-11"}, True),
    ({"field": "last_contact", "after": "2026-11-12"}, False),
    ({"field": "last_contact", "equals": "2026-11-12"}, True),
    ({"field": "last_contact", "within_days": 10}, True),
    ({"field": "last_contact", "within_days": 9}, False),
    ({"field": "created", "older_than_days": 199}, True),
    ({"field": "created", "older_than_days": 200}, False),
    ({"field": "unsubscribed", "older_than_days": 0}, False),  # no date never matches a date test
    ({"field": "unsubscribed", "exists": False}, True),
    ({"field": "tags", "exists": True}, False),
    ({"field": "consents", "contains_all": ["newsletter", "events"]}, True),
    ({"field": "consent.job_alerts", "within_days": 100}, True),
    ({"field": "language", "in": ["en"]}, False),
    ({"field": "source", "equals": "career_site"}, True),
])
def test_every_operator(rule, expected):
    assert rule_matches(rule, make_member()) is expected


def test_all_any_not_and_included_segments():
    member = make_member()
    lyon = {"field": "city", "in": ["Lyon"]}
    java = {"field": "skills", "contains_any": ["java"]}
    assert rule_matches({"all": [lyon, {"not": java}]}, member)
    assert not rule_matches({"all": [lyon, java]}, member)
    assert rule_matches({"any": [java, lyon]}, member)
    assert not rule_matches({"not": {"any": [java, lyon]}}, member)
    assert rule_matches({"all": [{"segment": "lyonnais"}, {"field": "stage", "equals": "sourced"}]}, member, others={"lyonnais": lyon})
    assert not rule_matches({"segment": "lyonnais"}, make_member(city="Nantes"), others={"lyonnais": lyon})


def test_withdrawn_or_unsubscribed_consents_do_not_count():
    rule = {"field": "consents", "contains_any": ["newsletter"]}
    assert not rule_matches(rule, make_member(unsubscribed=DAY))
    assert not rule_matches(rule, make_member(withdrawn={"newsletter": DAY}))
    assert rule_matches({"field": "consents", "contains_any": ["events"]}, make_member(withdrawn={"newsletter": DAY}))


def errors_of(tmp_path, files: dict[str, object]) -> list[str]:
    for name, data in files.items():
        (tmp_path / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SegmentError) as caught:
        load_segments(tmp_path)
    return caught.value.problems


def test_validation_names_file_rule_path_and_suggests(tmp_path):
    problems = errors_of(tmp_path, {"data.yml": {
        "name": "data", "description": "Data people.",
        "rule": {"all": [
            {"field": "city", "in": ["Lyon"]},
            {"field": "skils", "contains_any": ["python"]},
            {"field": "skills", "contains": ["python"]},
            {"not": {"field": "stage", "in": ["hird"]}},
            {"field": "city", "within_days": 3},
            {"field": "last_contact", "after": "yesterday"},
            {"field": "created", "older_than_days": "ninety"},
            {"segment": "junior"},
            {"field": "city", "in": ["Lyon"], "equals": "Lyon"},
            {"alll": []},
        ]},
    }, "juniors.yml": {"name": "juniors", "description": "Juniors.", "rule": {"field": "seniority", "less_than": "confirmed"}}})
    path = tmp_path / "data.yml"
    assert problems == [
        f"{path}: rule.all[1].field: unknown field 'skils' (did you mean 'skills'?); known fields: " + problems[0].split("known fields: ")[1],
        f"{path}: rule.all[2].contains: unknown operator 'contains' (did you mean 'contains_any'?); operators: "
        "equals, in, contains_any, contains_all, greater_than, less_than, before, after, within_days, older_than_days, exists",
        f"{path}: rule.all[3].not.in: unknown value 'hird' (did you mean 'hired'?); allowed: "
        "sourced, contacted, applied, interviewing, shortlisted, offer, hired, hired_elsewhere, rejected, silver_medalist",
        f"{path}: rule.all[4].within_days: operator 'within_days' does not apply to city (text); use one of equals, in, exists",
        f"{path}: rule.all[5].after: expected a date like 2026-01-31 or 'today', not 'yesterday'",
        f"{path}: rule.all[6].older_than_days: expected a whole number of days, like 90, not 'ninety'",
        f"{path}: rule.all[7].segment: unknown segment 'junior' (did you mean 'juniors'?)",
        f"{path}: rule.all[8]: a condition needs exactly one operator, found 2: equals, in; operators: "
        "equals, in, contains_any, contains_all, greater_than, less_than, before, after, within_days, older_than_days, exists",
        f"{path}: rule.all[9].alll: unknown rule 'alll' (did you mean 'all'?); a rule is one of all, any, not, segment, or a condition with field",
    ]


def test_file_level_problems_and_include_cycles(tmp_path):
    problems = errors_of(tmp_path, {
        "a.yml": {"name": "a", "description": "A.", "rule": {"segment": "b"}},
        "b.yml": {"name": "b", "description": "B.", "rule": {"not": {"segment": "a"}}},
        "c.yml": {"name": "Data Lyon", "rule": {"field": "city", "in": ["Lyon"]}, "owner": "rh"},
    })
    c = tmp_path / "c.yml"
    assert f"{c}: owner: unknown key; a segment has name, description, rule" in problems
    assert f"{c}: name: expected a lower-case name with dashes, like data-lyon, not 'Data Lyon'" in problems
    assert f"{c}: description: say in a sentence who is in this segment and what for" in problems
    problems = errors_of(tmp_path, {"c.yml": {"name": "c", "description": "C.", "rule": {"field": "city", "in": ["Lyon"]}}})
    assert problems == [f"{tmp_path / 'a.yml'}: rule: includes itself through a -> b -> a",
                        f"{tmp_path / 'b.yml'}: rule: includes itself through b -> a -> b"]


def test_duplicate_names_are_refused(tmp_path):
    problems = errors_of(tmp_path, {
        "one.yml": {"name": "same", "description": "One.", "rule": {"field": "city", "in": ["Lyon"]}},
        "two.yml": {"name": "same", "description": "Two.", "rule": {"field": "city", "in": ["Nantes"]}},
    })
    assert problems == [f"{tmp_path / 'two.yml'}: name: 'same' is already defined in {tmp_path / 'one.yml'}"]


def test_the_project_segments_load_and_mean_what_they_say(segments):
    assert {"data-lyon", "cloud-devops", "juniors", "silver-medalists", "english-speakers", "nantes", "all-newsletter"} <= set(segments)
    for segment in segments.values():
        assert len(segment.description) > 40, segment.name
    lyon_data = make_member(skills=["SQL"], city="Villeurbanne")
    assert segments["data-lyon"].matches(lyon_data, DAY)
    assert not segments["data-lyon"].matches(make_member(stage="hired"), DAY)
    assert not segments["data-lyon"].matches(make_member(city="Nantes"), DAY)
    assert segments["cloud-devops"].matches(make_member(skills=["Terraform"], departments=["dev"]), DAY)
    assert segments["juniors"].matches(make_member(seniority="student"), DAY)
    assert segments["juniors"].matches(make_member(seniority="senior", source="school"), DAY)
    assert not segments["juniors"].matches(make_member(), DAY)
    recent_finalist = make_member(stage="rejected", tags=["finaliste"], stage_changed=DAY - dt.timedelta(days=30))
    assert segments["silver-medalists"].matches(recent_finalist, DAY)
    assert not segments["silver-medalists"].matches(make_member(stage="rejected", tags=["finaliste"], stage_changed=DAY - dt.timedelta(days=400)), DAY)
    assert segments["english-speakers"].matches(make_member(language="en"), DAY)
    assert segments["nantes"].matches(make_member(city="Rezé"), DAY)
    assert segments["all-newsletter"].matches(make_member(consents={}), DAY)
