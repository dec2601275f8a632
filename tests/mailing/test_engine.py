"""The mail engine on real builds of the sample: one budget across builds, withdrawn plans, a new kind.

Each test builds a private copy of the sample content with the real `pelican`
(the fictional sample pool loaded in a private store), then reads back the
outbox, sends through the real sender code, or asks the real `vivier send`.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from mailing.delivery.config import load_config
from mailing.delivery.ledger import Ledger
from mailing.delivery.plan import PlanError, PlanMessages, open_plan
from mailing.delivery.ratelimit import RateLimiter
from mailing.delivery.sender import Outgoing, Sender, Skip
from mailing.delivery.smtp import SmtpTransport
from mailing.engine.budget import pending
from mailing.kinds import registry
from mailing.kinds.base import MessageKind
from mailing.plan.writer import PlanDraft
from talentpool.policy import load_policy
from talentpool.store import Store
from tests.conftest import ROOT, TODAY, copy_content, run_pelican, settings_file
from tests.delivery.smtpserver import smtp_server
from vivier.config import load_settings

DAY = dt.date.fromisoformat(TODAY)


class World:
    """A private copy of the sample: content, store, outbox; built with the real pelican."""

    def __init__(self, base: Path, pool=None):
        """`pool`: where the store lives (a `store_location`: an SQLite path or a PostgreSQL URL), by default
        an SQLite file in `base`; a PostgreSQL store's daily backups and reports go to `base` too."""
        self.base = base
        self.content = copy_content(base)
        self.pool = pool or base / "pool.sqlite3"
        self.outbox = base / "outbox"
        self.env = {"VIVIER_POOL": getattr(self.pool, "full", str(self.pool)), "VIVIER_OUTBOX": str(self.outbox),
                    "VIVIER_PRIVATE_DIR": str(base)}
        loaded = subprocess.run([sys.executable, "-m", "vivier", "pool", "load-sample"], cwd=ROOT, capture_output=True,
                                text=True, timeout=300, env={**os.environ, **self.env})
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr
        self.conf = settings_file(base, self.content, base / "output")
        self.settings = load_settings(ROOT / "pelicanconf.py", POOL_PATH=str(self.pool), MAILING_OUTBOX=str(self.outbox),
                                      PATH=str(self.content))

    def build(self):
        result = run_pelican(self.content, self.base / "output", env=self.env)
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def plans(self) -> dict[str, tuple[bytes, bytes]]:
        """Every plan folder's manifest and plan.json, by name."""
        return {folder.name: ((folder / "manifest.jsonl").read_bytes(), (folder / "plan.json").read_bytes())
                for folder in sorted(self.outbox.iterdir()) if (folder / "plan.json").is_file()}

    def meta(self, name: str) -> dict:
        return json.loads((self.outbox / name / "plan.json").read_text(encoding="utf-8"))

    def vivier(self, *args):
        return subprocess.run([sys.executable, "-m", "vivier", "--settings", str(self.conf), *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=300, env={**os.environ, **self.env})


@pytest.fixture
def world(tmp_path):
    return World(tmp_path)


def stream(world, name: str):
    policy = load_policy(ROOT / "audiences" / "policy.yml")
    when = dt.datetime.combine(DAY, dt.time(9), tzinfo=dt.timezone.utc)
    return open_plan(world.settings, name), policy, (lambda: when)


def send_over_smtp(world, name: str, settings: dict | None = None):
    """Send plan `name` with the real sender to a loopback SMTP server; (the server's recorder, summary)."""
    plan, policy, when = stream(world, name)
    with smtp_server() as (recorder, port):
        config = load_config({"MAILING_SMTP_HOST": "127.0.0.1", "MAILING_SMTP_PORT": port, "MAILING_SMTP_SECURITY": "none"},
                             environ={})
        with Store(world.pool) as store, SmtpTransport(config) as transport:
            sender = Sender(transport, Ledger(store, plan.plan_id, now=when), kind=plan.kind, limiter=RateLimiter(1000),
                            retries=0, backoff=0)
            summary = sender.run(PlanMessages(plan, settings or world.settings, store, policy, DAY, when))
    return recorder, summary


def deliver_in_ledger(world, name: str) -> int:
    """What a send does to the store for every message it may send (ledger + budget), without SMTP."""
    plan, policy, when = stream(world, name)
    sent = 0
    with Store(world.pool) as store:
        messages = PlanMessages(plan, world.settings, store, policy, DAY, when)
        ledger = Ledger(store, plan.plan_id, now=when)
        for entry in plan.entries():
            item = messages.build(entry)
            if isinstance(item, Outgoing):
                ledger.sent(item.member_id, kind=item.kind or plan.kind, at=when())
                sent += 1
    return sent


def skips(world, name: str) -> list[str]:
    plan, policy, when = stream(world, name)
    with Store(world.pool) as store:
        messages = PlanMessages(plan, world.settings, store, policy, DAY, when)
        return [item.reason for item in map(messages.build, plan.entries()) if isinstance(item, Skip)]


def test_two_builds_in_a_row_give_identical_plans(world):
    world.build()
    first = world.plans()
    kinds = {world.meta(name)["message_kind"] for name in first}
    assert {"newsletter", "invitation"} <= kinds, kinds  # the sample plans both on this day
    world.build()
    assert world.plans() == first  # byte for byte: no plan grows on a rebuild


def test_invitations_keep_their_priority_over_newsletters_across_rebuilds(world):
    world.build()
    world.build()  # the rebuild must not hand the invitations' places to the newsletters
    names = list(world.plans())
    newsletters = [n for n in names if world.meta(n)["message_kind"] == "newsletter"]
    invitations = [n for n in names if world.meta(n)["message_kind"] == "invitation"]
    assert newsletters and invitations
    for name in newsletters:  # the operator sends the newsletters first
        deliver_in_ledger(world, name)
    for name in invitations:  # then no invitation is over budget: the newsletters left room for them
        assert "over_budget" not in skips(world, name), name


def _members(world, name) -> list[str]:
    return [json.loads(line)["member"] for line in world.plans()[name][0].decode().splitlines() if line.strip()]


def test_a_send_between_two_builds_changes_no_plan(world):
    # Found by trying it: build, send one newsletter, build again (the next `vivier daily`). The
    # rebuilt newsletter counted its own sent message once as sent and once as planned, so the
    # other newsletter lost members for good, and members who had received it left its plan.
    world.build()
    before = {name: _members(world, name) for name in world.plans()}
    newsletters = sorted(n for n in before if world.meta(n)["message_kind"] == "newsletter")
    assert len(newsletters) >= 2
    sent = deliver_in_ledger(world, newsletters[0])
    assert sent > 0
    world.build()
    after = {name: _members(world, name) for name in world.plans()}
    for name in before:
        assert sorted(after.get(name, [])) == sorted(before[name]), name  # nobody lost, nobody added
    for name in newsletters[1:]:  # and the other newsletters can still be sent to everyone they planned
        assert "over_budget" not in skips(world, name), name


def test_deleted_content_withdraws_its_plans_and_their_send_is_refused(world):
    world.build()
    name = next(n for n in world.plans() if world.meta(n)["message_kind"] == "invitation")
    campaign = next(n for n in world.plans() if world.meta(n)["message_kind"] == "newsletter")
    for plan in (name, campaign):  # an event (its French file) and a whole campaign (every language)
        for source in world.meta(plan)["sources"][: 1 if plan == name else None]:
            Path(source["path"] if os.path.isabs(source["path"]) else ROOT / source["path"]).unlink()
    dry = world.vivier("send", name, "--dry-run")  # before any rebuild: the source is gone
    assert dry.returncode != 0 and "no longer exists" in dry.stderr + dry.stdout, dry.stdout + dry.stderr
    world.build()
    assert json.loads((world.outbox / name / "withdrawn.json").read_text())["reason"].endswith("no longer exists")
    assert not (world.outbox / name / "previews").exists()  # previews hold personal data: gone with the plan
    refused = world.vivier("send", name, "--dry-run")
    assert refused.returncode != 0 and "withdrawn" in refused.stderr + refused.stdout
    with pytest.raises(PlanError, match="withdrawn"):
        open_plan(world.settings, name)
    with pytest.raises(PlanError, match="withdrawn .*no longer in content/newsletters/"):
        open_plan(world.settings, campaign)
    # and none of their messages still counts as waiting in the budget
    with Store(world.pool) as store:
        assert not any(item[1] in (name, campaign) for items in pending(store, world.outbox, DAY).values() for item in items)


# --- a new kind, registered by a test, through the whole engine -------------------------------------------


class Anniversary(MessageKind):
    """A toy kind: greets each member of the `juniors` segment who consented to the newsletter, once."""

    name = "toy_anniversary"
    policy_kinds = ("newsletter",)

    def read(self):
        self.proposed = []

    def plan(self, budget, store, policy, day):
        from talentpool import audience as pool_audience
        from talentpool import config as pool_config

        found = pool_audience.evaluate(store, ["juniors"], "newsletter", day, segments=pool_config.load_segments(self.settings),
                                       policy=policy, planned=budget.by_member)
        for member, _ in found.eligible:
            self.proposed.append(member)
            budget.add(member.id, "newsletter", "toy-anniversary", day)

    def finish(self):
        from mailing.pipeline import compile_variant
        from mailing.kinds.follow_up.views import sequence_theme
        from mailing.kinds.follow_up.views import step_view
        from mailing.settings import mail_theme_path

        step = SimpleNamespace(id="one", subject={"fr": "Un an déjà !"}, preheader={"fr": "Merci d'être resté·e en contact avec nous toute cette année."},
                               body={"fr": "Bonjour, cela fait un an que vous suivez nos offres."}, cta=None, template="followup")
        view = step_view(self.settings, SimpleNamespace(name="toy", steps=[step]), step, "fr", "toy-anniversary")
        theme = sequence_theme(self.settings, mail_theme_path(self.settings))
        self.compiled = {(view["segment"], "fr", "a"): compile_variant(theme, view, template="followup")} if self.proposed else {}

    def drafts(self, store):
        if not self.proposed:
            return []
        entries = [{"member": m.id, "segment": "toy__one", "lang": "fr", "variant": "a"} for m in self.proposed]
        return [PlanDraft("toy-anniversary", "newsletter", self.name, entries, self.compiled,
                          summary={"recipients": len(entries)}, members={m.id: m for m in self.proposed})]


@pytest.fixture
def toy_kind():
    registry.register(Anniversary)
    yield Anniversary
    registry.unregister(Anniversary.name)


def test_a_new_kind_plans_compiles_and_sends_through_the_engine(world, toy_kind, monkeypatch):
    from pelican import Pelican

    settings = load_settings(world.conf, MAILING_BACKGROUND=False, POOL_PATH=str(world.pool),
                             MAILING_OUTBOX=str(world.outbox), OUTPUT_PATH=str(world.base / "output"))
    monkeypatch.setenv("VIVIER_POOL", str(world.pool))
    monkeypatch.setenv("VIVIER_OUTBOX", str(world.outbox))
    Pelican(settings).run()  # the real build, in this process, where the toy kind is registered
    meta = world.meta("toy-anniversary")
    assert meta["message_kind"] == "toy_anniversary" and meta["format"] == 2
    planned = [json.loads(line)["member"] for line in (world.outbox / "toy-anniversary" / "manifest.jsonl").read_text().splitlines()]
    assert planned and len(planned) == len(set(planned))
    preview = next((world.outbox / "toy-anniversary" / "previews").iterdir())
    assert "Un an déjà" in email.message_from_bytes(preview.read_bytes(), policy=email.policy.default)["Subject"]
    # the other kinds planned as usual beside it
    assert any(world.meta(n)["message_kind"] == "newsletter" for n in world.plans())

    recorder, summary = send_over_smtp(world, "toy-anniversary")
    with Store(world.pool) as store:
        addresses = {m.id: m.email for m in map(store.get, planned)}
    assert summary.sent == len(recorder.messages) > 0
    assert max(recorder.recipients().values()) == 1  # once each
    assert set(recorder.recipients()) <= set(addresses.values())
    assert all("Un an déjà" in str(m["Subject"]) for m in recorder.messages)
