"""Every quality gate fails on a crafted bad template (or campaign), and the real theme passes."""

from __future__ import annotations

import shutil

import pytest

from mailing import gates
from mailing.pipeline import MailTheme, compile_mjml, compile_variant
from mailing.views import build_view

from tests.conftest import ROOT
from tests.mailing.fixtures import JOBS, campaign, compiled_sample, settings


def crafted(tmp_path, edits: dict, **campaign_values):
    """Gate problems of the sample campaign compiled with a modified copy of the mail theme."""
    folder = tmp_path / "mail"
    shutil.copytree(ROOT / "theme" / "mail", folder)
    for name, edit in edits.items():
        path = folder / name
        path.write_bytes(edit(path.read_text(encoding="utf-8")).encode("utf-8"))
    theme = MailTheme(str(folder))
    s = settings()
    items = {"jobs": JOBS[:1], "articles": [], "events": [], "ambassador": None, "candidates": JOBS}
    view = build_view(s, campaign(**campaign_values), "data-lyon", "a", items, theme.strings("fr"))
    return gates.check(compile_variant(theme, view), s)


def one(problems, needle):
    found = [p for p in problems if needle in p]
    assert found, problems
    return found[0]


def test_the_real_theme_passes_every_gate():
    compiled, s = compiled_sample()
    assert gates.check(compiled, s) == []


def test_size_gate(tmp_path):
    huge = "<p>" + "Une phrase assez longue pour remplir un e-mail. " * 2200 + "</p>"
    message = one(crafted(tmp_path, {}, content=huge), "KB at its largest")
    assert "keep it under 90 KB" in message and "Gmail" in message


def test_image_without_alt(tmp_path):
    image = '<mj-image src="https://carrieres.cardamome.example/theme/img/logo.png" />'
    problems = crafted(tmp_path, {"newsletter.mjml": lambda t: t.replace("<mj-text><h1>", image + "<mj-text><h1>", 1)})
    one(problems, "has no alt text")
    one(problems, "<mj-image> needs a 'alt' attribute")


def test_svg_images_are_refused_in_emails(tmp_path):
    image = '<mj-image src="https://carrieres.cardamome.example/images/ambassadors/lea-martin.svg" alt="Léa Martin" />'
    problems = crafted(tmp_path, {"newsletter.mjml": lambda t: t.replace("<mj-text><h1>", image + "<mj-text><h1>", 1)})
    one(problems, "image 'https://carrieres.cardamome.example/images/ambassadors/lea-martin.svg' is SVG or WebP, "
                  "which Gmail and Outlook do not show; use PNG or JPEG")


def test_missing_lang(tmp_path):
    problems = crafted(tmp_path, {"layout.mjml": lambda t: t.replace('<mjml lang="{{ view.lang }}">', "<mjml>")})
    one(problems, "the document's lang is 'und', not 'fr'")


def test_links_must_be_absolute_https(tmp_path):
    link = '<p><a href="http://carrieres.cardamome.example/emplois/">offres</a> <a href="/a-propos/">nous</a></p>'
    problems = crafted(tmp_path, {"newsletter.mjml": lambda t: t.replace("<p>{{ P.greeting }}</p>", "<p>{{ P.greeting }}</p>" + link)})
    one(problems, "'http://carrieres.cardamome.example/emplois/' is not an absolute https:// link")
    one(problems, "'/a-propos/' is not an absolute https:// link")


def test_subject_and_preheader_lengths(tmp_path):
    problems = crafted(tmp_path, {}, subject="S" * 90, preheader="Trop court")
    one(problems, "subject is 90 characters; write 1 to 78")
    one(problems, "preheader is 10 characters; write 40 to 130")


def test_mjml_structure_children_and_attributes(tmp_path):
    def edit(template):
        template = template.replace('<mj-section padding="24px 0 8px">', '<mj-section padding="24px 0 8px"><mj-text>perdu</mj-text>', 1)
        template = template.replace("<mj-text><h1>", '<mj-text colour="red"><h1>', 1)
        return template.replace("<mj-text><p>{{ P.greeting }}", "<div>brut</div><mj-text><p>{{ P.greeting }}", 1)

    problems = crafted(tmp_path, {"newsletter.mjml": edit})
    one(problems, "<mj-text> is not allowed inside <mj-section>")
    one(problems, "<mj-text> has no attribute 'colour'")
    one(problems, "<div> cannot sit directly in <mj-column>")
    assert all("line" in p for p in problems if "mj-" in p and "rendered MJML" in p)


def test_crlf_is_normalised_before_compilation(tmp_path):
    mjml = '<mjml lang="fr"><mj-body>\n<mj-section>\n<mj-column>\n<mj-text>Un<br />\ndeux</mj-text>\n<mj-image src="https://x.example/a.png" alt="A" />\n<mj-divider />\n</mj-column>\n</mj-section>\n</mj-body></mjml>\n'
    lf, lf_problems = compile_mjml(mjml)
    crlf, crlf_problems = compile_mjml(mjml.replace("\n", "\r\n"))
    assert lf == crlf and "\r" not in crlf and not lf_problems and not crlf_problems
    # A whole theme saved with Windows line endings still compiles and passes.
    problems = crafted(tmp_path, {name: (lambda t: t.replace("\n", "\r\n")) for name in ("layout.mjml", "newsletter.mjml", "components/cards.mjml")})
    assert problems == []


def test_inline_css_is_inlined_and_uninlinable_rules_fail(tmp_path):
    compiled, _ = compiled_sample()
    html = compiled.html.skeleton()
    assert 'inline="inline"' not in html
    assert "<h1 style=\"margin:0;font-size:24px;" in html  # from <mj-style inline="inline">
    problems = crafted(tmp_path, {"layout.mjml": lambda t: t.replace("h1 { margin: 0;", "a:hover { color: red; }\n      h1 { margin: 0;", 1)})
    one(problems, "inline CSS: selector 'a:hover' is not supported for inlining")


def test_text_part_must_carry_every_link_and_the_unsubscribe_link(tmp_path):
    problems = crafted(tmp_path, {"newsletter.txt": lambda t: t.replace("{{ s.unsubscribe }}{{ s.colon }}{{ P.unsubscribe_url }}", "").replace("{{ s.view_in_browser }}{{ s.colon }}{{ view.links.archive }}", "")})
    one(problems, "the unsubscribe link must appear in both parts")
    one(problems, "is in the HTML part but missing from the plain-text part")


def test_unknown_placeholder(tmp_path):
    problems = crafted(tmp_path, {"newsletter.mjml": lambda t: t.replace("{{ P.greeting }}", "%%VIVIER:frist_name%%", 1)})
    one(problems, "unknown placeholder %%VIVIER:frist_name%%")


@pytest.mark.parametrize("placeholder", ["%%VIVIER:first_name%%", "%%VIVIER:unsubscribe_url%%"])
def test_placeholders_survive_mjml_in_text_and_href(placeholder):
    mjml = f'<mjml lang="fr"><mj-body><mj-section><mj-column><mj-text>{placeholder} <a href="{placeholder}">x</a></mj-text><mj-button href="{placeholder}">b</mj-button></mj-column></mj-section></mj-body></mjml>'
    html, problems = compile_mjml(mjml)
    assert not problems and html.count(placeholder) == 3
