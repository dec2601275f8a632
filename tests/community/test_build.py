"""The sample site built by the real pelican: the form on the right pages, and today's alert plan in the outbox."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest
from click.testing import CliRunner

from mailing.plan.compiled import load_compiled
from talentpool.policy import load_policy
from talentpool.store import Store
from tests.conftest import ROOT, TODAY, run_pelican
from tests.helpers import page
from vivier.cli import cli

PLAN = f"alerts-{TODAY}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample pool and a real build with a private store and outbox: (output, outbox, pool)."""
    base = tmp_path_factory.mktemp("community-build")
    env = {"VIVIER_POOL": str(base / "pool.sqlite3"), "VIVIER_OUTBOX": str(base / "outbox"), "VIVIER_TODAY": TODAY}
    loaded = CliRunner(env=env).invoke(cli, ["-s", str(ROOT / "pelicanconf.py"), "pool", "load-sample"], catch_exceptions=False)
    assert loaded.exit_code == 0, loaded.output
    result = run_pelican(ROOT / "content", base / "output", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return base / "output", base / "outbox", base / "pool.sqlite3"


def test_the_form_is_on_the_home_pages_job_lists_and_filled_positions(site):
    closed = [p for p in site.glob("emplois/*/index.html") if "job-closed" in p.read_text(encoding="utf-8")]
    assert closed, "the sample site has a position filled"
    for path in (site / "index.html", site / "en" / "index.html", site / "emplois" / "index.html", closed[0]):
        doc = page(path)
        form = doc.xpath("//form[contains(@class, 'community-form')]")
        assert len(form) == 1, path
        assert form[0].get("action") == "https://api.carrieres.cardamome.example/inscription"
        assert form[0].get("method") == "post"
        consents = form[0].xpath(".//input[starts-with(@name, 'consent_')]")
        assert len(consents) == 3 and not any(box.get("checked") is not None for box in consents)
        for box in consents:  # each consent has its own label
            assert doc.xpath(f"//label[@for='{box.get('id')}']")
        assert form[0].xpath(".//a[contains(@href, 'confidentialite/')]")
        honeypot = form[0].xpath(".//input[@name='website']")[0]
        assert honeypot.get("tabindex") == "-1" and honeypot.getparent().get("aria-hidden") == "true"
        assert not doc.xpath("//script[contains(@src, '//')]")  # no third-party script
    open_job = next(p for p in site.glob("emplois/*/index.html") if p.parent.name not in ("contrat", "departement") and p not in closed
                    and "job-apply" in p.read_text(encoding="utf-8"))
    assert not page(open_job).xpath("//form[contains(@class, 'community-form')]")  # an open job asks to apply


def test_todays_alert_plan_is_private_and_never_alerts_a_job_twice(built):
    site, outbox, pool = built
    folder = outbox / PLAN
    meta = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert meta["plan_id"] == PLAN and meta["kind"] == "job_alert" and "composer" not in meta
    lines = (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert entries and len({e["member"] for e in entries}) == len(entries)  # one digest per member
    assert "@" not in "".join(lines)
    assert {path.name for path in (folder / "compiled").glob("*.json")} == {"alert.fr.a.json", "alert.en.a.json"}
    assert not list(site.rglob("manifest.jsonl")) and not (site / PLAN).exists()
    policy = load_policy(ROOT / "audiences" / "policy.yml")
    with Store(pool) as store:
        rows = store.connection.execute("SELECT member_id, job_reference FROM job_alerts WHERE plan_id = :plan", {"plan": PLAN}).fetchall()
        assert Counter((m, r) for m, r in rows).most_common(1)[0][1] == 1
        assert {(e["member"], ref) for e in entries for ref in e["jobs"]} == {tuple(row) for row in rows}
        for entry in entries:
            member = store.get(entry["member"])
            assert member.has_consent("job_alerts") and entry["lang"] == member.language
            assert 1 <= len(entry["jobs"]) <= 5
    # the alert holds a card for each job some digest lists, and for no other open job
    listed = {ref for entry in entries for ref in entry["jobs"]}
    open_jobs = json.loads((site / "emplois" / "index.json").read_text(encoding="utf-8"))["items"]
    for lang, variant in load_compiled(folder).items():
        references = [job.reference for job in variant.candidates]
        assert set(references) == listed and len(references) == len(listed), lang
        assert len(variant.html.regions["matched"].items) == len(references) == len(variant.text.regions["matched"].items)
    assert 0 < len(listed) < len(open_jobs)  # a digest shows a few of the open jobs
    # the alerts share the budget: no member is planned more marketing messages than it allows
    planned = Counter()
    for plan in outbox.iterdir():
        manifest = plan / "manifest.jsonl"
        if manifest.is_file():  # every plan of this build: newsletters, invitations, follow-ups, alerts
            for line in manifest.read_text(encoding="utf-8").splitlines():
                planned[json.loads(line)["member"]] += 1
    with Store(pool) as store:
        recent = store.messages_by_member(policy.window_start(dt.date.fromisoformat(TODAY)))
    for entry in entries:
        assert planned[entry["member"]] + len(recent.get(entry["member"], [])) <= policy.max_messages, entry["member"]
