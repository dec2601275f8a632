"""The newsletter kind: read, compile, check; plan on the shared budget; then write.

`read` reads `content/newsletters/`, compiles every campaign × segment ×
language × variant once and runs the quality gates (problems go to the
build's ContentReport, so a bad email fails the build before anything is
written); `plan` plans each campaign's audience with the talent pool (the
newsletter is the policy's least important kind: it plans last, on what the
other kinds left); `drafts` hands the engine one plan per campaign and
`write_public` writes the public archive pages.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from careers.report import get_report
from jinja2 import ChoiceLoader, FileSystemLoader
from pelican.utils import process_translations

from ...settings import mail_theme_path
from . import archive
from ... import gates
from ...collector import paused
from .campaigns import CAMPAIGN_WIDE, Campaign, apply_schema, line
from ...pipeline import CompiledVariant, MailTheme, compile_variant
from .planning import CampaignStream, SpooledPlan, known_segments, stream_audience
from ...plan.writer import PlanDraft
from .selections import resolve
from ...views import build_view
from ..base import MessageKind
from ..registry import register

logger = logging.getLogger(__name__)
FOLDER = "newsletters"


@dataclass
class CampaignBuild:
    """Everything the build knows about one campaign (all its languages)."""

    slug: str
    versions: dict[str, Campaign]  # lang -> file
    segments: list[str]
    variants: list[str]
    compiled: dict[tuple[str, str, str], CompiledVariant] = field(default_factory=dict)
    plan: SpooledPlan | None = None
    draft: bool = False

    @property
    def original(self) -> Campaign:
        return next(iter(self.versions.values()))


@register
class NewsletterGenerator(MessageKind):
    """Reads campaigns and turns them into compiled, checked, planned emails."""

    name = "newsletter"
    policy_kinds = ("newsletter",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Public archive pages extend the site's base.html; their template lives with the mail theme.
        self.env.loader = ChoiceLoader([self.env.loader, FileSystemLoader(os.path.join(mail_theme_path(self.settings), "site"))])
        self.builds: list[CampaignBuild] = []

    @paused
    def read(self):
        settings = self.settings
        report = get_report(settings)
        default_lang = settings["DEFAULT_LANG"]
        campaigns = []
        for path in sorted(self.get_files([FOLDER])):
            try:
                campaign = self.readers.read_file(base_path=self.path, path=path, content_class=Campaign, context=self.context)
            except Exception as exc:  # a file Pelican cannot read at all
                report.error(os.path.join(self.path, path), "file", f"cannot be read: {exc}")
                continue
            if apply_schema(campaign, settings, report):
                campaigns.append(campaign)
            self.add_source_path(campaign)
        originals, translations = process_translations(campaigns, translation_id="slug")
        try:
            theme = MailTheme(mail_theme_path(settings)).use_build_caches(settings)
            segment_names = known_segments(settings)
        except Exception as exc:
            for campaign in campaigns:
                report.error(campaign.source_path, "segments", f"the talent pool's segments or the mail theme cannot be loaded: {exc}")
            return
        known: dict = {}  # each job's facts and card lines, for every campaign (views.build_view)
        for original in sorted(originals, key=lambda c: c.date):
            build = self._check_versions(original, report, default_lang, segment_names)
            if build is not None:
                self._compile(build, theme, report, known)
                self.builds.append(build)
        self.context["newsletters"] = self.builds

    def wants_store(self) -> bool:
        return any(not build.draft for build in self.builds)

    def plan(self, budget, store, policy, day):
        self._plan(get_report(self.settings), budget, store, policy, day)

    def walker(self, budget, store, policy, day):
        from talentpool.audience import walks_rows

        if not walks_rows(store, policy):
            return None
        return _CampaignsWalker(self, get_report(self.settings), budget, store, policy, day)

    def replaces(self, meta: dict) -> bool:
        return any(build.slug == meta.get("plan_id") for build in self.builds if not build.draft)

    def withdraw_reason(self, meta: dict) -> str | None:
        build = next((b for b in self.builds if b.slug == meta.get("plan_id")), None)
        if build is None:
            sources = ", ".join(s.get("path", "") for s in meta.get("sources") or ()) or meta.get("plan_id")
            return f"its campaign ({sources}) is no longer in content/newsletters/"
        if build.draft:
            return f"its campaign {build.slug} is a draft again (Status: draft)"
        return super().withdraw_reason(meta)

    def _check_versions(self, original, report, default_lang, segment_names):
        versions = {original.lang: original}
        for translation in original.translations:
            if translation.lang in versions:
                report.error(translation.source_path, "lang", f"a {translation.lang} version of {original.slug!r} already exists ({versions[translation.lang].source_path})")
                continue
            versions[translation.lang] = translation
        main = versions.get(default_lang, original)
        for version in versions.values():
            if version is main:
                continue
            for name in CAMPAIGN_WIDE:
                if name in version.given and getattr(version, name) != getattr(main, name):
                    report.error(version.source_path, name, f"differs from {os.path.basename(main.source_path)}; campaign-wide fields are set in the {main.lang} file", line=line(version, name))
                setattr(version, name, getattr(main, name))
        languages = main.languages or list(versions)
        for lang in languages:
            if lang not in versions:
                folder = "content/newsletters/" if lang == default_lang else f"content/newsletters/{lang}/"
                report.error(main.source_path, "languages",
                             f"lists {lang!r} but no {lang} file has Slug {main.slug!r}; give the {lang} file this Slug, "
                             f"add one in {folder} or remove {lang!r} from Languages", line=line(main, "languages"))
        for name in main.segments:
            if name not in segment_names:
                known = ", ".join(sorted(segment_names)) or "none"
                report.error(main.source_path, "segments", f"unknown segment {name!r} (segments in audiences/segments: {known})", line=line(main, "segments"))
        if report.has_errors_for(main.source_path) or any(report.has_errors_for(v.source_path) for v in versions.values()):
            return None
        ordered = {lang: versions[lang] for lang in languages if lang in versions}
        variants = ["a", "b"] if any(v.subject_b for v in ordered.values()) else ["a"]
        for version in ordered.values():
            if variants == ["a", "b"] and not version.subject_b:
                report.error(version.source_path, "subject_b", "the campaign tests two subjects: every language needs its Subject_B", line=line(version, "subject"))
        draft = main.status == "draft"
        return CampaignBuild(main.slug, ordered, list(main.segments), variants, draft=draft)

    def _compile(self, build: CampaignBuild, theme: MailTheme, report, known: dict | None = None):
        default_lang = self.settings["DEFAULT_LANG"]
        for lang, campaign in build.versions.items():
            strings = theme.strings(lang)
            # Candidates' items, their facts and their compiled cards, shared by the segments and
            # variants of this language (views.build_view and pipeline.compile_variant).
            shared: dict = {}
            reported = False
            for segment in build.segments:
                resolved = resolve(campaign, self.context, lang, default_lang, segment, known)
                if not reported:
                    for name, message in resolved.errors:
                        report.error(campaign.source_path, name, message, line=line(campaign, name))
                    for name, message in resolved.warnings:
                        report.warning(campaign.source_path, name, message, line=line(campaign, name))
                    reported = True
                if resolved.errors:
                    continue
                for variant in build.variants:
                    view = build_view(self.settings, campaign, segment, variant, resolved.items, strings, shared, known)
                    try:
                        compiled = compile_variant(theme, view, memo=shared)
                    except Exception as exc:  # Jinja or MRML errors: the message names the template
                        report.error(campaign.source_path, f"variant {segment}/{lang}/{variant}", f"the mail theme could not render it: {exc}")
                        continue
                    for problem in gates.check(compiled, self.settings):
                        report.error(campaign.source_path, f"variant {segment}/{lang}/{variant}", problem)
                    build.compiled[(segment, lang, variant)] = compiled

    def _plannable(self, report):
        """The campaigns to plan now, in date order, with their main version (None once the report has errors:
        a campaign that could not be planned stops the ones after it)."""
        default_lang = self.settings["DEFAULT_LANG"]
        for build in self.builds:
            if build.draft or report.errors:
                continue
            expected = {(s, l, v) for s in build.segments for l in build.versions for v in build.variants}
            if expected - set(build.compiled):
                continue
            yield build, build.versions.get(default_lang, build.original)

    def _stream(self, build, main, budget, store, policy, day):
        """(the campaign's audience streamed from the pool, the `CampaignStream` planning it)."""
        audience, prefs = stream_audience(self.settings, build.segments, day, store=store, policy=policy,
                                          planned=budget.by_member, plan_id=build.slug)
        # Each recipient counts against the budget as soon as planned: the walk has already decided them.
        return audience, CampaignStream(build.slug, audience, build.compiled, list(build.versions), main.lang,
                                        build.variants, main.holdout, main.matches, main.if_nothing, prefs=prefs,
                                        today=day, planned=budget, day=day,
                                        previews=self.settings.get("MAILING_PREVIEWS", 3))

    @staticmethod
    def _failed(report, main, exc):
        report.error(main.source_path, "segments", f"the talent pool could not evaluate the audience: {exc}", line=line(main, "segments"))

    def _plan(self, report, budget, store, policy, day):
        """Each campaign's audience from the talent pool, in date order, sharing one budget."""
        for build, main in self._plannable(report):
            try:
                audience, campaign = self._stream(build, main, budget, store, policy, day)
                for member, segment in audience:
                    campaign.member(member, segment)
                build.plan = campaign.finish()
            except Exception as exc:
                self._failed(report, main, exc)
                continue
            logger.info("newsletter %s: %d recipients planned", build.slug, len(build.plan.entries))

    @paused
    def write_public(self, writer):
        for build in self.builds:
            if not build.draft:
                archive.write_pages(self, writer, build)

    def drafts(self, store) -> list[PlanDraft]:
        return [draft_of(build) for build in self.builds if build.plan is not None]


class _CampaignsWalker:
    """`NewsletterGenerator._plan` in a shared walk of the pool (`mailing.engine.walk`): every campaign, in date
    order, decides each row before the next row. A campaign that fails reports its error and, as in
    `_plan` (where the report's error stops the campaigns after it), is dropped with those after it."""

    def __init__(self, kind, report, budget, store, policy, day):
        self.report = report
        self.campaigns = []  # [build, main, the audience's visitor, CampaignStream]
        for build, main in kind._plannable(report):
            try:
                audience, campaign = kind._stream(build, main, budget, store, policy, day)
                self.campaigns.append([build, main, audience.visitor(), campaign])
            except Exception as exc:
                kind._failed(report, main, exc)
                break
        self._started = len(self.campaigns)

    def part(self) -> list[dict]:
        """Each campaign's part (a walk in parts, `mailing.engine.walk`). A campaign that failed in this part
        fails the part: it is walked again in the parent, which reports the error as one walk would."""
        if len(self.campaigns) != self._started:
            raise RuntimeError("a campaign failed in this part of the walk")
        return [campaign.part() for *_, campaign in self.campaigns]

    def join(self, parts: list[dict]) -> None:
        """Another process's parts; those of campaigns that failed here are dropped with them (`visit`)."""
        for (*_, campaign), part in zip(self.campaigns, parts):
            campaign.join(part)

    def visit(self, row, member):
        for position, (_build, main, visit, campaign) in enumerate(self.campaigns):
            try:
                member, segment = visit(row, member)
                if segment is not None:
                    campaign.member(member, segment)
            except Exception as exc:
                NewsletterGenerator._failed(self.report, main, exc)
                del self.campaigns[position:]
                break
        return member

    def done(self):
        for build, _main, _visit, campaign in self.campaigns:
            build.plan = campaign.finish()
            logger.info("newsletter %s: %d recipients planned", build.slug, len(build.plan.entries))


def draft_of(build: CampaignBuild) -> PlanDraft:
    """One campaign's plan folder: its entries, compiled variants and summary."""
    plan = build.plan
    summary = {
        "campaign": build.slug,
        "segments": build.segments,
        "languages": list(build.versions),
        "variants": build.variants,
        "recipients": len(plan.entries),
        "counts": [{"segment": s, "lang": l, "variant": v, "members": n} for (s, l, v), n in plan.counts().items()],
        "excluded": dict(plan.excluded),
        "subjects": {f"{c.lang}.{c.variant}": c.subject for c in build.compiled.values()},
    }
    return PlanDraft(build.slug, "newsletter", "newsletter", plan.entries, build.compiled,
                     sources=[v.source_path for v in build.versions.values()], summary=summary, members=plan.members)
