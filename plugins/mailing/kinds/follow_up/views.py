"""The emails of follow-up steps: Markdown bodies rendered into the mail theme, compiled once per step and language."""

from __future__ import annotations

import markdown
from careers.i18n import translator

from ..invitation.views import OverlayTheme
from ...pipeline import CompiledVariant, MailTheme, compile_variant, markup
from ...views import absolutise_links, html_to_text, lang_url, privacy_url, with_utm


def render_markdown(text: str) -> str:
    return markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")


def step_view(settings, sequence, step, lang: str, plan_id: str) -> dict:
    """Everything the follow-up templates show for one step in one language."""
    key = f"{sequence.name}__{step.id}"
    # utm_content names the step by its place only: a forwarded link must not say which sequence
    # (so which stage or segment: "finalistes") the member is in.
    steps = list(getattr(sequence, "steps", None) or [step])  # a kind may pass a single step of its own
    content = f"step-{steps.index(step) + 1 if step in steps else 1}"
    utm = lambda url: with_utm(settings, url, plan_id, content)  # noqa: E731
    body = absolutise_links(settings, render_markdown(step.body[lang]), plan_id, content)
    prefix = "" if lang == settings["DEFAULT_LANG"] else f"{lang}/"
    cta = None
    if step.cta:
        cta = {"text": step.cta["text"][lang], "url": utm(step.cta["url"][lang])}
    return {
        "slug": plan_id,
        "segment": key,
        "lang": lang,
        "variant": "a",
        "title": step.subject[lang],
        "subject": step.subject[lang],
        "preheader": step.preheader[lang],
        "body_html": markup(body),
        "body_text": html_to_text(body),
        "cta": cta,
        "company": settings["CAREERS_COMPANY"],
        "links": {
            "archive": utm(prefix),
            "site": utm(prefix),
            "jobs": utm(lang_url(settings, settings["MAILING_JOBS_URL"], lang)),
            "privacy": privacy_url(settings, lang),
        },
        "matches": 0,
        "if_nothing": "general",
        "candidates": [],
    }


def sequence_theme(settings, mail_theme_path: str) -> OverlayTheme:
    t = translator(settings["THEME"], settings["DEFAULT_LANG"])
    overrides = {
        lang: {"view_in_browser": t("sequences.view_site", lang), "footer_why": t("sequences.footer_why", lang)}
        for lang in settings["CAREERS_LANGUAGES"]
    }
    return OverlayTheme(mail_theme_path, overrides).use_build_caches(settings)


def compile_steps(theme: MailTheme, settings, sequences: dict, plan_id: str) -> dict[tuple[str, str, str], CompiledVariant]:
    """Every step of every sequence in every language, compiled once (keys: (sequence__step, lang, 'a'))."""
    result = {}
    for sequence in sequences.values():
        for step in sequence.steps:
            for lang in sequence.languages:
                view = step_view(settings, sequence, step, lang, plan_id)
                result[(view["segment"], lang, "a")] = compile_variant(theme, view, template=step.template)
    return result
