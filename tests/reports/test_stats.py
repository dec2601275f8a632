"""Wilson intervals, Fisher's exact test and the k-threshold, against published values."""

from __future__ import annotations

import pytest

from mailing.reports.ab import ab_tests
from mailing.reports.stats import Masked, fisher_exact, group_sizes, plain, shown, suppress_complement, wilson

OPTIONS = {"MAILING_REPORTS_MIN_GROUP": 10, "MAILING_REPORTS_MIN_SAMPLE": 100, "MAILING_REPORTS_ALPHA": 0.05}


def test_wilson_interval_matches_published_values():
    # Newcombe (1998), Statistics in Medicine 17: 81/263 -> 0.2553 to 0.3662; 0/10 -> 0 to 0.2775
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-5)
    assert wilson(0, 0) == (0.0, 0.0)


def test_the_wilson_interval_always_holds_the_observed_rate_exactly():
    for n in range(1, 400):
        for successes in (0, 1, n // 2, n - 1, n):
            low, high = wilson(successes, n)
            assert low <= successes / n <= high, (successes, n, low, high)
    assert wilson(0, 13)[0] == 0.0 and wilson(13, 13)[1] == 1.0


def test_fisher_exact_matches_published_values():
    assert fisher_exact(3, 1, 1, 3) == pytest.approx(0.4857, abs=1e-4)  # Fisher's tea tasting
    assert fisher_exact(1, 9, 11, 3) == pytest.approx(0.002759, abs=1e-6)  # the textbook 2×2 example
    assert fisher_exact(5, 5, 5, 5) == pytest.approx(1.0)


def test_small_groups_and_their_complement_are_hidden():
    assert shown(7, 9, 10) == Masked(10) and str(Masked(10)) == "< 10"
    assert shown(7, 10, 10) == 7
    assert suppress_complement({"a": 4, "b": 30, "c": 12}, 10) == {"a", "c"}  # c hidden too: total - b - c would give a
    assert suppress_complement({"a": 4, "b": 3, "c": 12}, 10) == {"a", "b"}
    assert plain(group_sizes({"x": 3, "y": 50, "z": 60}, 10)) == {"x": "< 10", "y": "< 10", "z": 60}


def _variants(sizes: dict[str, int], hits: dict[str, int]):
    variants, replied = {}, set()
    for name, size in sizes.items():
        members = [f"{name}-{i}" for i in range(size)]
        variants[name] = members
        replied |= set(members[: hits[name]])
    return variants, {"replied": replied, "applied": set(), "unsubscribed": set()}


def test_a_verdict_only_when_large_enough_and_significant():
    variants, outcomes = _variants({"a": 400, "b": 400}, {"a": 8, "b": 30})
    replied = next(t for t in ab_tests(variants, outcomes, OPTIONS) if t["outcome"] == "replied")
    verdict = replied["verdicts"][0]
    assert verdict["winner"] == "b" and verdict["verdict"] == "b does better than a"
    assert verdict["p"] == pytest.approx(fisher_exact(8, 392, 30, 370))
    assert [row["rate"] for row in replied["variants"]] == [8 / 400, 30 / 400]
    # the same rates on 50 members each: no verdict
    variants, outcomes = _variants({"a": 50, "b": 50}, {"a": 1, "b": 4})
    replied = next(t for t in ab_tests(variants, outcomes, OPTIONS) if t["outcome"] == "replied")
    assert replied["verdicts"][0]["verdict"].startswith("not enough data")
    # large but alike: no clear difference
    variants, outcomes = _variants({"a": 300, "b": 300}, {"a": 10, "b": 12})
    replied = next(t for t in ab_tests(variants, outcomes, OPTIONS) if t["outcome"] == "replied")
    assert replied["verdicts"][0]["verdict"] == "no clear difference"


def test_three_variants_are_compared_with_the_first_at_a_corrected_level():
    variants, outcomes = _variants({"a": 200, "b": 200, "c": 200}, {"a": 5, "b": 6, "c": 25})
    replied = next(t for t in ab_tests(variants, outcomes, OPTIONS) if t["outcome"] == "replied")
    assert replied["alpha"] == pytest.approx(0.025)
    assert [(v["variant"], v["winner"]) for v in replied["verdicts"]] == [("b", None), ("c", "c")]


def test_a_variant_under_k_shows_no_figure():
    variants, outcomes = _variants({"a": 9, "b": 200}, {"a": 1, "b": 6})
    replied = next(t for t in ab_tests(variants, outcomes, OPTIONS) if t["outcome"] == "replied")
    for row in replied["variants"]:  # b too: the plan's total minus b would give a
        assert {row[key] for key in ("n", "count", "rate", "low", "high")} == {Masked(10)}
    variants, outcomes = _variants({"a": 9, "b": 200, "c": 150}, {"a": 1, "b": 6, "c": 2})
    replied = next(t for t in ab_tests(variants, outcomes, OPTIONS) if t["outcome"] == "replied")
    assert [row["n"] for row in replied["variants"]] == [Masked(10), 200, Masked(10)]
    assert "< 10" in replied["verdicts"][0]["verdict"]


def test_for_unsubscribes_the_lower_rate_wins():
    variants = {"a": [f"a-{i}" for i in range(300)], "b": [f"b-{i}" for i in range(300)]}
    outcomes = {"replied": set(), "applied": set(), "unsubscribed": set(variants["a"][:30]) | set(variants["b"][:5])}
    test = next(t for t in ab_tests(variants, outcomes, OPTIONS) if t["outcome"] == "unsubscribed")
    assert test["lower_is_better"] and test["verdicts"][0]["winner"] == "b"
