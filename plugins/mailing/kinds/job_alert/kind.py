"""The job-alert kind: each member's saved criteria act as their own segment; one digest per period.

`read` takes the build's open jobs; `plan` plans today's digests on the
shared budget (at the policy's rank of `job_alert`); `finish` compiles the
digest template and runs the gates; `drafts` hands the engine today's plan
(digests planned earlier today kept, closed jobs left out); `commit`
remembers each (member, job), so no job is alerted twice.
"""

from __future__ import annotations

import logging
import os

from careers.report import get_report

from . import digests as alerts
from ... import gates
from ...collector import paused
from ...plan.writer import PlanDraft
from ...settings import mail_theme_path
from ..base import MessageKind
from ..registry import register

logger = logging.getLogger(__name__)
TEMPLATE = "alert.mjml"


@register
class AlertsGenerator(MessageKind):
    """Plans today's job-alert digests from the open jobs of the build."""

    name = "job_alert"
    policy_kinds = (alerts.KIND,)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.day = None
        self.compiled = {}
        self.groups: dict[str, dict] = {}
        self.jobs = []
        self.earlier = {}

    def read(self):
        settings = self.settings
        self.groups = {}
        for job in self.context.get("open_jobs") or ():
            self.groups.setdefault(str(job.reference), {})[job.lang] = job
        self.jobs = [alerts.OpenJob.of(versions.get(settings["DEFAULT_LANG"]) or next(iter(versions.values())))
                     for versions in self.groups.values()]

    def wants_store(self) -> bool:
        return bool(self.jobs)

    def plan(self, budget, store, policy, day):
        settings = self.settings
        self._planned(store, alerts.plan_alerts(store, self.jobs, policy, day, planned=budget,
                                                max_jobs=settings["COMMUNITY_ALERT_MAX_JOBS"],
                                                max_age_days=settings["COMMUNITY_ALERT_MAX_AGE_DAYS"]))

    def walker(self, budget, store, policy, day):
        if not self.jobs:
            return None  # plan() plans nothing, without reading the store
        settings = self.settings
        planner = alerts.AlertPlanner(store, self.jobs, policy, day, planned=budget,
                                      max_jobs=settings["COMMUNITY_ALERT_MAX_JOBS"],
                                      max_age_days=settings["COMMUNITY_ALERT_MAX_AGE_DAYS"])
        return alerts.AlertsWalker(planner, lambda planned_day: self._planned(store, planned_day))

    def _planned(self, store, day):
        self.day = day
        self.earlier = alerts.rows_of_plan(store, day.plan_id)
        self.context["alert_day"] = day

    @paused
    def finish(self):
        from .views import alert_theme, compile_alerts

        settings = self.settings
        report = get_report(settings)
        if report.errors or self.day is None or not (self.day.digests or self.earlier):
            return
        template = os.path.join(mail_theme_path(settings), TEMPLATE)
        # Only the jobs some digest of this plan lists (today's and those planned earlier today) are
        # compiled: a digest shows a handful of the open jobs, and compiling a card for each of
        # thousands of them made the alert the size of a newsletter.
        listed = {ref for digest in self.day.digests for ref in digest.jobs}
        listed.update(ref for refs in self.earlier.values() for ref in refs)
        groups = {ref: versions for ref, versions in self.groups.items() if ref in listed}
        if not groups:
            return
        try:
            self.compiled = compile_alerts(alert_theme(settings, mail_theme_path(settings)), settings, groups, self.day.plan_id)
        except Exception as exc:  # Jinja or MRML errors name the template
            report.error(template, "job alerts", f"the mail theme could not render the alert: {exc}")
            return
        for (_, lang, _), variant in self.compiled.items():
            for problem in gates.check(variant, settings):
                report.error(template, f"alert ({lang})", problem)

    def drafts(self, store) -> list[PlanDraft]:
        if self.day is None or not self.compiled:
            return []
        draft = alerts.alert_draft(self.settings, store, self.day, self.compiled, set(self.groups))
        return [draft] if draft is not None else []

    def commit(self, store) -> None:
        if self.day is not None and self.compiled:
            alerts.record(store, self.day)
