"""Compiled `all` / `any` rules are chained tests (`segments._all_of`, `_any_of`): the answers of Python's all() and any().

First the combinators alone, on parts answering truthy and falsy values of
every kind, for every count of parts and every pattern of answers: the same
answer (True or False) and the same parts called, in the same order. Then
whole rules (every rule of test_audience_fast, and nested all/any of one to
five parts with `not` and includes) compiled, against a plain reading of the
rule tree with all() and any() over the compiled conditions, on varied members.
"""

from __future__ import annotations

import itertools
import random

from talentpool.segments import _all_of, _any_of, compile_segments, member_view, parse_segment
from tests.talentpool.conftest import DAY
from tests.talentpool.test_audience_fast import RULES, _member, _segments

ANSWERS = (True, False, 1, 0, "x", "", [0], [], None)


def test_chained_tests_answer_and_call_as_all_and_any():
    for count in range(1, 7):
        for pattern in itertools.product(ANSWERS, repeat=count) if count <= 3 else \
                itertools.product((True, False, "", [0]), repeat=count):
            for chained, builtin in ((_all_of, all), (_any_of, any)):
                called, expected_calls = [], []

                def part(i, log):
                    return lambda view, today: log.append(i) or pattern[i]
                answer = chained([part(i, called) for i in range(count)])({}, DAY)
                expected = builtin(part(i, expected_calls)({}, DAY) for i in range(count))
                assert answer is expected and called == expected_calls, (chained, pattern)


def _plain(rule, segments, view):
    """The rule read as written: all()/any() over its parts, each condition compiled alone."""
    if "field" in rule:
        return _condition(rule)(view, DAY)
    (key, value), = rule.items()
    if key == "all":
        return all(_plain(sub, segments, view) for sub in value)
    if key == "any":
        return any(_plain(sub, segments, view) for sub in value)
    if key == "not":
        return not _plain(value, segments, view)
    return _plain(segments[value].rule, segments, view)


_CONDITIONS: dict = {}


def _condition(rule):
    key = repr(sorted(rule.items()))
    if key not in _CONDITIONS:
        segment, problems = parse_segment({"name": "alone", "description": "One condition.", "rule": rule})
        assert not problems
        _CONDITIONS[key] = compile_segments({"alone": segment})["alone"].predicate
    return _CONDITIONS[key]


def test_compiled_rules_answer_as_the_rules_read_plainly():
    rng = random.Random(4)
    leaves = [rule for rule in RULES if "field" in rule]
    rules = list(RULES)
    for _ in range(150):
        def tree(depth):
            if depth == 0 or rng.random() < 0.3:
                leaf = rng.choice(leaves)
                return {"not": leaf} if rng.random() < 0.2 else leaf
            return {rng.choice(["all", "any"]): [tree(depth - 1) for _ in range(rng.randint(1, 5))]}
        rules.append(tree(3))
    found = {}
    for i, rule in enumerate(rules):
        segment, problems = parse_segment({"name": f"t{i}", "description": f"Rule {i}.", "rule": rule})
        assert not problems
        found[segment.name] = segment
    found.update({name: segment for name, segment in _segments().items() if name not in found})
    segments = compile_segments(found)
    views = [member_view(_member(i, rng, DAY)) for i in range(250)]
    for i in range(len(rules)):
        segment = segments[f"t{i}"]
        answers = [segment.predicate(view, DAY) for view in views]
        assert answers == [_plain(segment.rule, segments, view) for view in views], segment.rule
        assert all(type(answer) is bool for answer in answers)
