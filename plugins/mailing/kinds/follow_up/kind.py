"""The follow-up kind: the steps of the sequences in audiences/sequences/ that are due today.

`read` loads the sequences (every problem of their files in the report) and
compiles each step once; `plan` decides who is due which step today on the
shared budget (at the rank of its most important sequence kind); `drafts`
hands the engine the day's plan (steps planned earlier today kept); `commit`
remembers the steps, so none is ever planned twice.
"""

from __future__ import annotations

import glob
import logging
import os
from collections import Counter

from careers.dates import today
from careers.report import get_report

from ... import gates
from . import due as sequences
from . import records as sequence_records
from ...collector import paused
from ...plan.spool import Spool, entry_member
from ...plan.writer import PlanDraft
from .rules import SequenceError, load_sequences
from .views import compile_steps, sequence_theme
from ...settings import mail_theme_path, project_path
from ..base import MessageKind
from ..registry import register

logger = logging.getLogger(__name__)


def load_rules(settings):
    """(segments, policy, sequences) of the project; SequenceError lists every problem of the sequence files."""
    from talentpool import config as pool_config

    segments = pool_config.load_segments(settings)
    policy = pool_config.load_policy(settings)
    found = load_sequences(project_path(settings, settings["SEQUENCES_PATH"]), segments,
                           languages=settings["CAREERS_LANGUAGES"], kinds=tuple(policy.consents),
                           default_wait=settings["SEQUENCES_MAX_WAIT_DAYS"])
    return segments, policy, found


@register
class FollowUpKind(MessageKind):
    """Plans the day's follow-up steps."""

    name = "follow_up"
    policy_kinds = ("follow_up",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sequences = {}
        self.compiled_steps = {}
        self.sequence_day = None

    @paused
    def read(self):
        settings = self.settings
        report = get_report(settings)
        folder = project_path(settings, settings["SEQUENCES_PATH"])
        if not any(glob.glob(os.path.join(folder, "*.y*ml"))):
            return
        try:
            _, _, self.sequences = load_rules(settings)
        except SequenceError as exc:
            for path, key, message, line in exc.problems:
                report.error(path, key, message, line=line)
            return
        except Exception as exc:  # segments or policy invalid: the audience commands explain
            report.error(folder, "segments", f"the talent pool's segments or policy cannot be loaded: {exc}")
            return
        theme = sequence_theme(settings, mail_theme_path(settings))
        try:
            self.compiled_steps = compile_steps(theme, settings, self.sequences, sequences.plan_id_for(today(settings)))
        except Exception as exc:  # a template error names the template
            for sequence in self.sequences.values():
                report.error(str(sequence.path), "steps", f"the mail theme could not render it: {exc}")
            return
        for (key, lang, _), compiled in self.compiled_steps.items():
            name, step = key.split("__", 1)
            for problem in gates.check(compiled, settings):
                report.error(str(self.sequences[name].path), f"step {step} ({lang})", problem)

    def wants_store(self) -> bool:
        return bool(self.sequences)

    def rank(self, policy) -> int:
        return min((policy.priority(s.kind) for s in self.sequences.values()), default=len(policy.priority_order))

    def plan(self, budget, store, policy, day):
        self._planned(sequences.plan_sequences(store, self.sequences, policy, day, budget))

    def walker(self, budget, store, policy, day):
        if not self.sequences:
            return None  # plan() plans nothing, without reading the store
        return sequences.SequencesWalker(sequences.SequencePlanner(store, self.sequences, policy, day, budget),
                                         self._planned)

    def _planned(self, day):
        self.sequence_day = day
        self.context["sequence_day"] = day

    def drafts(self, store) -> list[PlanDraft]:
        if self.sequence_day is None or not self.sequence_day.planned:
            return []
        draft = day_draft(store, self.sequence_day, self.sequences, self.compiled_steps,
                          self.settings.get("MAILING_PREVIEWS", 3))
        return [draft] if draft is not None else []

    def commit(self, store) -> None:
        if self.sequence_day is not None and self.sequence_day.planned:
            sequences.commit(store, self.sequence_day)


def day_draft(store, day, sequence_defs: dict, compiled: dict, previews: int = 3) -> PlanDraft | None:
    """The day's follow-up plan: steps planned earlier today kept, then today's new ones.

    It names no source: one day's plan serves every sequence, and a step whose
    sequence is gone is left out here (a deleted file must not withdraw the others')."""
    fresh = {d.member_id: d for d in day.planned}
    entries, used = Spool(previews), set()  # on disk, with the previews' members only (issue 21)
    kinds, steps = Counter(), Counter()
    old = [row for row in sequence_records.rows_of_plan(store, day.plan_id) if row.member_id not in fresh]
    items = [(row.member_id, row.sequence, row.step, row.occurrence, None) for row in old]
    items += [(d.member_id, d.sequence.name, d.step.id, d.occurrence, d.language) for d in day.planned]
    for member_id, name, step, occurrence, language in items:
        sequence = sequence_defs.get(name)
        if sequence is None or not any(s.id == step for s in sequence.steps):
            logger.warning("%s: step %s/%s is no longer defined; member %s left out", day.plan_id, name, step, member_id)
            continue
        found = entry_member(store, member_id, language)
        if found is None:
            continue
        language, member = found
        lang = language if language in sequence.languages else sequence.languages[0]
        key = f"{name}__{step}"
        used.add((key, lang, "a"))
        kinds[sequence.kind] += 1
        steps[(name, step)] += 1
        entries.add({"member": member_id, "segment": key, "lang": lang, "variant": "a", "kind": sequence.kind,
                     "sequence": name, "step": step, "occurrence": occurrence}, member)
    if not entries:
        return None
    summary = {
        "day": day.today.isoformat(), "recipients": len(entries), "new_today": len(entries),
        "counts": [{"sequence": n, "step": s, "members": c} for (n, s), c in sorted(steps.items())],
    }
    return PlanDraft(day.plan_id, kinds.most_common(1)[0][0], "follow_up", entries,
                     {key: compiled[key] for key in sorted(used)}, summary=summary, members=entries.members)
