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
have read every file with no error; `generate_output` takes back from the
child, as soon as its public pages are written and before it writes the
outbox (`forking.send_early`), what it logged (replayed through the parent's
logging), the output files it wrote (kept by `careers.output`'s sweep) and
its content problems (errors fail the build with the same one-list
ContentError). The child writes the outbox while this process finishes the
site (its sweep, its page cache); Pelican's `finalized` (`finish_pending`)
then waits for the rest: the outbox's log lines, its error (which fails the
build), and the answers of the work the build handed to the process that
opens the store (`engine.beside`: the pool-fit table of `vivier build`). A
child killed after its pages has the outbox written by this process. A
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
            site = child.early()  # the public pages and problems, handed back before the outbox is written
            answer = child.result() if site is forking.MISSING else None  # ended (or failed) without: all of it
        except forking.ChildFailed as exc:  # killed (out of memory?): the emails are made here instead
            child.stop()  # never two processes writing the outbox: one whose answer was unreadable may still run
            logger.warning("the newsletters, invitations and job alerts process ended without an answer (%s); "
                           "making them again in this process", exc)
            self._run_here(writer)
            return
        self._take_site_part(writer, site if answer is None else answer)
        if answer is not None:
            self._take_the_rest(answer)
        else:  # it writes the outbox while this process finishes the site: collected at `finish_pending`
            self.settings[PENDING] = (self, child)

    def _take_site_part(self, writer, answer: dict) -> None:
        """The child's public pages (kept by the output's sweep) and content problems (errors fail the build)."""
        written_here = set(getattr(writer, "_written_files", ()))
        overlap = sorted(written_here & set(answer["written_files"]))
        if overlap:  # what Pelican's writer refuses in one process: two steps writing the same file
            raise FileOverwriteFailedError(f'Failed to overwrite "{overlap[0]}": the site and the newsletter '
                                           "archive both write it; give the archive another MAILING_ARCHIVE_URL")
        record = output.produced(self.settings)
        record.paths.update(answer["paths"])
        record.written += answer["written"]
        record.unchanged += answer["unchanged"]
        report = get_report(self.settings)
        report.problems.extend(answer["problems"])
        ContentReport(report.root, list(answer["problems"])).raise_if_errors()

    def _take_the_rest(self, answer: dict) -> None:
        """The answers of the work handed to the mail's process (`beside`), once the outbox is written."""
        beside.hand_back(self.settings, answer.get("beside", {}))
        memo.handed_over(self.settings)  # the child used the memo and pruned it; this process has nothing to prune

    def finish(self, child) -> None:
        """After the site (`finish_pending`): the child's outbox written, its log and answers taken; its error raised.
        Killed after its pages: the outbox is written here instead."""
        try:
            answer = child.result()
        except forking.ChildFailed as exc:
            child.stop()
            logger.warning("the newsletters, invitations and job alerts process ended before writing the outbox (%s); "
                           "writing it in this process", exc)
            report = get_report(self.settings)
            known = len(report.problems)
            self.read_here()  # read again now: a file saved since the fork may hold an error
            errors = ContentReport(report.root, report.problems[known:]).errors
            del report.problems[known:]  # the warnings the child found are listed already
            ContentReport(report.root, errors).raise_if_errors()  # no plan written from content with an error
            steps.write_plans(self.kinds, self.settings)
            return
        self._take_the_rest(answer)

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
        running = beside.start(self.settings, self.context)  # the build's tasks (its pool fit), in a child of their own
        done = {}
        try:
            mine = self._read_and_check()
            writer = output.Writer(self.output_path, settings=self.settings)
            if not report.errors:
                steps.write_public(self.kinds, writer)
                forking.send_early(self._answer(mine, record, writer, written, unchanged))  # the site goes on
                steps.write_plans(self.kinds, self.settings)
                memo.finish_build(self.settings)
                taken, running = running, None  # collected by `finish`: never stopped after
                done = beside.finish(taken)
        finally:
            beside.stop(running)  # not wanted: the mail found content errors, or failed
        return {**self._answer(mine, record, writer, written, unchanged), "beside": done}

    @staticmethod
    def _answer(mine, record, writer, written: int, unchanged: int) -> dict:
        """What the site needs of the child: its content problems and the files it wrote in the output folder."""
        return {"problems": mine.problems, "paths": record.paths, "written_files": writer._written_files,
                "written": record.written - written, "unchanged": record.unchanged - unchanged}


PENDING = "_mailing_pending_child"  # settings key: (engine, child) whose outbox is written while the site finishes


def finish_pending(settings: dict) -> None:
    """Pelican's `finalized`, after the site's sweep and page cache: wait for the mail child that handed its pages
    back early (`MailEngine.generate_output`) to finish the outbox; its failure fails the build."""
    pending = settings.pop(PENDING, None)
    if pending is not None:
        engine, child = pending
        engine.finish(child)
