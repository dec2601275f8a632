"""The emails of staffing forecasts: theme strings (theme/mail/strings/) in the follow-up template, never the client.

The interest message's button is the member's own signed "yes, I'm
interested" link (`%%VIVIER:answer_url%%`, filled by `ForecastComposer` at
send time); the fell-through message has no button.
"""

from __future__ import annotations

from types import SimpleNamespace

from careers import format_date
from careers.i18n import translator

from ...compose import Composer
from ...parts import PLACEHOLDER
from ...pipeline import CompiledVariant, compile_variant
from ...settings import mail_theme_path
from ..follow_up.views import sequence_theme, step_view
from . import records

TOKEN_PURPOSE = "forecast"


def compile_message(settings, forecast, message: str, lang: str) -> CompiledVariant:
    """The `message` ('interest' or 'closed') about `forecast` in `lang`, compiled once for every recipient."""
    theme = sequence_theme(settings, mail_theme_path(settings))
    strings = theme.strings(lang)
    # "le 2 mars 2027" / "2 March 2027": the site's own date wording (theme/strings), never an ISO date.
    start = format_date(translator(settings["THEME"], settings["DEFAULT_LANG"]), forecast.start, lang)
    values = {"profile": forecast.profile, "place": forecast.city, "start": start}
    text = {part: {lang: strings[f"forecast_{message}_{part}"].format(**values)} for part in ("subject", "preheader", "body")}
    step = SimpleNamespace(id=message, cta=None, template="followup", **text)
    sequence = SimpleNamespace(name=forecast.id, steps=[step])
    plan_id = f"forecast-{forecast.id}-{message}"
    view = step_view(settings, sequence, step, lang, plan_id)
    if message == records.INTEREST:  # the member's own signed link, never tracked with utm parameters
        view["cta"] = {"text": strings["forecast_interest_yes"], "url": PLACEHOLDER.format("answer_url")}
    return compile_variant(theme, view, template="followup")


def answer_url(settings, signer, member_id: str, forecast_id: str) -> str:
    """The member's signed "yes, I'm interested" link for one forecast (MAILING_FORECAST_ANSWER_URL?t=…)."""
    return f"{settings['MAILING_FORECAST_ANSWER_URL']}?t={signer.make(TOKEN_PURPOSE, member_id, forecast_id)}"


class ForecastComposer:
    """The follow-up composer, plus the member's signed answer link in interest messages."""

    def __init__(self, compiled, *, config, signer, plan_id: str, settings=None, plan=None):
        self.composer = Composer(compiled, config, signer, plan_id)
        self.settings, self.signer = settings, signer

    def compose(self, member, entry: dict, when):
        extra = None
        if entry.get("message") == records.INTEREST:
            extra = {"answer_url": answer_url(self.settings, self.signer, str(member.id), entry["forecast"])}
        return self.composer.compose(member, [], when, extra=extra)
