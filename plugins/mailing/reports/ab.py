"""A/B verdicts: per-variant rates with Wilson intervals, and Fisher's exact test against the first variant.

A verdict is given only when every variant has at least
MAILING_REPORTS_MIN_SAMPLE members sent; with more than two variants each is
compared with the first one at a Bonferroni-corrected level (alpha divided by
the number of comparisons). A variant under k members shows no figure.
"""

from __future__ import annotations

from .stats import fisher_exact, shown, suppress_complement, wilson

# For these outcomes a lower rate is the better one.
LOWER_IS_BETTER = {"unsubscribed"}
TESTED = ("replied", "applied", "unsubscribed")


def _verdict(outcome: str, base: str, other: str, a: tuple[int, int], b: tuple[int, int], alpha: float) -> dict:
    (xa, na), (xb, nb) = a, b
    p = fisher_exact(xa, na - xa, xb, nb - xb)
    if p >= alpha:
        return {"against": base, "p": p, "verdict": "no clear difference", "winner": None}
    better = (xb / nb < xa / na) if outcome in LOWER_IS_BETTER else (xb / nb > xa / na)
    winner = other if better else base
    return {"against": base, "p": p, "winner": winner,
            "verdict": f"{winner} does better than {base if winner == other else other}"}


def ab_tests(variants: dict[str, list[str]], outcomes: dict[str, set[str]], options: dict) -> list[dict]:
    """One entry per outcome: each variant's n, count, rate and interval, and the verdicts."""
    k, minimum, alpha = options["MAILING_REPORTS_MIN_GROUP"], options["MAILING_REPORTS_MIN_SAMPLE"], options["MAILING_REPORTS_ALPHA"]
    names = sorted(variants)
    comparisons = max(1, len(names) - 1)
    level = alpha / comparisons
    # the plan's totals are shown: one small variant would be got back by subtraction, so hide its complement too
    hidden = suppress_complement({name: len(set(members)) for name, members in variants.items()}, k)
    results = []
    for outcome in TESTED:
        rows, counts = [], {}
        for name in names:
            members = set(variants[name])
            n, x = len(members), len(members & outcomes.get(outcome, set()))
            counts[name] = (x, n)
            low, high = wilson(x, n)
            size = 0 if name in hidden else n
            rows.append({"variant": name, "n": shown(n, size, k), "count": shown(x, size, k),
                         "rate": shown(x / n if n else 0.0, size, k), "low": shown(low, size, k), "high": shown(high, size, k)})
        smallest = min(n for _x, n in counts.values())
        if smallest < minimum:
            verdicts = [{"against": names[0], "p": None, "winner": None,
                         "verdict": f"not enough data: {minimum} members per variant needed, the smallest has "
                                    f"{smallest if smallest >= k else f'< {k}'}"}]
        else:
            verdicts = [dict(_verdict(outcome, names[0], name, counts[names[0]], counts[name], level), variant=name)
                        for name in names[1:]]
        results.append({"outcome": outcome, "alpha": level, "variants": rows, "verdicts": verdicts,
                        "lower_is_better": outcome in LOWER_IS_BETTER})
    return results
