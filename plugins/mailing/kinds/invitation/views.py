"""The emails of invitations: one view per event × action × segment × language, compiled once.

Built on the newsletter pipeline (`mailing.pipeline`): the same layout,
placeholders, compilation and quality gates. A theme overlay swaps the
layout's "view in browser" line for a link to the event page, which is the
public version of an invitation.
"""

from __future__ import annotations

from urllib.parse import quote

from careers.event_display import location_text, plain_text
from careers.i18n import translator

from ...pipeline import CompiledVariant, MailTheme, compile_variant
from ...views import absolute, lang_url, privacy_url, with_utm

MAP = "https://www.openstreetmap.org/search?query="


class OverlayTheme(MailTheme):
    """The mail theme with a few strings replaced per language (e.g. the top link's label)."""

    def __init__(self, path: str, overrides: dict[str, dict[str, str]]):
        super().__init__(path)
        self.overrides = overrides

    def strings(self, lang: str) -> dict:
        return {**super().strings(lang), **self.overrides.get(lang, {})}


def fit(text: str, high: int) -> str:
    """`text` cut at a word boundary to at most `high` characters (with an ellipsis)."""
    text = " ".join(text.split())
    if len(text) <= high:
        return text
    cut = text[: high - 1].rsplit(" ", 1)[0].rstrip(" ,;:·—-")
    return cut + "…"


def preheader(text: str, extra: str, low: int, high: int) -> str:
    """A preheader within the gates' bounds: lengthened with `extra` if short, cut if long."""
    text = " ".join(text.split())
    if len(text) < low and extra:
        text = f"{text} {extra}"
    return fit(text, high)


def versions_of(event) -> dict:
    """{lang: event} for an event and its translations."""
    return {event.lang: event} | {other.lang: other for other in getattr(event, "translations", [])}


def where_text(event, online_label: str) -> str:
    if event.venue:
        return location_text(event)
    return online_label if event.online_url else ""


def _site_link(settings, url: str | None, plan_id: str, content: str) -> str:
    """Our site's links get UTM parameters; mailto: and other hosts stay as written."""
    if not url:
        return ""
    return with_utm(settings, url, plan_id, content) if not url.startswith("mailto:") else url


def invitation_view(settings, event, action: str, segment: str, plan_id: str, *, days_left: int, has_calendar: bool) -> dict:
    """Everything the invitation templates show for one event version, action and segment."""
    t = translator(settings["THEME"], settings["DEFAULT_LANG"])
    lang = event.lang
    s = lambda key, **kw: t(f"invitations.{key}", lang, **kw)  # noqa: E731
    where = where_text(event, s("online_event"))
    when = event.when["start"] + (f" – {event.when['end']}" if event.when.get("end") else "")
    subject_key = "subject_reminder" if action == "reminder" and days_left <= 1 else (
        "subject_reminder_days" if action == "reminder" else f"subject_{action}")
    prefix = s(subject_key, title="", days=days_left)
    subject = prefix + fit(event.title, settings["MAILING_SUBJECT_MAX"] - len(prefix))
    # utm_content is the action (invite, update, reminder, cancel), never the segment: a forwarded
    # link must not say which segment ("silver-medalists") the member is in.
    page = with_utm(settings, event.url, plan_id, action)
    prefix_lang = "" if lang == settings["DEFAULT_LANG"] else f"{lang}/"
    summary = plain_text(getattr(event, "summary", ""))
    return {
        "slug": plan_id,
        "segment": segment,
        "lang": lang,
        "variant": action,
        "title": subject,
        "subject": subject,
        "preheader": preheader(s(f"preheader_{action}", when=event.when["start"], where=where or s("online_event")), summary,
                               settings["MAILING_PREHEADER_MIN"], settings["MAILING_PREHEADER_MAX"]),
        "intro": s(f"intro_{action}"),
        "has_calendar": has_calendar,
        "company": settings["CAREERS_COMPANY"],
        "labels": {key: s(key) for key in ("when", "where", "online", "join", "map", "rsvp", "add_to_calendar", "google",
                                            "outlook", "ics", "calendar_note", "event_page", "cancelled_note")},
        "event": {
            "title": event.title,
            "when": when,
            "zone": event.zone_label,
            "previous": s("previous", previous=event.previous_when) if getattr(event, "previous_when", None) else "",
            "where": where if event.venue else "",
            "map_url": MAP + quote(location_text(event)) if event.venue else "",
            "online_url": event.online_url or "",
            "summary": summary,
            "cancelled": action == "cancel",
            "url": page,
            "registration_url": _site_link(settings, event.registration_url, plan_id, action),
            "google_url": event.google_url,
            "outlook_url": event.outlook_url,
            "ics_url": absolute(settings, event.ics_url),
        },
        "links": {
            "archive": page,
            "site": with_utm(settings, prefix_lang, plan_id, action),
            "jobs": with_utm(settings, lang_url(settings, settings["MAILING_JOBS_URL"], lang), plan_id, action),
            "privacy": privacy_url(settings, lang),
        },
        "matches": 0,
        "if_nothing": "general",
        "candidates": [],
    }


def invitation_theme(settings, mail_theme_path: str) -> OverlayTheme:
    t = translator(settings["THEME"], settings["DEFAULT_LANG"])
    overrides = {
        lang: {"view_in_browser": t("invitations.view_event", lang), "footer_why": t("invitations.footer_why", lang)}
        for lang in settings["CAREERS_LANGUAGES"]
    }
    return OverlayTheme(mail_theme_path, overrides).use_build_caches(settings)


def compile_round(theme: MailTheme, settings, round_, segments: list[str]) -> dict[tuple[str, str, str], CompiledVariant]:
    """Every (segment, lang, action) variant of one round, compiled once."""
    versions = versions_of(round_.event)
    start = round_.event.start.date()
    result = {}
    for segment in segments:
        for lang, version in versions.items():
            view = invitation_view(settings, version, round_.action, segment, round_.plan_id,
                                   days_left=(start - round_.today).days, has_calendar=round_.method is not None)
            result[(segment, lang, round_.action)] = compile_variant(theme, view, template="invitation")
    return result
