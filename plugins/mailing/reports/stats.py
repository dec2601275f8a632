"""Rates with Wilson intervals, Fisher's exact test, and the k-threshold that hides small groups.

Fisher's exact test rather than the two-proportion z-test: the outcomes we
count (a reply, an application, an unsubscribe) are rare, often a handful per
variant, where the z-test's normal approximation is wrong; Fisher's test is
exact at any size and needs nothing beyond the standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval (95 % by default) of a proportion; (0, 0) when n is 0."""
    if n <= 0:
        return (0.0, 0.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # The interval always holds the observed rate: at 0 and at 1 its bound is that rate exactly (the float
    # arithmetic above leaves 1e-17 of it, which printed an interval that excluded a rate of 0).
    return (min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half)))


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of Fisher's exact test on the 2×2 table [[a, b], [c, d]].

    Sums the probabilities of every table with the same margins that is no
    more likely than the one observed (the usual two-sided definition).
    """
    row1, row2, col1, n = a + b, c + d, a + c, a + b + c + d
    if n == 0:
        return 1.0
    total = math.comb(n, col1)

    def probability(x: int) -> float:
        return math.comb(row1, x) * math.comb(row2, col1 - x) / total

    observed = probability(a)
    low, high = max(0, col1 - row2), min(row1, col1)
    p = sum(q for q in (probability(x) for x in range(low, high + 1)) if q <= observed * (1 + 1e-7))
    return min(1.0, p)


@dataclass(frozen=True)
class Masked:
    """A figure withheld because its group is smaller than k."""

    k: int

    def __str__(self) -> str:
        return f"< {self.k}"


def shown(value, group_size: int, k: int):
    """`value`, or Masked(k) when its group has fewer than k members."""
    return Masked(k) if group_size < k else value


def plain(value):
    """A figure for JSON: masked figures become the text "< k"."""
    if isinstance(value, Masked):
        return str(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def suppress_complement(sizes: dict[str, int], k: int) -> set[str]:
    """Groups to hide in one breakdown whose total is shown: those under k and, when exactly
    one is, also the next smallest, so that the hidden one cannot be got back by subtraction."""
    hidden = {name for name, size in sizes.items() if size < k}
    if len(hidden) == 1:
        others = sorted((size, name) for name, size in sizes.items() if name not in hidden)
        if others:
            hidden.add(others[0][1])
    return hidden


def group_sizes(counts: dict[str, int], k: int) -> dict:
    """The sizes of one breakdown's groups, those under k (and their complement) hidden."""
    hidden = suppress_complement(dict(counts), k)
    return {name: shown(n, 0 if name in hidden else n, k) for name, n in sorted(counts.items())}
