"""Opening plan folders (any producer's), and the delivery documentation staying complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailing.delivery import config
from mailing.delivery.plan import PlanError, open_plan

ROOT = Path(__file__).resolve().parents[2]


def make_plan(folder: Path, meta=None, lines=('{"member": "m-1", "segment": "nantes", "lang": "fr", "variant": "a"}',)):
    folder.mkdir(parents=True)
    (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if meta is not None:
        (folder / "plan.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def v2(**meta):
    return {"format": 2, "message_kind": "newsletter", **meta}


def test_plan_id_and_kind_default_to_the_folder_and_newsletter(tmp_path):
    make_plan(tmp_path / "outbox" / "2026-12-data-cloud", meta=v2(campaign="2026-12-data-cloud", recipients=1))
    plan = open_plan({"MAILING_OUTBOX": str(tmp_path / "outbox")}, "2026-12-data-cloud")
    assert (plan.plan_id, plan.kind, plan.count()) == ("2026-12-data-cloud", "newsletter", 1)
    assert plan.check() == [f"{plan.manifest}:1: no compiled variant compiled/nantes.fr.a.json"]


def test_invitation_plans_name_their_kind_and_message_kind(tmp_path):
    folder = make_plan(tmp_path / "invitations-portes-ouvertes", meta=v2(
        plan_id="invitations-portes-ouvertes-lyon-seq1", kind="invitation", message_kind="invitation"))
    plan = open_plan({}, folder)
    assert (plan.plan_id, plan.kind, plan.message_kind) == ("invitations-portes-ouvertes-lyon-seq1", "invitation", "invitation")


def test_composers_only_come_from_the_registry(tmp_path):
    folder = make_plan(tmp_path / "p", meta=v2(message_kind="os:system"))
    with pytest.raises(PlanError, match="no message kind 'os:system' in the registry"):
        open_plan({}, folder)


@pytest.mark.parametrize("meta", [None, {"kind": "newsletter", "composer": "mailing.delivery.plan:newsletter_composer"}])
def test_a_plan_of_the_old_format_is_refused_with_what_to_do(tmp_path, meta):
    folder = make_plan(tmp_path / "p", meta=meta)
    with pytest.raises(PlanError, match=r"older Vivier.*rebuild \(make site\)"):
        open_plan({}, folder)


def test_a_withdrawn_plan_is_refused_with_its_reason(tmp_path):
    folder = make_plan(tmp_path / "p", meta=v2())
    (folder / "withdrawn.json").write_text('{"reason": "its source content/events/x.md no longer exists", "at": "2026-12-03"}')
    with pytest.raises(PlanError, match="withdrawn .*content/events/x.md no longer exists; nothing is sent"):
        open_plan({}, folder)


def test_a_plan_whose_source_is_gone_is_refused_naming_it(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "kept.md").write_text("x")
    folder = make_plan(tmp_path / "outbox" / "p", meta=v2(sources=[{"path": "content/kept.md", "sha256": ""},
                                                                 {"path": "content/gone.md", "sha256": ""}]))
    with pytest.raises(PlanError, match="made from content/gone.md, which no longer exists"):
        open_plan({"PROJECT_ROOT": str(tmp_path)}, folder)
    (tmp_path / "content" / "gone.md").write_text("back")
    assert open_plan({"PROJECT_ROOT": str(tmp_path)}, folder).plan_id == "p"


def test_bad_manifest_lines_are_named(tmp_path):
    folder = make_plan(tmp_path / "p", meta=v2(), lines=('{"member": "m-1"}', "{not json", '{"segment": "x"}'))
    problems = open_plan({}, folder).check()
    assert any(":2: not valid JSON" in p for p in problems)


def test_unknown_plan_lists_the_outbox(tmp_path):
    make_plan(tmp_path / "outbox" / "2026-12-juniors-alternance", meta=v2())
    with pytest.raises(PlanError, match="plans in .*: 2026-12-juniors-alternance"):
        open_plan({"MAILING_OUTBOX": str(tmp_path / "outbox")}, "2026-12-juniors")


def test_every_delivery_setting_and_variable_is_documented():
    doc = (ROOT / "docs" / "delivery.md").read_text(encoding="utf-8")
    for name in [*config.DEFAULTS, config.ENV_USER, config.ENV_PASSWORD, "VIVIER_SMTP_HOST", "VIVIER_SMTP_PORT",
                 "VIVIER_SMTP_SECURITY", "vivier send", "--dry-run", "--rate", "vivier unsubscribe-app",
                 "vivier pool unsubscribe --token", "vivier pool import-unsubscribes"]:
        assert name in doc, f"{name} is not documented in docs/delivery.md"
