"""Candidate job cards are compiled once per shape and filled per job: same emails, constant MJML work."""

from __future__ import annotations

import copy
import shutil
from decimal import Decimal

import mjml
import pytest

from mailing import gates
from mailing.matching import MemberProfile, score
from mailing.personalise import member_values, render
from mailing.pipeline import MailTheme, _render_parts, compile_variant
from mailing.views import build_view

from tests.conftest import ROOT
from tests.mailing.fixtures import JOBS, campaign, job, member, settings, theme


def many_jobs(count: int) -> list:
    """Fictional open jobs of varied shapes: with and without salary, places, nice-to-have skills."""
    titles = ["Ingénieur·e data", "Consultant·e cloud & sécurité", "Développeur·se Python", "Chef·fe de projet « Agile »"]
    jobs = []
    for n in range(count):
        item = job(f"CC-{100 + n}", f"{titles[n % len(titles)]} n°{n}", department=("data", "cloud", "rh")[n % 3],
                   cities=(("Lyon",), ("Nantes", "Lyon"), ())[n % 3], remote=("hybrid", "remote", "on-site")[n % 3],
                   must=("Python", "SQL") if n % 2 else ("Kubernetes",), nice=("dbt",), day=1 + n % 27)
        if n % 4 == 1:
            item.salary_min = item.salary_max = None
        if n % 5 == 2:
            item.salary_min, item.salary_max = Decimal("38000"), None
        jobs.append(item)
    return jobs


def tricky_jobs() -> list:
    jobs = [copy.copy(j) for j in JOBS]
    jobs[0].title = 'Lead <script>alert("x")</script> & \'DevOps\' — Lyon'
    jobs[1].salary_min = jobs[1].salary_max = None
    jobs[2].title = "R&D <b>Ingénieur·e</b> > 5 ans"
    jobs[2].locations, jobs[2].contract, jobs[2].remote = [], "", ""  # an empty meta line
    jobs[3].url = "emplois/cc-4/?source=a&b=\"c\""
    return jobs


def view_for(jobs, *, lang="fr", variant="a", t=None):
    t = t or theme()
    items = {"jobs": jobs[:1], "articles": [], "events": [], "ambassador": None, "candidates": jobs}
    return build_view(settings(), campaign(lang=lang), "data-lyon", variant, items, t.strings(lang))


@pytest.mark.parametrize("lang,variant", [("fr", "a"), ("en", "b")])
def test_cards_filled_per_job_equal_cards_compiled_per_job(lang, variant):
    t = theme()
    jobs = tricky_jobs() + many_jobs(12)
    view = view_for(jobs, lang=lang, variant=variant, t=t)
    fast = compile_variant(t, view)
    _, html_parts, text_parts, problems = _render_parts(t, view, "newsletter")  # every card through MJML
    assert problems == []
    assert fast.html.to_json() == html_parts.to_json()
    assert fast.text.to_json() == text_parts.to_json()
    assert len(fast.html.regions["matched"].items) == len(jobs)
    assert gates.check(fast, settings()) == []


def test_a_members_email_is_byte_identical_to_the_straightforward_compilation():
    t = theme()
    jobs = tricky_jobs() + many_jobs(6)
    view = view_for(jobs, t=t)
    fast = compile_variant(t, view)
    slow = copy.copy(fast)
    _, slow.html, slow.text, _ = _render_parts(t, view, "newsletter")
    person = member(skills=["python", "kubernetes", "sql"], departments=["data"])
    profile = MemberProfile.of(person)
    matches = [score(c, profile) for c in fast.candidates[:5]]
    for compiled in (fast, slow):
        assert compiled.candidates == fast.candidates
    values = [member_values(c, person, matches, "https://carrieres.cardamome.example/desabonnement?t=x&y",
                            "https://carrieres.cardamome.example/preferences?t=x") for c in (fast, slow)]
    assert render(fast, values[0]) == render(slow, values[1])


def test_a_script_and_an_ampersand_in_a_job_title_are_escaped_in_its_card():
    t = theme()
    jobs = tricky_jobs()
    compiled = compile_variant(t, view_for(jobs, t=t))
    card = "".join(compiled.html.regions["matched"].items[0])
    assert "Lead &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;DevOps&#39; — Lyon" in card
    assert "<script" not in "".join("".join(i) for i in compiled.html.regions["matched"].items)
    assert "R&amp;D &lt;b&gt;Ingénieur·e&lt;/b&gt; &gt; 5 ans" in "".join(compiled.html.regions["matched"].items[2])
    assert 'href="https://carrieres.cardamome.example/emplois/cc-4/?source=a&amp;b=%22c%22&amp;utm_source' in \
        "".join(compiled.html.regions["matched"].items[3])
    text_card = "".join(compiled.text.regions["matched"].items[0])
    assert text_card.startswith('* Lead <script>alert("x")</script> & \'DevOps\' — Lyon\n')


def test_a_job_title_that_looks_like_a_placeholder_stays_text():
    t = theme()
    jobs = [copy.copy(JOBS[0])]
    jobs[0].title = "Data %%VIVIER:first_name%% Lyon"
    compiled = compile_variant(t, view_for(jobs, t=t))
    item = compiled.html.regions["matched"].items[0]
    assert "first_name" not in item[1::2]  # no member value can be slipped in through a title
    assert "Data %%VIVIER:first_name%% Lyon" in item[0]


def test_mjml_work_does_not_grow_with_the_number_of_jobs(monkeypatch):
    sources = []
    real = mjml.mjml2html

    def counting(source, **kwargs):
        sources.append(source)
        return real(source, **kwargs)

    monkeypatch.setattr(mjml, "mjml2html", counting)
    t = theme()
    results = {}
    for count in (5, 50):
        sources.clear()
        compiled = compile_variant(t, view_for(many_jobs(count), t=t))
        assert len(compiled.html.regions["matched"].items) == count
        results[count] = (len(sources), len(sources[0]))
    assert results[5][0] == results[50][0] == 1  # one compilation per variant, whatever the jobs
    assert results[5][1] == results[50][1]  # of a document of the same size: one card per shape


@pytest.mark.parametrize("extra", ["<mj-raw><!-- n°{{ loop.index }} --></mj-raw>",
                                   "<mj-raw><!-- n°4 {{ job.title|upper }} --></mj-raw>"])
def test_a_theme_whose_cards_depend_on_more_than_the_values_is_compiled_job_by_job(tmp_path, extra):
    folder = tmp_path / "mail"
    shutil.copytree(ROOT / "theme" / "mail", folder)
    path = folder / "newsletter.mjml"
    path.write_text(path.read_text(encoding="utf-8").replace("{{ c.job_card(job, P.reason) }}",
                                                             "{{ c.job_card(job, P.reason) }}" + extra),
                    encoding="utf-8")
    t = MailTheme(str(folder))
    view = view_for(many_jobs(4), t=t)
    fast = compile_variant(t, view)
    _, html_parts, _, _ = _render_parts(t, view, "newsletter")
    assert fast.html.to_json() == html_parts.to_json()
    assert "n°4 " in "".join(fast.html.regions["matched"].items[3])


def test_segments_of_one_language_share_filled_cards_and_get_the_same_emails():
    t = theme()
    s, jobs = settings(), tricky_jobs() + many_jobs(8)
    items = {"jobs": jobs[:1], "articles": [], "events": [], "ambassador": None, "candidates": jobs}
    cards, memo = {}, {}
    shared, alone = [], []
    for segment in ("data-lyon", "nantes"):
        view = build_view(s, campaign(), segment, "a", items, t.strings("fr"), cards)
        shared.append(compile_variant(t, view, memo=memo))
        alone.append(compile_variant(t, build_view(s, campaign(), segment, "a", items, t.strings("fr"))))
    for a, b in zip(shared, alone):
        assert a.to_json() == b.to_json()
    assert shared[0].html.regions["matched"].items is shared[1].html.regions["matched"].items  # one list of cards
    assert shared[0].archive_url != shared[1].archive_url  # the segments do differ
