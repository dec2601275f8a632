"""The job-alert digest email: one view per language, compiled once, personalised per member.

Every open job is a candidate card (in the language of the digest when the
job has that version, else in the site's language); each member's manifest
line names the few jobs of their digest, and the composer assembles them from
the compiled cards with the reason they match.
"""

from __future__ import annotations

from careers.i18n import translator

from ..invitation.views import OverlayTheme
from ...pipeline import CompiledVariant, MailTheme, compile_variant
from ...views import candidate_items, lang_url, privacy_url, with_utm

SEGMENT = "alert"
VARIANT = "a"


def alert_view(settings, jobs: list, lang: str, plan_id: str, strings: dict, t, shared: dict | None = None,
               known: dict | None = None) -> dict:
    """Everything the alert templates show in one language; `jobs` are job objects, one per reference.

    `shared` (optional) receives the candidates' facts for `compile_variant(…, memo=shared)`;
    `known` (optional, shared by the languages) keeps each job's facts.
    """
    s = lambda key: t(f"community.mail.{key}", lang)  # noqa: E731
    utm = lambda url: with_utm(settings, url, plan_id, SEGMENT)  # noqa: E731
    prefix = "" if lang == settings["DEFAULT_LANG"] else f"{lang}/"
    jobs_url = utm(lang_url(settings, settings["MAILING_JOBS_URL"], lang))
    return {
        "slug": plan_id, "segment": SEGMENT, "lang": lang, "variant": VARIANT,
        "title": s("alert_title"), "subject": s("alert_subject"), "preheader": s("alert_preheader"),
        "intro": s("alert_intro"),
        "labels": {"all_jobs": s("alert_all_jobs"), "rhythm_note": s("alert_rhythm_note")},
        "company": settings["CAREERS_COMPANY"],
        "candidates": candidate_items(settings, jobs, strings, lang, plan_id, SEGMENT, shared, known),
        "links": {"archive": jobs_url, "site": utm(prefix), "jobs": jobs_url, "privacy": privacy_url(settings, lang)},
        "matches": settings["COMMUNITY_ALERT_MAX_JOBS"], "if_nothing": "skip",
    }


def alert_theme(settings, path: str) -> OverlayTheme:
    t = translator(settings["THEME"], settings["DEFAULT_LANG"])
    overrides = {lang: {"view_in_browser": t("community.mail.alert_view", lang),
                        "footer_why": t("community.mail.alert_footer_why", lang)}
                 for lang in settings["CAREERS_LANGUAGES"]}
    return OverlayTheme(path, overrides).use_build_caches(settings)


def versions_in(group: dict, lang: str, default_lang: str):
    """The job of one reference in `lang`, else in the site's language, else any."""
    return group.get(lang) or group.get(default_lang) or next(iter(group.values()))


def compile_alerts(theme: MailTheme, settings, groups: dict[str, dict], plan_id: str) -> dict[tuple[str, str, str], CompiledVariant]:
    """The digest in every language, compiled once; `groups` maps a reference to {lang: job}."""
    t = translator(settings["THEME"], settings["DEFAULT_LANG"])
    result = {}
    known: dict = {}  # a job shown in both languages (no translation) is read once
    for lang in settings["CAREERS_LANGUAGES"]:
        jobs = [versions_in(groups[ref], lang, settings["DEFAULT_LANG"]) for ref in sorted(groups)]
        shared: dict = {}  # the candidates' facts, read once (views.candidate_items)
        view = alert_view(settings, jobs, lang, plan_id, theme.strings(lang), t, shared, known)
        result[(SEGMENT, lang, VARIANT)] = compile_variant(theme, view, template="alert", memo=shared)
    return result

