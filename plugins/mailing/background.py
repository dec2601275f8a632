"""The mail generators of a build, in a child process while Pelican writes the career site.

Newsletters, invitations and job alerts need the whole site context (jobs,
events) but nothing of the site's pages, and the site's pages need nothing of
the emails. A build ran them one after the other: at 5,000 jobs the mail
side took 2.3 s of a 7.4 s rebuild and 5 s of a cold build, the second core
idle. Pelican sees one generator here, `MailGenerators`:

- `generate_context`, once the careers generators have read every job and
  event with no error, forks. The child runs the newsletter, invitation and
  alert generators as a build always did (read, compile, check, plan; then,
  if nothing is wrong, write the outbox and the archive pages) while the
  parent goes on and writes the site.
- `generate_output` waits for the child and takes back, in this order, what
  it logged (replayed through the parent's logging, so Pelican's console,
  its deduplication and `--fatal` see every line), the output files it wrote
  (kept by `careers.output`'s sweep), and its content problems: warnings are
  logged, and errors fail the build with the same one-list ContentError.
  A child that ends without an answer fails the build too.

Without `os.fork`, with other threads running (forking them is unsafe; Rich's
refresh thread of Pelican's status line is the one known exception), with
errors already found in the content (every problem must be listed at once),
or with `MAILING_BACKGROUND = False`, the three generators run in the
process, in Pelican's order, exactly as before; so they do, after the site's
output, if the system refuses the fork or the child ends without an answer
(killed). A file both the site and the child write fails the build, as
Pelican's writer does in one process. What the child wrote stands even if the
site's output fails afterwards (a broken page template): the emails were
checked, and a build that fails is not published. `vivier check` and the CLI's
plans use the three generators directly (`careers.build.read_all` takes
`parts`). The one difference a user can see: when only an email is wrong,
the career site's pages are written before the build fails.
"""

from __future__ import annotations

import logging

from pelican.writers import FileOverwriteFailedError

from careers import forking, output
from careers.report import ContentReport, get_report

from . import memo
from .alert_generator import AlertsGenerator
from .generator import NewsletterGenerator
from .invitation_generator import InvitationsGenerator

logger = logging.getLogger(__name__)


class MailGenerators:
    """Newsletters, invitations and alerts (in this order: they share one frequency budget)."""

    # In this order: invitations and alerts share the newsletters' frequency
    # budget and may take a newsletter back from a member over budget.
    parts = (NewsletterGenerator, InvitationsGenerator, AlertsGenerator)

    def __init__(self, *args, **kwargs):
        self.generators = [cls(*args, **kwargs) for cls in self.parts]
        self.settings = self.generators[0].settings
        self.output_path = self.generators[0].output_path
        self._child: forking.Child | None = None

    def generate_context(self):
        if self._can_fork():
            self._child = forking.Child.start(self._run_in_child)
            if self._child is not None:
                return
        for generator in self.generators:
            generator.generate_context()

    def generate_output(self, writer):
        if self._child is None:
            for generator in self.generators:
                generator.generate_output(writer)
            return
        child, self._child = self._child, None
        try:
            answer = child.join()
        except forking.ChildFailed as exc:  # killed (out of memory?): the emails are made here instead
            logger.warning("the newsletters, invitations and job alerts process ended without an answer (%s); "
                           "making them again in this process", exc)
            self._run_here(writer)
            return
        forking.replay(answer["records"])
        if answer["error"] is not None:
            raise answer["error"]
        answer = answer["result"]
        written_here = set(getattr(writer, "_written_files", ()))
        overlap = sorted(written_here & set(answer["written_files"]))
        if overlap:  # what Pelican's writer refuses in one process: two steps writing the same file
            raise FileOverwriteFailedError(f'Failed to overwrite "{overlap[0]}": the site and the newsletter '
                                           "archive both write it; give the archive another MAILING_ARCHIVE_URL")
        record = output.produced(self.settings)
        record.paths.update(answer["paths"])
        record.written += answer["written"]
        record.unchanged += answer["unchanged"]
        memo.handed_over(self.settings)  # the child used the memo and pruned it; this process has nothing to prune
        report = get_report(self.settings)
        report.problems.extend(answer["problems"])
        ContentReport(report.root, list(answer["problems"])).raise_if_errors()

    def _read_and_check(self) -> ContentReport:
        """The three generators' `generate_context`; the problems they found (their files leave the cache)."""
        from careers.content_cache import forget_files_with_problems

        report = get_report(self.settings)
        known = len(report.problems)
        for generator in self.generators:
            generator.generate_context()
        mine = ContentReport(report.root, report.problems[known:])
        forget_files_with_problems(self.generators, mine)
        return mine

    def _run_here(self, writer):
        """The three generators in this process, after validation: their own problems fail the build here."""
        self._read_and_check().raise_if_errors()
        for generator in self.generators:
            generator.generate_output(writer)

    def _can_fork(self) -> bool:
        return (bool(self.settings.get("MAILING_BACKGROUND", True)) and forking.can_fork()
                and not get_report(self.settings).errors)

    # --- in the child ---------------------------------------------------------------------------

    def _run_in_child(self) -> dict:
        """Everything the three generators did in a build, then what the parent needs back."""
        report = get_report(self.settings)
        record = output.produced(self.settings)
        written, unchanged = record.written, record.unchanged
        mine = self._read_and_check()
        writer = output.Writer(self.output_path, settings=self.settings)
        if not report.errors:
            for generator in self.generators:
                generator.generate_output(writer)
            memo.finish_build(self.settings)
        return {"problems": mine.problems, "paths": record.paths, "written_files": writer._written_files,
                "written": record.written - written, "unchanged": record.unchanged - unchanged}
