"""The staffing-forecast kind: ask fitting members about a likely mission; tell those who said yes if it falls through.

`read` loads the private forecast files (`staffing.forecasts`, folder
`STAFFING_FORECASTS_PATH` or `$VIVIER_FORECASTS`); `plan` proposes, for each
open forecast at or above `STAFFING_FORECAST_THRESHOLD`, an *interest*
message to the members the policy allows for `forecast_interest` (consent,
retention, budget, at its priority) who hold every must-have and were never
asked about it; `drafts` writes one plan per forecast and message
(`forecast-<id>-interest`, later `forecast-<id>-closed`) whose `sources` is
the forecast's own private file, so deleting it withdraws the plan; `commit`
remembers who was asked. The client is never read into a message, a plan,
a summary or a log line.
"""

from __future__ import annotations

import datetime as dt
import logging

from careers.report import get_report

from ... import gates
from ...collector import paused
from ...plan.writer import PlanDraft
from ..base import MessageKind
from ..registry import register
from . import records

logger = logging.getLogger(__name__)
KIND = "forecast_interest"
_EVERYONE = "everyone"


def plan_id_of(forecast_id: str, message: str) -> str:
    return f"forecast-{forecast_id}-{message}"


@register
class ForecastKind(MessageKind):
    """Plans the interest messages of the staffing forecasts above the threshold."""

    name = "forecast"
    policy_kinds = (KIND,)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.forecasts = []
        self.proposed: dict[str, list] = {}  # forecast id -> members planned by this build
        self.earlier: dict[str, dict[str, str]] = {}  # forecast id -> member id -> plan id (asked before)
        self.compiled: dict = {}
        self.day = None

    def read(self):
        from staffing import settings as staffing_settings
        from staffing.forecasts import ForecastError, load_forecasts

        report = get_report(self.settings)
        try:
            folder = staffing_settings.private_folder(self.settings, "STAFFING_FORECASTS_PATH")
            found = load_forecasts(folder)
        except staffing_settings.StaffingSettingsError as exc:
            report.error("STAFFING_FORECASTS_PATH", "forecasts", str(exc))
            return
        except ForecastError as exc:  # each problem names file:line: field (never the client's value)
            for problem in exc.problems:
                report.error(str(folder), "forecast", problem)
            return
        threshold = int(staffing_settings.value(self.settings, "STAFFING_FORECAST_THRESHOLD"))
        self.forecasts = [f for f in found if f.status == "open" and f.probability >= threshold]

    def wants_store(self) -> bool:
        return bool(self.forecasts)

    def plan(self, budget, store, policy, day):
        from talentpool import audience as pool_audience
        from talentpool import config as pool_config
        from talentpool.segments import Segment, compile_segments

        from staffing.fit import PoolIndex

        self.day = day
        everyone = compile_segments({_EVERYONE: Segment(_EVERYONE, "every member", {"field": "email", "exists": True})})
        vocabulary = pool_config.load_vocabulary(self.settings)
        for forecast in self.forecasts:
            plan_id = plan_id_of(forecast.id, records.INTEREST)
            self.earlier[forecast.id] = records.asked(store, forecast.id)
            found = pool_audience.evaluate(store, [_EVERYONE], KIND, day, segments=everyone, policy=policy,
                                           planned=budget.by_member)
            members = [member for member, _ in found.eligible if member.id not in self.earlier[forecast.id]]
            fit = PoolIndex(members, vocabulary, {}, day, KIND).fit(forecast.must_have)
            chosen = sorted((member for member, missing in fit.fitting if not missing), key=lambda m: m.email_key)
            for member in chosen:
                budget.add(member.id, KIND, plan_id, day)
            self.proposed[forecast.id] = chosen
            logger.info("forecast %s: %d member(s) to ask", forecast.id, len(chosen))

    @paused
    def finish(self):
        from .views import compile_message

        report = get_report(self.settings)
        for forecast in self.forecasts:
            if not self.proposed.get(forecast.id) and not self.earlier.get(forecast.id):
                continue
            for lang in self.settings["CAREERS_LANGUAGES"]:
                try:
                    compiled = compile_message(self.settings, forecast, records.INTEREST, lang)
                except Exception as exc:  # a template error names the template
                    report.error(str(forecast.path), f"interest ({lang})", f"the mail theme could not render it: {exc}")
                    continue
                for problem in gates.check(compiled, self.settings):
                    report.error(str(forecast.path), f"interest ({lang})", problem)
                self.compiled[(forecast.id, records.INTEREST, lang)] = compiled

    def drafts(self, store) -> list[PlanDraft]:
        result = []
        for forecast in self.forecasts:
            draft = self._draft(store, forecast, records.INTEREST)
            if draft is not None:
                result.append(draft)
        return result

    def _draft(self, store, forecast, message: str) -> PlanDraft | None:
        plan_id = plan_id_of(forecast.id, message)
        langs = self.settings["CAREERS_LANGUAGES"]
        members = {m.id: m for m in self.proposed.get(forecast.id, [])}
        earlier = [member_id for member_id, plan in self.earlier.get(forecast.id, {}).items() if plan == plan_id]
        entries, used = [], {}
        for member_id in [*earlier, *(m for m in members if m not in earlier)]:
            member = members.get(member_id) or store.get(member_id)
            if member is None:
                continue
            members[member_id] = member
            lang = member.language if member.language in langs else langs[0]
            segment = f"{forecast.id}__{message}"
            key = (forecast.id, message, lang)
            if key not in self.compiled:
                continue
            used[(segment, lang, "a")] = self.compiled[key]
            entries.append({"member": member_id, "segment": segment, "lang": lang, "variant": "a",
                            "forecast": forecast.id, "message": message})
        if not entries:
            return None
        summary = {"forecast": forecast.id, "message": message, "recipients": len(entries),
                   "new": len(self.proposed.get(forecast.id, []))}
        return PlanDraft(plan_id, KIND, self.name, entries, used, sources=[str(forecast.path)], summary=summary,
                         members=members)

    def commit(self, store) -> None:
        for forecast_id, members in self.proposed.items():
            if members and any(key[0] == forecast_id for key in self.compiled):
                records.remember(store, forecast_id, records.INTEREST, plan_id_of(forecast_id, records.INTEREST),
                                 [m.id for m in members], self.day or dt.date.today())
