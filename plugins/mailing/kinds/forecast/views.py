"""The emails of staffing forecasts: theme strings (theme/mail/strings/) in the follow-up template, never the client."""

from __future__ import annotations

from types import SimpleNamespace

from ...pipeline import CompiledVariant, compile_variant
from ...settings import mail_theme_path
from ..follow_up.views import sequence_theme, step_view


def compile_message(settings, forecast, message: str, lang: str) -> CompiledVariant:
    """The `message` ('interest' or 'closed') about `forecast` in `lang`, compiled once for every recipient."""
    theme = sequence_theme(settings, mail_theme_path(settings))
    strings = theme.strings(lang)
    values = {"profile": forecast.profile, "place": forecast.city, "start": forecast.start.isoformat()}
    text = {part: {lang: strings[f"forecast_{message}_{part}"].format(**values)} for part in ("subject", "preheader", "body")}
    step = SimpleNamespace(id=message, cta=None, template="followup", **text)
    sequence = SimpleNamespace(name=forecast.id, steps=[step])
    plan_id = f"forecast-{forecast.id}-{message}"
    return compile_variant(theme, step_view(settings, sequence, step, lang, plan_id), template="followup")
