"""The Pelican generator of event invitations and follow-up sequences: plan, compile, check; then write.

It runs after the newsletter generator. `generate_context` reads the
sequences, plans today's invitation rounds and follow-ups with the talent
pool (the most important kind first, one budget shared with the newsletters
planned in the same build, whose entries it takes back when a more important
message wins), compiles every email once and runs the quality gates (problems
go to the build's ContentReport). It writes nothing: `generate_output` writes
the plan folders into the outbox and remembers what was planned in the store.
"""

from __future__ import annotations

import difflib

import glob
import logging
import os

from careers.dates import today
from careers.fields import field_line
from careers.report import get_report
from pelican.generators import Generator

from . import gates, invitation_records, invitation_settings
from .collector import paused
from .invitation_budget import Planned, newsletter_plans, reconcile_newsletters
from .invitation_outbox import write_day, write_round
from .invitation_views import compile_round, invitation_theme
from .invitations import InvitationSettings, group_events, plan_invitations
from .sequence_rules import SequenceError, load_sequences
from .sequence_views import compile_steps, sequence_theme
from .sequences import plan_id_for, plan_sequences
from .settings import mail_theme_path, project_path

logger = logging.getLogger(__name__)


def load_rules(settings):
    """(segments, policy, sequences) of the project; SequenceError lists every problem of the sequence files."""
    from talentpool import config as pool_config
    from talentpool.policy import Policy

    segments = pool_config.load_segments(settings)
    policy_path = pool_config.path(settings, "POOL_POLICY_PATH")
    policy = pool_config.load_policy(settings) if policy_path.exists() else Policy()
    sequences = load_sequences(project_path(settings, settings["SEQUENCES_PATH"]), segments,
                               languages=settings["CAREERS_LANGUAGES"], kinds=tuple(policy.consents),
                               default_wait=settings["SEQUENCES_MAX_WAIT_DAYS"])
    return segments, policy, sequences


class InvitationsGenerator(Generator):
    """Plans today's invitation rounds and follow-up steps; writes their plans."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        invitation_settings.apply_defaults(self.settings)
        invitation_settings.validate(self.settings)
        self.event_plans = []
        self.sequence_day = None
        self.sequences = {}
        self.compiled_rounds = {}  # plan id -> compiled variants
        self.compiled_steps = {}
        self.taken_back = {}

    @paused
    def generate_context(self):
        settings = self.settings
        report = get_report(settings)
        day = today(settings)
        events = [e for e in self.context.get("events", []) if not e.is_past]
        folder = project_path(settings, settings["SEQUENCES_PATH"])
        if not any(e.segments for e in events) and not any(glob.glob(os.path.join(folder, "*.y*ml"))):
            return  # nothing to invite anyone to, no sequence: the pool is not even opened
        try:
            segments, policy, self.sequences = load_rules(settings)
        except SequenceError as exc:
            for path, key, message, line in exc.problems:
                report.error(path, key, message, line=line)
            return
        except Exception as exc:  # segments or policy invalid: the audience commands explain
            report.error(folder, "segments", f"the talent pool's segments or policy cannot be loaded: {exc}")
            return
        for event in group_events(events, settings["DEFAULT_LANG"]):
            for name in event.segments:
                if name not in segments:
                    close = difflib.get_close_matches(name, list(segments), n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    report.error(event.source_path, "segments", f"unknown segment {name!r}: {hint}"
                                 f"(segments in audiences/segments: {', '.join(sorted(segments))})",
                                 line=field_line(event.source_path, "segments"))
        self._compile_steps(report, day)
        if report.errors:
            return
        from talentpool import config as pool_config

        newsletters = newsletter_plans(self.context.get("newsletters"))
        planned = Planned()
        for plan in newsletters:
            for entry in plan.entries:
                planned.add(entry.member_id, "newsletter", plan.slug, day)
        mine = Planned()  # invitations and follow-ups only, for the newsletters' reconciliation
        with pool_config.open_store(settings) as store:
            def invite():
                self.event_plans = plan_invitations(store, events, segments, policy, day, planned=planned,
                                                    options=InvitationSettings.from_settings(settings),
                                                    default_lang=settings["DEFAULT_LANG"])
                for plan in self.event_plans:
                    for round_ in plan.rounds:
                        for recipient in round_.recipients:
                            mine.add(recipient.member.id, "invitation", round_.plan_id, day)

            def follow_up():
                self.sequence_day = plan_sequences(store, self.sequences, policy, day, planned)
                for step in self.sequence_day.planned:
                    mine.add(step.member.id, step.sequence.kind, self.sequence_day.plan_id, day)

            # The most important kind plans first; the policy counts planned messages of equal or higher priority.
            follow_rank = min((policy.priority(s.kind) for s in self.sequences.values()), default=len(policy.priority_order))
            for plan_kind in ((invite, follow_up) if policy.priority("invitation") <= follow_rank else (follow_up, invite)):
                plan_kind()
            recent = store.messages_by_member(policy.window_start(day))
            self.taken_back = reconcile_newsletters(newsletters, mine, policy, day, recent)
        self._compile_rounds(report)
        self.context["invitation_plans"] = self.event_plans
        self.context["sequence_day"] = self.sequence_day

    def _compile_steps(self, report, day):
        if not self.sequences:
            return
        theme = sequence_theme(self.settings, mail_theme_path(self.settings))
        try:
            self.compiled_steps = compile_steps(theme, self.settings, self.sequences, plan_id_for(day))
        except Exception as exc:  # a template error names the template
            for sequence in self.sequences.values():
                report.error(str(sequence.path), "steps", f"the mail theme could not render it: {exc}")
            return
        for (key, lang, _), compiled in self.compiled_steps.items():
            name, step = key.split("__", 1)
            for problem in gates.check(compiled, self.settings):
                report.error(str(self.sequences[name].path), f"step {step} ({lang})", problem)

    def _compile_rounds(self, report):
        if not any(round_.recipients for plan in self.event_plans for round_ in plan.rounds):
            return
        theme = invitation_theme(self.settings, mail_theme_path(self.settings))
        for plan in self.event_plans:
            names = [n for n in plan.event.segments if n not in plan.unknown_segments]
            for round_ in plan.rounds:
                if not round_.recipients:
                    continue
                try:
                    compiled = compile_round(theme, self.settings, round_, names)
                except Exception as exc:
                    report.error(plan.event.source_path, f"invitation {round_.action}", f"the mail theme could not render it: {exc}")
                    continue
                for (segment, lang, action), variant in compiled.items():
                    for problem in gates.check(variant, self.settings):
                        report.error(plan.event.source_path, f"invitation {action} {segment}/{lang}", problem)
                self.compiled_rounds[round_.plan_id] = compiled

    @paused
    def generate_output(self, writer):
        from talentpool import config as pool_config

        if not self.event_plans and (self.sequence_day is None or not self.sequence_day.planned):
            return
        with pool_config.open_store(self.settings) as store:
            for plan in self.event_plans:
                for round_ in plan.rounds:
                    compiled = self.compiled_rounds.get(round_.plan_id)
                    if compiled is None:  # nobody new today: remember those skipped, keep the folder as it is
                        invitation_records.record(store, round_.rows())
                        continue
                    write_round(self.settings, store, round_, compiled)
            if self.sequence_day is not None and self.sequence_day.planned:
                write_day(self.settings, store, self.sequence_day, self.sequences, self.compiled_steps)
