"""The cheaper steps every build runs: UTM links, shared card data and facts, card filling, outbox JSON.

Each fast path is compared with the straightforward code it replaces (kept
here, or still in the module as the fallback).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import random
from types import SimpleNamespace

import pytest
from markupsafe import Markup, escape
from mailing.cards import _Filler, _card_and_glue, _expand, _html_value, _shape
from mailing.matching import CandidateIndex, MemberProfile
from mailing.plan import compiled as compiled_module
from mailing.plan.compiled import CompiledEncoder, load_compiled, write_all_compiled, write_compiled
from mailing.pipeline import PLACEHOLDER, Region, Rendered, compile_variant, split_placeholders
from mailing.kinds.newsletter.planning import build_plan
from mailing.kinds.newsletter.selections import open_jobs
from mailing.views import _with_utm_plain, build_view, with_utm
from tests.mailing.fixtures import campaign, member, plain_cards, settings, theme
from tests.mailing.test_card_prototypes import many_jobs, tricky_jobs


# --- UTM links ----------------------------------------------------------------------------------


def _random_urls(rng: random.Random) -> list[str]:
    pieces = ["emplois/", "/emplois/x/", "", "?", "#", "a=1", "utm_source=x", "utm_content=", "&", "=", "b=é è",
              "%20", "//", "https://carrieres.cardamome.example/", "http://carrieres.cardamome.example/",
              "https://ailleurs.example/", "mailto:a@b.example", "#frag", "?q=1#top", " ", "\t", "[", "é", "+", "/.."]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(3000)]


@pytest.mark.parametrize("public", ["https://carrieres.cardamome.example", "https://carrieres.cardamome.example/",
                                    "https://exemple.example/carrieres"])
def test_utm_links_equal_the_straightforward_ones(public):
    s = {**settings(), "PUBLIC_URL": public}
    rng = random.Random(11)
    for url in _random_urls(rng):
        for slug, variant in (("2026-12-data-cloud", "a"), ("alerts-2026-11-22", "alert"), ("x y&z", "b")):
            try:
                expected = _with_utm_plain(s, url, slug, variant)
            except ValueError as exc:  # urlsplit refuses some netlocs: so must the fast path
                with pytest.raises(type(exc)):
                    with_utm(s, url, slug, variant)
                continue
            assert with_utm(s, url, slug, variant) == expected, url
            assert with_utm(s, url, slug, variant) == expected  # from the memos


def test_utm_links_of_markup_take_the_straightforward_way():
    s = settings()
    url = Markup("emplois/a&b/")
    assert with_utm(s, url, "c", "a") == _with_utm_plain(s, url, "c", "a")
    assert type(with_utm(s, url, "c", "a")) is type(_with_utm_plain(s, url, "c", "a"))


# --- Card data shared by variants, segments and campaigns -----------------------------------------


def _items(jobs):
    return {"jobs": jobs[:1], "articles": [], "events": [], "ambassador": None, "candidates": jobs}


def test_one_dict_for_views_and_compilation_and_a_build_wide_one_give_the_same_variants():
    t, s = theme(), settings()
    jobs = tricky_jobs() + many_jobs(9)
    known: dict = {}
    for camp in (campaign(), campaign(slug="2026-12-autre", subject="Un autre objet de campagne")):
        shared: dict = {}
        for segment in ("data-lyon", "nantes"):
            for variant in ("a", "b"):
                view = build_view(s, camp, segment, variant, _items(jobs), t.strings("fr"), shared, known)
                fast = compile_variant(t, view, memo=shared)
                alone = compile_variant(t, build_view(s, camp, segment, variant, _items(jobs), t.strings("fr")))
                assert fast.to_json() == alone.to_json()
                assert fast.candidates == alone.candidates
                assert view["candidates"] == build_view(s, camp, segment, variant, _items(jobs), t.strings("fr"))["candidates"]
    # The facts of a job are read once per build and shared by every variant's candidates.
    assert sum(1 for key in known if key[0] == "facts") == len(jobs)


def test_a_build_wide_memo_keeps_each_languages_place_and_salary_lines():
    t, s = theme(), settings()
    jobs = tricky_jobs() + many_jobs(6)
    known: dict = {}
    for lang in ("fr", "en", "fr"):
        view = build_view(s, campaign(lang=lang), "data-lyon", "a", _items(jobs), t.strings(lang), {}, known)
        alone = build_view(s, campaign(lang=lang), "data-lyon", "a", _items(jobs), t.strings(lang))
        assert view["candidates"] == alone["candidates"]
    fr = build_view(s, campaign(lang="fr"), "data-lyon", "a", _items(jobs), t.strings("fr"))["candidates"]
    en = build_view(s, campaign(lang="en"), "data-lyon", "a", _items(jobs), t.strings("en"))["candidates"]
    assert [i["salary"] for i in fr] != [i["salary"] for i in en]  # the test can tell the languages apart


def test_variants_share_their_jobfacts_and_the_plan_indexes_them_once(monkeypatch):
    t, s = theme(), settings()
    jobs = many_jobs(12)
    shared, known, compiled = {}, {}, {}
    for variant in ("a", "b"):
        view = build_view(s, campaign(), "data-lyon", variant, _items(jobs), t.strings("fr"), shared, known)
        compiled[("data-lyon", "fr", variant)] = compile_variant(t, view, memo=shared)
    a, b = compiled[("data-lyon", "fr", "a")], compiled[("data-lyon", "fr", "b")]
    assert a.candidates is not b.candidates and all(x is y for x, y in zip(a.candidates, b.candidates))
    made = []
    real_init = CandidateIndex.__init__

    def counted(self, jobs_):
        made.append(len(jobs_))
        real_init(self, jobs_)

    monkeypatch.setattr(CandidateIndex, "__init__", counted)
    people = [member(id=f"m-{n}", skills=["python", "sql", "kubernetes"][: 1 + n % 3], departments=["data"]) for n in range(40)]
    audience = SimpleNamespace(eligible=[(p, "data-lyon") for p in people], excluded={})
    plan = build_plan("2026-12-test", audience, compiled, ["fr"], "fr", ["a", "b"], 0, 3, "general")
    assert made == [len(jobs)]
    for entry in plan.entries:
        variant = compiled[(entry.segment, entry.lang, entry.variant)]
        expected = CandidateIndex(list(variant.candidates)).top(MemberProfile.of(plan.members[entry.member_id]), 3)
        assert entry.matches == expected


# --- Filling compiled cards ---------------------------------------------------------------------


def _old_fill(card: str, values: dict[str, str]) -> list[str]:
    """cards._fill before the fillers: split every filled card at its placeholders."""
    parts = split_placeholders(card)
    out = [parts[0]]
    for i in range(1, len(parts), 2):
        name, literal = parts[i], parts[i + 1]
        if name.startswith("job."):
            out[-1] += values[name[len("job."):]] + literal
        else:
            out += [name, literal]
    return out


def _old_expand(rendered: Rendered, candidates: list[dict], shape_index: dict, encode) -> bool:
    region = rendered.regions.get("matched")
    split = _card_and_glue(region.items, len(shape_index)) if region is not None else None
    if split is None:
        return False
    cards, glue = split
    items = []
    last = len(candidates) - 1
    for n, item in enumerate(candidates):
        card = cards[shape_index[_shape(item)]] + (glue if n < last else "")
        values = {k: encode(v) for k, v in item.items() if isinstance(v, str) and v}
        items.append(_old_fill(card, values))
    region.items = items
    return True


P = PLACEHOLDER.format


@pytest.mark.parametrize("glue", ["", "<hr>\n", f"<p>{P('first_name')}</p>", f"<i>{P('job.title')}</i>", "%%VIV", "IER:reason%%"])
def test_filled_cards_equal_the_straightforward_filling(glue):
    rng = random.Random(len(glue))
    fields = ["reference", "title", "url", "meta", "salary"]
    values = ["", "Data & <IA>", "« x »", "%%VIVIER:first_name%%", "a\nb", "é" * 3, "R&D > 5 ans", "\"'", "%%VIV"]
    candidates = [{k: rng.choice(values[1:] if k in ("reference", "title", "url") else values) for k in fields} | {"facts": {}}
                  for _ in range(60)]
    shape_index: dict = {}
    shapes, prototypes = [], []
    for item in candidates:
        key = _shape(item)
        if key not in shape_index:
            shape_index[key] = len(prototypes)
            prototypes.append(item)
        shapes.append(shape_index[key])
    cards = []
    for proto in prototypes:
        text = f"<div>{P('reason')}"
        for k in fields:
            if proto[k]:
                text += f"<b class='{k}'>{P('job.' + k)}</b>"
        cards.append(text + "</div>%%VIV")  # with the glue "IER:reason%%", a placeholder across the boundary
    items = [cards[n] + glue for n in range(len(cards))] + [cards[0]]

    for encode in (_html_value, str):
        def rendered():
            return Rendered(["<body>", "region.matched", "</body>"],
                            {"matched": Region(["<ul>"], [split_placeholders(i) for i in items], ["</ul>"])})
        old, new = rendered(), rendered()
        assert _old_expand(old, candidates, shape_index, encode)
        assert _expand(new, candidates, shapes, encode, None)
        assert new.to_json() == old.to_json()


def test_a_filler_raises_for_a_field_the_candidate_lacks_as_before():
    card = f"<b>{P('job.salary')}</b>"
    with pytest.raises(KeyError):
        _old_fill(card, {"title": "x"})
    with pytest.raises(KeyError):
        _Filler(card).fill({"title": "x", "salary": ""}, str)
    assert _Filler(card).fill({"salary": "<1>"}, _html_value) == ["<b>&lt;1&gt;</b>"] == _old_fill(card, {"salary": str(escape("<1>"))})


def test_escaped_values_are_remembered_for_plain_text_only():
    """`_html_value` remembers what it escaped; Markup equal to a plain text seen before stays as written."""
    from markupsafe import Markup

    for text in ("R&D <Lyon>", "Café « data »", "a" * 300):
        assert _html_value(text) == str(escape(text))
        assert _html_value(text) == str(escape(text))  # from memory now
        assert _html_value(Markup(text)) == text  # trusted HTML: not escaped, whatever was remembered


# --- The outbox's compiled JSON -------------------------------------------------------------------


def _variants():
    t, s = theme(), settings()
    jobs = tricky_jobs() + many_jobs(10)
    shared, known, result = {}, {}, []
    for segment in ("data-lyon", "nantes", "cloud-devops"):
        for variant in ("a", "b"):
            view = build_view(s, campaign(), segment, variant, _items(jobs), t.strings("fr"), shared, known)
            result.append(compile_variant(t, view, memo=shared))
    return result


def test_the_encoder_writes_exactly_what_json_dumps_writes():
    variants = _variants()
    encoder = CompiledEncoder()
    for _ in range(2):  # the second time from the shared encodings
        for compiled in variants:
            assert encoder.encode(compiled) == json.dumps(compiled.to_json(), ensure_ascii=False)
    # A card edited in place (the same list, shared by every segment) is encoded again.
    plain_cards(*variants)
    card = variants[0].html.regions["matched"].items[2]
    card[0] = card[0].replace("<", "<!-- edited -->", 1)
    for compiled in variants:
        assert encoder.encode(compiled) == json.dumps(compiled.to_json(), ensure_ascii=False)
    # Candidates that are not frozen JobFacts (the same objects, changed in between) are never reused.
    odd = copy.copy(variants[1])
    data = {"n": 1}
    odd.candidates = [SimpleNamespace(to_dict=lambda: dict(data)) for n in range(3)]
    assert encoder.encode(odd) == json.dumps(odd.to_json(), ensure_ascii=False)
    data["n"] = 2
    assert encoder.encode(odd) == json.dumps(odd.to_json(), ensure_ascii=False)
    assert '"n": 2' in encoder.encode(odd)


def test_equal_jobfacts_of_other_campaigns_are_encoded_once_and_exactly():
    """Each campaign and language holds its own (equal) JobFacts: the encoder writes each job's JSON
    once and splices it in; a job whose fields are not all text is never taken for an equal one."""
    variants = _variants()
    others = []
    for compiled in variants[:2]:
        other = copy.copy(compiled)
        other.candidates = [dataclasses.replace(job) for job in compiled.candidates]  # equal, not the same
        assert other.candidates == compiled.candidates and other.candidates[0] is not compiled.candidates[0]
        others.append(other)
    compiled_module._JOB_JSON.clear()
    encoder = CompiledEncoder()
    for compiled in variants + others:
        assert encoder.encode(compiled) == json.dumps(compiled.to_json(), ensure_ascii=False)
    assert len(compiled_module._JOB_JSON) == len({job.reference for job in variants[0].candidates})
    # True == 1 and both hash alike, but their JSON differs: such a job is encoded for itself each time.
    truthy = copy.copy(variants[0])
    truthy.candidates = [dataclasses.replace(variants[0].candidates[0], remote=True)]
    one = copy.copy(variants[0])
    one.candidates = [dataclasses.replace(variants[0].candidates[0], remote=1)]
    assert truthy.candidates == one.candidates
    assert '"remote": true' in encoder.encode(truthy) and '"remote": 1' in encoder.encode(one)
    assert encoder.encode(one) == json.dumps(one.to_json(), ensure_ascii=False)


def test_open_jobs_remembered_for_a_build_equal_the_jobs_worked_out_each_time():
    jobs = many_jobs(30)
    for n, job in enumerate(jobs):
        job.lang = "fr" if n % 3 else "en"
        job.is_open = n % 7 != 3
    context = {"open_jobs": jobs}
    memo: dict = {}
    for lang in ("fr", "en", "fr", "en"):
        remembered = open_jobs(context, lang, "fr", memo)
        assert remembered == open_jobs(context, lang, "fr") and remembered
        remembered.clear()  # a copy: the next caller gets the whole list again
    assert open_jobs(context, "fr", "fr", memo) == open_jobs(context, "fr", "fr")
    # Another build's context (another list) is worked out again, never served the first one's answer.
    later = {"open_jobs": jobs[:5]}
    assert open_jobs(later, "fr", "fr", memo) == open_jobs(later, "fr", "fr") != open_jobs(context, "fr", "fr")


def test_a_token_like_value_in_a_variant_does_not_confuse_the_encoder():
    compiled = _variants()[0]
    encoder = CompiledEncoder()
    tricky = copy.deepcopy(compiled)
    tricky.subject = "\x00vivier-list:" + encoder._token[len("\x00vivier-list:"):] + "0\x00"  # the very mark of the first list
    assert encoder.encode(tricky) == json.dumps(tricky.to_json(), ensure_ascii=False)


def test_written_variants_read_back_equal_and_byte_identical(tmp_path):
    variants = _variants()
    write_all_compiled(tmp_path / "fast", variants)
    for compiled in variants:
        write_compiled(tmp_path / "plain", compiled)
    fast = sorted((tmp_path / "fast" / "compiled").iterdir())
    plain = sorted((tmp_path / "plain" / "compiled").iterdir())
    assert [p.name for p in fast] == [p.name for p in plain] and len(fast) == 3 * len(variants)
    for a, b in zip(fast, plain):
        assert a.read_bytes() == b.read_bytes()
    loaded = load_compiled(tmp_path / "fast")
    for compiled in variants:
        assert loaded[(compiled.segment, compiled.lang, compiled.variant)].to_json() == compiled.to_json()


# --- The collector's pause ------------------------------------------------------------------------


def test_the_collector_is_paused_during_a_step_and_restored_after_it():
    import gc

    from mailing.collector import paused

    seen = []

    @paused
    def step(fail=False):
        seen.append(gc.isenabled())
        if fail:
            raise RuntimeError("boom")
        return "done"

    assert gc.isenabled()
    assert step() == "done" and seen == [False] and gc.isenabled()
    with pytest.raises(RuntimeError):
        step(fail=True)
    assert gc.isenabled()
    gc.disable()
    try:
        step()
        assert not gc.isenabled()  # a caller's own pause is left alone
    finally:
        gc.enable()
