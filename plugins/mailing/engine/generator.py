"""The mail engine: one Pelican generator that drives every message kind of the registry.

Pelican sees one generator, `MailEngine`. For a build it runs the kinds
(mailing.kinds) through the protocol of `kinds.base.MessageKind`: every kind
reads; then, with the pool open once, one `Budget` seeded with what the
outbox still holds (engine.budget) is shared by every kind, planning in the
order of the policy's priorities; every kind finishes its compiling; then the
public pages, the plan folders (mailing.plan.writer, the one writer) and the
kinds' records; last, plans of the outbox that no kind wrote are withdrawn
when their content is gone.

The mail work needs the whole site context (jobs, events) but nothing of
the site's pages, so it runs in a child process while Pelican writes the
site (careers.forking): `generate_context` forks once the careers generators
have read every file with no error; `generate_output` waits for the child
and takes back what it logged (replayed through the parent's logging), the
output files it wrote (kept by `careers.output`'s sweep) and its content
problems (errors fail the build with the same one-list ContentError), and
the answers of the work the build handed to the process that opens the
store (`engine.beside`: the pool-fit table of `vivier build`). A
child that ends without an answer, no `os.fork`, other threads running,
errors already in the content, or `MAILING_BACKGROUND = False`: the same
steps run in this process. A file both the site and the child write fails
the build, as Pelican's writer does in one process. `vivier check` and the
CLI's plans call `read_here` (careers.build.read_all), which reads and
plans in this process and writes nothing.
"""

from __future__ import annotations

import logging

from pelican.writers import FileOverwriteFailedError

from careers import forking, output
from careers.report import ContentReport, get_report

from .. import memo
from .. import settings as mail_settings
from ..kinds import registry
from . import beside, steps

logger = logging.getLogger(__name__)


class MailEngine:
    """Every message kind of the registry, read, planned on one budget, compiled and written."""

    def __init__(self, *args, **kwargs):
        if kwargs.get("settings") is not None:  # applied by the plugin's `initialize`; here for direct use
            mail_settings.apply_defaults(kwargs["settings"])
        self.kinds = [cls(*args, **kwargs) for cls in registry.planning_kinds()]
        self.settings = kwargs.get("settings") or self.kinds[0].settings
        self.context = kwargs.get("context", {})
        self.output_path = kwargs.get("output_path") or self.kinds[0].output_path
        self._child: forking.Child | None = None
        self._read = False

    @property
    def parts(self) -> list:
        """The kinds, for callers that look for one of them after reading (careers.build.read_all)."""
        return self.kinds

    def read_here(self) -> None:
        """Read, plan and compile in this process; write nothing (vivier check, the CLI's plans)."""
        steps.read_and_plan(self.kinds, self.settings)
        self._read = True

    def generate_context(self):
        if self._can_fork():
            self._child = forking.Child.start(self._run_in_child)
            if self._child is not None:
                return
        self.read_here()

    def generate_output(self, writer):
        if self._child is None:
            steps.write(self.kinds, self.settings, writer)
            return
        child, self._child = self._child, None
        try:
            answer = child.result()  # its records logged here, its error raised here
        except forking.ChildFailed as exc:  # killed (out of memory?): the emails are made here instead
            logger.warning("the newsletters, invitations and job alerts process ended without an answer (%s); "
                           "making them again in this process", exc)
            self._run_here(writer)
            return
        written_here = set(getattr(writer, "_written_files", ()))
        overlap = sorted(written_here & set(answer["written_files"]))
        if overlap:  # what Pelican's writer refuses in one process: two steps writing the same file
            raise FileOverwriteFailedError(f'Failed to overwrite "{overlap[0]}": the site and the newsletter '
                                           "archive both write it; give the archive another MAILING_ARCHIVE_URL")
        record = output.produced(self.settings)
        record.paths.update(answer["paths"])
        record.written += answer["written"]
        record.unchanged += answer["unchanged"]
        beside.hand_back(self.settings, answer.get("beside", {}))
        memo.handed_over(self.settings)  # the child used the memo and pruned it; this process has nothing to prune
        report = get_report(self.settings)
        report.problems.extend(answer["problems"])
        ContentReport(report.root, list(answer["problems"])).raise_if_errors()

    def _read_and_check(self) -> ContentReport:
        """Every kind read and planned; the problems they found (their files leave the cache)."""
        from careers.content_cache import forget_files_with_problems

        report = get_report(self.settings)
        known = len(report.problems)
        self.read_here()
        mine = ContentReport(report.root, report.problems[known:], read_with_problems=set(report.read_with_problems))
        forget_files_with_problems(self.kinds, mine)
        return mine

    def _run_here(self, writer):
        """Every kind in this process, after validation: their own problems fail the build here."""
        self._read_and_check().raise_if_errors()
        steps.write(self.kinds, self.settings, writer)

    def _can_fork(self) -> bool:
        return (bool(self.settings.get("MAILING_BACKGROUND", True)) and forking.can_fork()
                and not get_report(self.settings).errors)

    # --- in the child ---------------------------------------------------------------------------

    def _run_in_child(self) -> dict:
        """Everything the kinds do in a build, then what the parent needs back."""
        report = get_report(self.settings)
        record = output.produced(self.settings)
        written, unchanged = record.written, record.unchanged
        running = beside.start(self.settings)  # the build's tasks (its pool fit), in a child of their own
        done = {}
        try:
            mine = self._read_and_check()
            writer = output.Writer(self.output_path, settings=self.settings)
            if not report.errors:
                steps.write(self.kinds, self.settings, writer)
                memo.finish_build(self.settings)
                taken, running = running, None  # collected by `finish`: never stopped after
                done = beside.finish(taken)
        finally:
            beside.stop(running)  # not wanted: the mail found content errors, or failed
        return {"problems": mine.problems, "paths": record.paths, "written_files": writer._written_files,
                "written": record.written - written, "unchanged": record.unchanged - unchanged, "beside": done}
