"""The Pelican generator of job alerts: plan today's digests, compile and check them; then write the plan.

Registered by the mailing plugin after the newsletter and invitation
generators, so it sees what they planned and shares their
frequency budget: a job alert outranks newsletters and follow-ups, which it
takes back for members it would push over budget.
"""

from __future__ import annotations

import logging
import os

from careers.dates import today
from careers.report import get_report
from pelican.generators import Generator

from . import alerts, gates
from .collector import paused
from . import settings as mailing_settings
from .settings import mail_theme_path
from .community import settings as community_settings
from .invitation_budget import Planned, newsletter_plans

logger = logging.getLogger(__name__)
TEMPLATE = "alert.mjml"


def initialize(pelican):
    """COMMUNITY_… defaults and validation, before any generator exists."""
    community_settings.apply_defaults(pelican.settings)
    community_settings.validate(pelican.settings)


def already_planned(context, day) -> Planned:
    """What the newsletter and invitation generators planned in this build, per member."""
    planned = Planned()
    for plan in newsletter_plans(context.get("newsletters")):
        for entry in plan.entries:
            planned.add(entry.member_id, "newsletter", plan.slug, day)
    for plan in context.get("invitation_plans") or ():
        for round_ in plan.rounds:
            for recipient in round_.recipients:
                planned.add(recipient.member.id, "invitation", round_.plan_id, day)
    sequence_day = context.get("sequence_day")
    for step in getattr(sequence_day, "planned", None) or ():
        planned.add(step.member.id, step.sequence.kind, sequence_day.plan_id, day)
    return planned


class AlertsGenerator(Generator):
    """Plans today's job-alert digests from the open jobs of the build."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        mailing_settings.apply_defaults(self.settings)
        community_settings.apply_defaults(self.settings)
        self.day = None
        self.compiled = {}
        self.open_refs: set[str] = set()

    @paused
    def generate_context(self):
        from talentpool import config as pool_config
        from talentpool.policy import Policy

        from .community.alert_view import alert_theme, compile_alerts

        settings = self.settings
        report = get_report(settings)
        if report.errors:
            return
        day = today(settings)
        groups: dict[str, dict] = {}
        for job in self.context.get("open_jobs") or ():
            groups.setdefault(str(job.reference), {})[job.lang] = job
        self.open_refs = set(groups)
        jobs = [alerts.OpenJob.of(versions.get(settings["DEFAULT_LANG"]) or next(iter(versions.values())))
                for versions in groups.values()]
        template = os.path.join(mail_theme_path(settings), TEMPLATE)
        try:
            policy_path = pool_config.path(settings, "POOL_POLICY_PATH")
            policy = pool_config.load_policy(settings) if policy_path.exists() else Policy()
            planned = already_planned(self.context, day)
            with pool_config.open_store(settings) as store:
                self.day = alerts.plan_alerts(store, jobs, policy, day, planned=planned,
                                              max_jobs=settings["COMMUNITY_ALERT_MAX_JOBS"],
                                              max_age_days=settings["COMMUNITY_ALERT_MAX_AGE_DAYS"])
                recent = store.messages_by_member(policy.window_start(day))
                earlier = alerts.rows_of_plan(store, self.day.plan_id)
            taken = alerts.take_back(newsletter_plans(self.context.get("newsletters")), self.context.get("sequence_day"),
                                     self.day, planned, policy, recent)
        except Exception as exc:  # an unreadable policy or store: the audience commands explain
            report.error(template, "job alerts", f"the talent pool could not be read to plan alerts: {exc}")
            return
        for what, count in taken.items():
            logger.info("job alerts: %d %s message(s) left for a later day (budget)", count, what)
        self.context["alert_day"] = self.day
        if not (self.day.digests or earlier):
            return
        try:
            self.compiled = compile_alerts(alert_theme(settings, mail_theme_path(settings)), settings, groups, self.day.plan_id)
        except Exception as exc:  # Jinja or MRML errors name the template
            report.error(template, "job alerts", f"the mail theme could not render the alert: {exc}")
            return
        for (_, lang, _), variant in self.compiled.items():
            for problem in gates.check(variant, settings):
                report.error(template, f"alert ({lang})", problem)

    @paused
    def generate_output(self, writer):
        from talentpool import config as pool_config

        if self.day is None or not self.compiled:
            return
        with pool_config.open_store(self.settings) as store:
            alerts.write_plan(self.settings, store, self.day, self.compiled, self.open_refs)
