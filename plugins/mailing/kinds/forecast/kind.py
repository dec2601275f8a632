"""The staffing-forecast kind: ask fitting members about a likely mission; tell those who said yes if it falls through.

`read` loads the private forecast files (`staffing.forecasts`, folder
`STAFFING_FORECASTS_PATH` or `$VIVIER_FORECASTS`); `plan` proposes, for each
open forecast at or above `STAFFING_FORECAST_THRESHOLD`, an *interest*
message to the members the policy allows for `forecast_interest` (consent,
retention, budget, at its priority) who hold every must-have and were never
asked about it; and, for each forecast that fell through (`status: lost`, or
open below `STAFFING_FORECAST_DROP_BELOW`), a *closed* message to exactly the
members who answered "yes, I'm interested" (policy kind `forecast_closed`:
consent and retention, outside the budget) and were not told yet. `drafts`
writes one plan per forecast and message (`forecast-<id>-interest`,
`forecast-<id>-closed`) whose `sources` is the forecast's own private file,
so deleting it withdraws the plan; `commit` remembers who was planned. The
client is never read into a message, a plan, a summary or a log line.
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
CLOSED_KIND = "forecast_closed"
POLICY_KIND = {records.INTEREST: KIND, records.CLOSED: CLOSED_KIND}
_EVERYONE = "everyone"


def plan_id_of(forecast_id: str, message: str) -> str:
    return f"forecast-{forecast_id}-{message}"


def fell_through(forecast, drop_below: int) -> bool:
    """Lost, or still open with a probability under the lower bound."""
    return forecast.status == "lost" or (forecast.status == "open" and forecast.probability < drop_below)


def forecast_composer(compiled, **kwargs):
    """The composer `vivier send` uses: the member's signed answer link in interest messages."""
    from .views import ForecastComposer

    return ForecastComposer(compiled, **kwargs)


@register
class ForecastKind(MessageKind):
    """Plans the interest messages of likely needs and the fell-through messages of lost ones."""

    name = "forecast"
    policy_kinds = (KIND, CLOSED_KIND)
    composer = staticmethod(forecast_composer)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.forecasts = []  # open, at or above the threshold: ask who is interested
        self.fell_through = []  # lost or under the lower bound: tell those who said yes
        self.proposed: dict[tuple[str, str], list] = {}  # (forecast id, message) -> members planned by this build
        self.earlier: dict[tuple[str, str], dict[str, str]] = {}  # (forecast id, message) -> member id -> plan id
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
        drop_below = int(staffing_settings.value(self.settings, "STAFFING_FORECAST_DROP_BELOW"))
        if drop_below > threshold:
            report.error("STAFFING_FORECAST_DROP_BELOW", "forecasts",
                         f"{drop_below} % is above STAFFING_FORECAST_THRESHOLD ({threshold} %): a forecast would be "
                         "asked about and fall through at once; set it lower than the threshold")
            return
        self.fell_through = [f for f in found if fell_through(f, drop_below)]
        self.forecasts = [f for f in found if f.status == "open" and f.probability >= threshold]

    def rank(self, policy) -> int:
        """Plans at the place of its interest messages (the fell-through ones use no budget)."""
        return policy.priority(KIND)

    def wants_store(self) -> bool:
        return bool(self.forecasts or self.fell_through)

    def plan(self, budget, store, policy, day):
        self.day = day
        if self.forecasts:
            self._plan_interest(budget, store, policy, day)
        for forecast in self.fell_through:
            self._plan_closed(budget, store, policy, day, forecast)

    def _plan_interest(self, budget, store, policy, day):
        from talentpool import audience as pool_audience
        from talentpool import config as pool_config
        from talentpool.segments import Segment, compile_segments

        from staffing.fit import PoolIndex

        everyone = compile_segments({_EVERYONE: Segment(_EVERYONE, "every member", {"field": "email", "exists": True})})
        vocabulary = pool_config.load_vocabulary(self.settings)
        for forecast in self.forecasts:
            key = (forecast.id, records.INTEREST)
            plan_id = plan_id_of(*key)
            self.earlier[key] = records.asked(store, forecast.id)
            found = pool_audience.evaluate(store, [_EVERYONE], KIND, day, segments=everyone, policy=policy,
                                           planned=budget.by_member, plan_id=plan_id)
            members = [member for member, _ in found.eligible if member.id not in self.earlier[key]]
            fit = PoolIndex(members, vocabulary, {}, day, KIND).fit(forecast.must_have)
            chosen = sorted((member for member, missing in fit.fitting if not missing), key=lambda m: m.email_key)
            for member in chosen:
                budget.add(member.id, KIND, plan_id, day)
            self.proposed[key] = chosen
            logger.info("forecast %s: %d member(s) to ask", forecast.id, len(chosen))

    def _plan_closed(self, budget, store, policy, day, forecast):
        """Exactly the members who said yes and were not told yet; the budget neither counts nor stops it."""
        from ...delivery import choices

        key = (forecast.id, records.CLOSED)
        plan_id = plan_id_of(*key)
        if CLOSED_KIND not in policy.kinds:
            get_report(self.settings).error(str(policy.path or "audiences/policy.yml"), "policy",
                                            f"no message kind {CLOSED_KIND!r}: add '{CLOSED_KIND}: job_alerts' under consents "
                                            f"and {CLOSED_KIND} to budget_exempt (docs/forecasts.md)")
            return
        self.earlier[key] = records.asked(store, forecast.id, records.CLOSED)
        chosen = []
        for member_id in records.answered_yes(store, forecast.id):
            member = store.get(member_id)
            if member_id in self.earlier[key] or member is None:
                continue
            suppressed = store.suppression_reason(member.email)  # erased, or unsubscribed for good
            decision = policy.decide(member, CLOSED_KIND, day, suppressed=suppressed, plan_id=plan_id)
            if suppressed or not decision.allowed:
                logger.info("forecast %s: member %s not told (%s)", forecast.id, member_id, suppressed or decision.reason)
                continue
            objection = choices.objection(choices.preferences(store, member.id), CLOSED_KIND, day)
            if objection:  # paused: told at a later build, once the pause is over
                continue
            budget.add(member.id, CLOSED_KIND, plan_id, day)
            chosen.append(member)
        self.proposed[key] = chosen
        logger.info("forecast %s fell through: %d member(s) to tell", forecast.id, len(chosen))

    def _wanted(self):
        """(forecast, message) of every plan this build may write."""
        return [*((f, records.INTEREST) for f in self.forecasts), *((f, records.CLOSED) for f in self.fell_through)]

    @paused
    def finish(self):
        from .views import compile_message

        report = get_report(self.settings)
        for forecast, message in self._wanted():
            key = (forecast.id, message)
            if not self.proposed.get(key) and not self.earlier.get(key):
                continue
            for lang in self.settings["CAREERS_LANGUAGES"]:
                try:
                    compiled = compile_message(self.settings, forecast, message, lang)
                except Exception as exc:  # a template error names the template
                    report.error(str(forecast.path), f"{message} ({lang})", f"the mail theme could not render it: {exc}")
                    continue
                for problem in gates.check(compiled, self.settings):
                    report.error(str(forecast.path), f"{message} ({lang})", problem)
                self.compiled[(forecast.id, message, lang)] = compiled

    def drafts(self, store) -> list[PlanDraft]:
        return [draft for forecast, message in self._wanted() if (draft := self._draft(store, forecast, message))]

    def _draft(self, store, forecast, message: str) -> PlanDraft | None:
        plan_id = plan_id_of(forecast.id, message)
        langs = self.settings["CAREERS_LANGUAGES"]
        members = {m.id: m for m in self.proposed.get((forecast.id, message), [])}
        earlier = [member_id for member_id, plan in self.earlier.get((forecast.id, message), {}).items() if plan == plan_id]
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
                   "new": len(self.proposed.get((forecast.id, message), []))}
        return PlanDraft(plan_id, POLICY_KIND[message], self.name, entries, used, sources=[str(forecast.path)],
                         summary=summary, members=members)

    def commit(self, store) -> None:
        for (forecast_id, message), members in self.proposed.items():
            if members and any(key[:2] == (forecast_id, message) for key in self.compiled):
                records.remember(store, forecast_id, message, plan_id_of(forecast_id, message),
                                 [m.id for m in members], self.day or dt.date.today())

    def withdraw_reason(self, meta: dict) -> str | None:
        """A plan whose forecast file is gone, or an interest plan of a forecast that fell through."""
        reason = super().withdraw_reason(meta)
        if reason is None and any(meta.get("plan_id") == plan_id_of(f.id, records.INTEREST) for f in self.fell_through):
            reason = "its forecast fell through: nobody is asked about it any more"
        return reason
