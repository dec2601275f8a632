"""The gates remember what they found in each piece, yet a bad filled card is still reported in every variant."""

from __future__ import annotations

import copy

from mailing import gates

from tests.mailing.fixtures import compiled_sample, plain_cards


def _with_bad_card(compiled, url="http://carrieres.cardamome.example/emplois/x/"):
    """A copy of the variant whose second filled card links over plain http."""
    bad = plain_cards(copy.deepcopy(compiled))
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
        variant = plain_cards(copy.deepcopy(variant))
        variant.html.regions["matched"].items[1] = list(bad_card)
        assert any("is not an absolute https:// link" in p for p in gates.check(variant, s))


def test_the_remembered_pieces_stay_bounded(monkeypatch):
    compiled, s = compiled_sample()
    monkeypatch.setattr(gates, "_SCANS_MAX", 3)
    gates._SCANS.clear()
    assert gates.check(compiled, s) == []
    assert len(gates._SCANS) <= 3


def _scan_text_fully(text: str) -> gates._Scan:
    """Every pattern over the whole text: what `gates._scan_text` must find."""
    return gates._Scan(
        tuple(gates._IMG.findall(text)), tuple(gates._links(text)), tuple(gates._TEXT_URL.findall(text)),
        tuple(gates.PLACEHOLDER_RE.findall(text)), bool(gates._MJML_LEFT.search(text)), "\r" in text,
    )


def test_the_quick_scan_finds_what_every_pattern_over_the_whole_text_finds():
    """`_scan_text` skips a pattern when its fixed part is absent; it must never miss a finding."""
    compiled, _ = compiled_sample()
    texts = [compiled.html.skeleton(), compiled.text.skeleton()]
    for rendered in (compiled.html, compiled.text):
        for region in rendered.regions.values():
            texts += ["".join(region.prefix), "".join(region.suffix)] + ["".join(item) for item in region.items]
    texts += [
        '<IMG SRC="https://x.example/a.png">', "<Img alt='' src=\"https://x.example/b.svg\">",
        '<a HREF = "http://x.example/">x</a>', "<p>no link</p>", "see https://x.example/ and ftp://y.example/f",
        "%%VIVIER:first_name%% and %%VIVIER:Bad%%", '<mj-text>left</mj-text>', '<style inline="inline">',
        "line\r\nbreak", "plain text, no tag", "", "a=b src", "<a\thref='https://x.example/?a=1&amp;b=2'>",
        '<a ſrc="http://x.example/">é</a>', '<İmg alt="" src="https://x.example/c.png">', "<a hreſ='x'>",
    ]
    assert len(texts) > 20
    for text in texts:
        full = _scan_text_fully(text)
        assert gates._scan_text(text) == full, text
        for part, fields in (("html", gates.HTML_FIELDS), ("text", gates.TEXT_FIELDS)):
            scan = gates._scan_text(text, part)
            assert [getattr(scan, f) for f in fields] == [getattr(full, f) for f in fields], (part, text)


def test_the_gates_find_the_same_problems_with_part_scans_as_with_full_scans(monkeypatch):
    """`_check` reads only HTML_FIELDS of the HTML part and TEXT_FIELDS of the text part."""
    compiled, s = compiled_sample()
    bad = _with_bad_card(compiled)
    text_card = bad.text.regions["matched"].items[0]
    text_card[0] = "ftp://x.example/ %%VIVIER:nope%% " + text_card[0]
    html_card = bad.html.regions["matched"].items[0]
    html_card[0] = '<img src="https://x.example/a.svg"><mj-text>' + html_card[0]
    found = {}
    for mode in ("part", "full"):
        if mode == "full":
            monkeypatch.setattr(gates, "_scan_text", lambda text, part=None: _scan_text_fully(text))
        gates._SCANS.clear()
        found[mode] = [gates._check(variant, s) for variant in (compiled, bad)]
    assert found["part"] == found["full"]
    assert found["part"][0] == [] and len(found["part"][1]) >= 4


def _compiled_with(candidates):
    from mailing.pipeline import compile_variant
    from mailing.views import build_view

    from tests.mailing import fixtures

    s, t = fixtures.settings(), fixtures.theme()
    items = {"jobs": candidates[:1], "articles": [], "events": [], "ambassador": None, "candidates": candidates}
    view = build_view(s, fixtures.campaign(), "data-lyon", "a", items, t.strings("fr"))
    return compile_variant(t, view), s


def test_a_list_of_filled_cards_read_as_one_scan_gives_the_problems_card_by_card_gives(monkeypatch):
    """`_scan_cards`: the variants sharing a list of cards read one scan of it; the problems are the same,
    in the same order, as scanning each card (the plain lists' way), good cards or odd ones."""
    from mailing.cards import FilledCards

    from tests.mailing.fixtures import JOBS, job

    odd = [job("CC-7", "Data %%VIVIER:nope%% engineer"), job("CC-8", "Analyste\rBI", cities=("Lille",)),
           job("CC-9", "Voir https://x.example/ ou ftp://y.example/", must=("SQL",))]
    for candidates in (JOBS, JOBS + odd):
        compiled, s = _compiled_with(candidates)
        assert type(compiled.html.regions["matched"].items) is FilledCards
        gates._CARD_SCANS.clear()
        scanned = []
        scan_text = gates._scan_text
        monkeypatch.setattr(gates, "_scan_text", lambda text, part=None: scanned.append(part) or scan_text(text, part))
        as_one = gates._check(compiled, s)
        first = len(scanned)
        assert gates._check(compiled, s) == as_one
        cards = len(compiled.html.regions["matched"].items) + len(compiled.text.regions["matched"].items)
        assert len(scanned) - first == first - cards  # the second check scans every piece but the cards
        monkeypatch.setattr(gates, "_scan_text", scan_text)
        gates._SCANS.clear()
        card_by_card = gates._check(plain_cards(copy.deepcopy(compiled)), s)
        assert as_one == card_by_card
        if candidates is not JOBS:
            assert any("%%VIVIER:nope%%" in p for p in as_one) and any("ftp://y.example/" in p for p in as_one)
            assert any("carriage returns" in p for p in as_one)
