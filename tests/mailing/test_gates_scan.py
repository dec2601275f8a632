"""The gates remember what they found in each piece, yet a bad filled card is still reported in every variant."""

from __future__ import annotations

import copy

from mailing import gates

from tests.mailing.fixtures import compiled_sample


def _with_bad_card(compiled, url="http://carrieres.cardamome.example/emplois/x/"):
    """A copy of the variant whose second filled card links over plain http."""
    bad = copy.deepcopy(compiled)
    card = bad.html.regions["matched"].items[1]
    card[0] = card[0].replace('href="https://', f'href="{url}" data-x="https://', 1)
    assert url in card[0]
    return bad


def test_cached_pieces_give_the_same_problems_every_time():
    compiled, s = compiled_sample()
    assert gates.check(compiled, s) == [] == gates.check(compiled, s)
    bad = _with_bad_card(compiled)
    expected = "href 'http://carrieres.cardamome.example/emplois/x/' is not an absolute https:// link"
    for _ in range(2):  # the second time from the remembered pieces
        assert any(expected in p for p in gates.check(bad, s))
    assert gates.check(compiled, s) == []  # the good cards were never mixed with the bad one


def test_a_bad_card_shared_by_two_variants_is_reported_in_both():
    compiled, s = compiled_sample(segment="data-lyon")
    other, _ = compiled_sample(segment="data-lyon", variant="b")
    bad_card = _with_bad_card(compiled).html.regions["matched"].items[1]
    for variant in (compiled, other):
        variant = copy.deepcopy(variant)
        variant.html.regions["matched"].items[1] = list(bad_card)
        assert any("is not an absolute https:// link" in p for p in gates.check(variant, s))


def test_the_remembered_pieces_stay_bounded(monkeypatch):
    compiled, s = compiled_sample()
    monkeypatch.setattr(gates, "_SCANS_MAX", 3)
    gates._SCANS.clear()
    assert gates.check(compiled, s) == []
    assert len(gates._SCANS) <= 3
