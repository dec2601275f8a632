"""Job cards filled when first read (mailing/cards.py `FilledCards`) against cards filled at once.

A rebuild whose cards did not change must fill none: the gates' answer and
the outbox's file are found under a digest of what makes the cards. These
tests check the three things that must hold for that to be safe: the cards
read are those filling at once gives (and every consumer, from the outbox's
JSON to a member's email, sees the same bytes); the digest changes with each
input that changes a card; and with nothing changed nothing is filled.
"""

from __future__ import annotations

import copy
import json

from markupsafe import Markup

from mailing import cards, gates
from mailing.cards import FilledCards
from mailing.matching import MemberProfile, score
from mailing.personalise import member_values, render
from mailing.pipeline import compile_variant
from mailing.plan.compiled import CompiledEncoder
from tests.mailing.fixtures import member, plain_cards, settings, theme
from tests.mailing.test_card_prototypes import many_jobs, tricky_jobs, view_for
from tests.mailing.test_compiled_kept import Encodings, json_files, write
from tests.mailing.test_mail_memo import cached_settings
from tests.mailing.test_mail_rebuild_fast import _variants


class Fills:
    """Counts the cards really filled (`cards._Filler.fill`)."""

    def __init__(self, monkeypatch):
        self.calls = 0
        real = cards._Filler.fill

        def counted(filler, item, encode):
            self.calls += 1
            return real(filler, item, encode)

        monkeypatch.setattr(cards._Filler, "fill", counted)


def _compiled(jobs):
    t = theme()
    return compile_variant(t, view_for(jobs, t=t))


def test_cards_are_filled_when_read_and_equal_cards_filled_at_once(monkeypatch):
    jobs = tricky_jobs() + many_jobs(8)
    compiled = _compiled(jobs)
    eager = plain_cards(copy.deepcopy(compiled))
    fills = Fills(monkeypatch)
    lazy = compiled.html.regions["matched"].items
    assert type(lazy) is FilledCards and fills.calls == 0  # compiled, nothing filled yet
    assert lazy[3] == eager.html.regions["matched"].items[3] and fills.calls == 1
    assert lazy[-1] == eager.html.regions["matched"].items[-1]
    assert lazy[1:4] == eager.html.regions["matched"].items[1:4]
    assert len(lazy) == len(jobs)
    calls = fills.calls
    assert list(lazy) == eager.html.regions["matched"].items and fills.calls == calls + len(jobs)
    # Not kept: read again, every card is filled again (the cards of every variant would stay in memory).
    assert lazy.filled() == eager.html.regions["matched"].items and fills.calls == calls + 2 * len(jobs)
    assert lazy.filled() is not lazy.filled()
    assert compiled.to_json() == eager.to_json()
    assert CompiledEncoder().encode(compiled) == json.dumps(eager.to_json(), ensure_ascii=False)


def test_a_members_email_and_the_gates_are_the_same_from_cards_filled_when_read():
    jobs = tricky_jobs() + many_jobs(6)
    lazy = _compiled(jobs)
    eager = plain_cards(copy.deepcopy(lazy))
    person = member(skills=["python", "kubernetes", "sql"], departments=["data"])
    matches = [score(c, MemberProfile.of(person)) for c in lazy.candidates[:4]]
    values = [member_values(c, person, matches, "https://carrieres.cardamome.example/desabonnement?t=x",
                            "https://carrieres.cardamome.example/preferences?t=x") for c in (lazy, eager)]
    assert render(lazy, values[0]) == render(eager, values[1])
    assert gates.check(lazy, settings()) == gates.check(eager, settings())
    assert gates.worst_case_bytes(lazy) == gates.worst_case_bytes(eager)


def test_the_digest_changes_with_every_input_of_a_card_and_only_then():
    jobs = tricky_jobs() + many_jobs(4)
    base = _compiled(jobs).html.regions["matched"].items
    again = _compiled([copy.copy(j) for j in jobs]).html.regions["matched"].items  # equal inputs, other objects
    assert again is not base and again.digest() == base.digest() and list(again) == list(base)

    def changed(edit):
        edited = [copy.copy(j) for j in jobs]
        edit(edited)
        return _compiled(edited).html.regions["matched"].items

    variations = {
        "title": changed(lambda js: setattr(js[1], "title", js[1].title + " (H/F)")),
        "one character": changed(lambda js: setattr(js[4], "title", js[4].title[:-1] + "X")),
        "markup": changed(lambda js: setattr(js[0], "title", Markup(js[0].title))),  # same text, written as it is
        "order": changed(lambda js: js.reverse()),
        "one fewer": changed(lambda js: js.pop()),
        "salary gone": changed(lambda js: setattr(js[2], "salary_min", None) or setattr(js[2], "salary_max", None)),
    }
    seen = {base.digest(): list(base)}
    for name, items in variations.items():
        assert items.digest() not in seen, name
        assert list(items) not in seen.values(), name  # a different digest is a different list of cards
        seen[items.digest()] = list(items)
    text = _compiled(jobs).text.regions["matched"].items  # the same candidates, written as text
    assert text.digest() != base.digest()


def test_a_rebuild_with_nothing_changed_fills_no_card(tmp_path, monkeypatch):
    """The gates' answer and the outbox's files are found under the cards' digest: not one card is filled."""
    record = tmp_path / "cache" / "record.json"
    first = _variants()
    for compiled in first:
        gates.check(compiled, cached_settings(tmp_path))
    write(tmp_path, first, record)
    files = json_files(tmp_path)
    fills, encodings = Fills(monkeypatch), Encodings(monkeypatch)
    second = _variants()  # the next build: equal inputs, other objects
    answers = [gates.check(compiled, cached_settings(tmp_path)) for compiled in second]
    write(tmp_path, second, record)
    assert fills.calls == 0 and encodings.calls == 0
    assert answers == [gates.check(plain_cards(copy.deepcopy(c)), cached_settings(tmp_path / "off", read=False,
                                                                                    write=False)) for c in first]
    assert json_files(tmp_path) == files


def test_cards_encoded_a_few_at_a_time_are_the_json_of_the_whole_list(monkeypatch):
    """The outbox's JSON of a list of job cards is made a batch of cards at a time (`compiled._cards_json`):
    at every length around the batch's, the bytes are those of `json.dumps` of the whole list."""
    from mailing.plan import compiled as compiled_module

    jobs = tricky_jobs() + many_jobs(8)
    monkeypatch.setattr(compiled_module, "_CARDS_AT_ONCE", 3)
    assert len(jobs) > 7
    for count in range(1, len(jobs) + 1):  # whole batches, and one or two cards left over
        for part in ("html", "text"):
            cards = getattr(_compiled(jobs[:count]), part).regions["matched"].items
            assert type(cards) is FilledCards and len(cards) == count
            expected = json.dumps(list(cards), ensure_ascii=False).encode("utf-8")
            assert b"".join(compiled_module._cards_json(cards)) == expected, (count, part)


def test_the_worst_case_size_of_cards_scanned_before_their_memo_was_emptied_is_measured_again():
    """The gates remember a list's scan and its cards' sizes together: with the memo emptied (when full), the
    worst case is measured again, the same as from plain lists."""
    jobs = tricky_jobs() + many_jobs(6)
    lazy = _compiled(jobs)
    eager = plain_cards(copy.deepcopy(lazy))
    expected = gates.worst_case_bytes(eager)
    assert gates.check(lazy, settings()) == gates.check(eager, settings())  # scanned: scan and sizes remembered
    gates._CARD_SCANS.clear()
    assert gates.worst_case_bytes(lazy) == expected
