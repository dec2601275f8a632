"""Sequence files: the sample ones load; every mistake is reported with file, key, line and a fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mailing.kinds.follow_up.rules import Duration
from mailing.kinds.follow_up.rules import SequenceError
from mailing.kinds.follow_up.rules import load_sequences
from mailing.kinds.follow_up.rules import parse_duration
from mailing.kinds.follow_up.due import next_step
from talentpool.segments import load_segments

ROOT = Path(__file__).resolve().parents[2]
SEGMENTS = load_segments(ROOT / "audiences" / "segments")


def test_the_sample_sequences_cover_every_trigger():
    sequences = load_sequences(ROOT / "audiences" / "sequences", SEGMENTS)
    triggers = {(s.trigger.type, s.trigger.stage or s.trigger.date_field) for s in sequences.values()}
    assert {("stage", "hired_elsewhere"), ("stage", "silver_medalist"), ("date", "created"), ("retention_end", None)} <= triggers
    assert all(step.body["fr"] and step.body["en"] for s in sequences.values() for step in s.steps)
    assert sequences["finalistes"].steps[0].every == Duration(90, "days")


@pytest.mark.parametrize("text, expected", [
    ("6 months", Duration(6, "months")), ("90 days", Duration(90, "days")), ("2 semaines", Duration(2, "weeks")),
    ("1 an", Duration(1, "years")), ("3 mois", Duration(3, "months")), (0, Duration(0, "days")), ("soon", None),
])
def test_durations(text, expected):
    assert parse_duration(text) == expected


def test_months_clamp_to_the_end_of_the_month():
    assert Duration(6, "months").add(dt.date(2026, 8, 31)) == dt.date(2027, 2, 28)
    assert Duration(30, "days").add(dt.date(2027, 3, 1), -1) == dt.date(2027, 1, 30)


BROKEN = """name: Relance Finalistes
description: ""
kind: folow_up
trigger:
  stage: silver_medallist
audience: {field: skils, contains_any: [python]}
exit:
  applied: {segment: junniors}
steps:
  - id: first
    after: bientôt
    subject: {fr: "Bonjour"}
    preheader: {fr: "x", en: "y"}
    body: {fr: "Texte", en: "Text"}
    tempalte: followup
"""


def test_every_problem_is_reported_with_file_key_and_line(tmp_path):
    (tmp_path / "broken.yml").write_text(BROKEN, encoding="utf-8")
    with pytest.raises(SequenceError) as caught:
        load_sequences(tmp_path, SEGMENTS, kinds=("newsletter", "follow_up"))
    found = {(Path(path).name, key, line) for path, key, _message, line in caught.value.problems}
    messages = " | ".join(message for *_, message, _line in caught.value.problems)
    assert ("broken.yml", "name", 1) in found
    assert ("broken.yml", "description", 2) in found
    assert ("broken.yml", "kind", 3) in found and "did you mean 'follow_up'" in messages
    assert ("broken.yml", "trigger.stage", 5) in found and "did you mean 'silver_medalist'" in messages
    assert ("broken.yml", "steps[0].after", 11) in found and "'90 days'" in messages
    assert ("broken.yml", "steps[0].subject", 12) in found and "en text is missing" in messages
    assert ("broken.yml", "steps[0].tempalte", 15) in found and "did you mean 'template'" in messages


def test_rule_problems_name_the_sequence_key(tmp_path):
    text = BROKEN.replace("name: Relance Finalistes", "name: relance").replace('description: ""', "description: Relance.")
    text = text.replace("kind: folow_up", "kind: follow_up").replace("silver_medallist", "silver_medalist")
    text = text.replace("after: bientôt", "after: 90 days").replace('subject: {fr: "Bonjour"}', 'subject: {fr: "Bonjour", en: "Hello"}')
    text = text.replace("    tempalte: followup\n", "")
    (tmp_path / "rules.yml").write_text(text, encoding="utf-8")
    with pytest.raises(SequenceError) as caught:
        load_sequences(tmp_path, SEGMENTS)
    found = {(key, line): message for _path, key, message, line in caught.value.problems}
    assert any(key == "audience.field" and line == 6 and "did you mean 'skills'" in m for (key, line), m in found.items())
    assert any(key == "exit.applied.segment" and line == 8 and "did you mean 'juniors'" in m for (key, line), m in found.items())


def test_a_repeating_step_is_due_once_per_occurrence_and_missed_when_too_late():
    sequence = load_sequences(ROOT / "audiences" / "sequences", SEGMENTS)["finalistes"]
    anchor = dt.date(2026, 1, 1)
    assert next_step(sequence, anchor, set(), dt.date(2026, 3, 31))[0] == "not_yet"
    status, step, occurrence, due = next_step(sequence, anchor, set(), dt.date(2026, 4, 1))
    assert (status, occurrence, due) == ("due", 0, dt.date(2026, 4, 1))
    assert next_step(sequence, anchor, {("nouvelles", 0)}, dt.date(2026, 4, 2))[:3:2] == ("not_yet", 1)
    status, _, occurrence, due = next_step(sequence, anchor, set(), dt.date(2026, 6, 1))  # 61 days late: missed
    assert (status, occurrence, due) == ("missed", 1, dt.date(2026, 6, 30))
