"""The one reader of plan folders: turn each manifest line into a message to send, or a skip.

The format (version 2) is in mailing.plan.format; mailing.plan.writer writes
it. A plan of another format, a withdrawn plan and a plan whose source file
no longer exists are refused, naming why. The composer is the one of the
plan's `message_kind` in the registry (mailing.kinds).

The manifest holds no address or name: each member is read from the store at
send time, and the policy decides again (consent, unsubscription, retention,
budget, active process), with the member's own choices (pause, digest only);
the budget counts what was sent and, like the build's, the more important
messages still waiting in the outbox's other plans (mailing.engine.budget).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..plan import format as plan_format
from ..plan.format import COMPILED, MANIFEST, META
from . import choices
from .sender import Lazy, Outgoing, Skip

log = logging.getLogger(__name__)


class PlanError(ValueError):
    """A plan folder that cannot be sent; the message names the file and what is wrong."""


@dataclass
class Plan:
    """One plan folder: its id, kind, composer and streamed manifest."""

    folder: Path
    plan_id: str
    kind: str
    message_kind: str
    meta: dict = field(default_factory=dict)

    @property
    def manifest(self) -> Path:
        return self.folder / MANIFEST

    def count(self) -> int:
        """Recipients in the manifest (counted by streaming the file)."""
        with self.manifest.open("rb") as handle:
            return sum(1 for line in handle if line.strip())

    def entries(self) -> Iterator[dict]:
        """Each manifest line as a dict, in order, in constant memory."""
        with self.manifest.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise PlanError(f"{self.manifest}:{number}: not valid JSON ({exc.msg})") from None
                if not isinstance(entry, dict) or not entry.get("member"):
                    raise PlanError(f"{self.manifest}:{number}: each line needs a \"member\" id")
                entry["_line"] = number
                yield entry

    def variant_path(self, entry: dict) -> Path:
        key = f"{entry.get('segment', '')}.{entry.get('lang', '')}.{entry.get('variant', '')}"
        return self.folder / COMPILED / f"{key}.json"

    def check(self) -> list[str]:
        """Every problem found before sending anything: bad lines, missing compiled variants."""
        problems, seen = [], set()
        try:
            for entry in self.entries():
                path = self.variant_path(entry)
                if path not in seen:
                    seen.add(path)
                    if not path.is_file():
                        problems.append(f"{self.manifest}:{entry['_line']}: no compiled variant {path.relative_to(self.folder)}")
        except PlanError as exc:
            problems.append(str(exc))
        return problems


def resolve(settings: dict, name: str | Path) -> Path:
    """A plan folder from a path or a name inside the outbox (MAILING_OUTBOX)."""
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        return candidate.resolve()
    outbox = Path(str(settings.get("MAILING_OUTBOX") or "var/outbox")).expanduser()
    if not outbox.is_absolute():
        outbox = Path(settings.get("PROJECT_ROOT") or ".") / outbox
    folder = outbox / str(name)
    if folder.is_dir():
        return folder.resolve()
    available = sorted(p.name for p in outbox.iterdir() if (p / MANIFEST).is_file()) if outbox.is_dir() else []
    hint = f"; plans in {outbox}: {', '.join(available)}" if available else f"; {outbox} holds no plan (build the site first)"
    raise PlanError(f"no plan folder {name!r}{hint}")


def open_plan(settings: dict, name: str | Path) -> Plan:
    """The plan folder `name` (a path, or a folder of the outbox), validated; PlanError says why not."""
    from ..kinds import registry

    folder = resolve(settings, name)
    if not (folder / MANIFEST).is_file():
        raise PlanError(f"{folder}: no {MANIFEST}; is this a plan folder of the outbox?")
    if not (folder / META).is_file():
        raise PlanError(f"{folder}: no {META}; this plan was made by an older Vivier: rebuild (make site) to plan it again")
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise PlanError(f"{folder / META}: not valid JSON ({exc.msg})") from None
    if not isinstance(meta, dict):
        raise PlanError(f"{folder / META}: expected an object like {{\"format\": {plan_format.FORMAT}, \"kind\": \"newsletter\"}}")
    if meta.get("format") != plan_format.FORMAT:
        raise PlanError(f"{folder.name}: a plan of format {meta.get('format', 1)!r}, made by an older Vivier; this one sends "
                        f"format {plan_format.FORMAT}: rebuild (make site) to plan it again, then send")
    withdrawn = plan_format.withdrawn(folder)
    if withdrawn is not None:
        raise PlanError(f"{folder.name} was withdrawn ({withdrawn.get('at', '?')}): {withdrawn.get('reason', 'no reason given')}; "
                        "nothing is sent")
    missing = plan_format.missing_sources(settings, meta)
    if missing:
        raise PlanError(f"{folder.name} was made from {missing[0]}, which no longer exists; nothing is sent "
                        "(the next build withdraws this plan)")
    message_kind = str(meta.get("message_kind") or "")
    try:
        registry.get(message_kind)
    except KeyError as exc:
        raise PlanError(f"{folder / META}: {exc}") from None
    plan_id = str(meta.get("plan_id") or folder.name)
    return Plan(folder, plan_id, str(meta.get("kind") or "newsletter"), message_kind, meta)


# --- composers ------------------------------------------------------------------------


class NewsletterComposer:
    """The newsletter composer (mailing.compose) for one compiled variant; matches rebuilt from the manifest."""

    def __init__(self, compiled, *, config, signer, plan_id: str, settings=None, plan=None):
        from mailing.compose import Composer
        from mailing.matching import MemberProfile, score

        self.compiled = compiled
        self.composer = Composer(compiled, config, signer, plan_id)
        self._profile, self._score = MemberProfile.of, score
        self._jobs = {job.reference: job for job in compiled.candidates}

    def matches(self, member, entry: dict) -> list:
        """The planned jobs, scored again for the member (for the reasons shown)."""
        references = [ref for ref in entry.get("jobs") or [] if ref in self._jobs]
        if not references:
            return []
        profile = self._profile(member)
        return [self._score(self._jobs[ref], profile) for ref in references]

    def compose(self, member, entry: dict, when: dt.datetime) -> tuple[str, bytes]:
        return self.composer.compose(member, self.matches(member, entry), when)


class PlanMessages:
    """The stream of messages of a plan: one `Lazy` item per manifest line, decided and composed on demand."""

    def __init__(self, plan: Plan, settings: dict, store, policy, today: dt.date, when: Callable[[], dt.datetime]):
        from mailing.compose import MailConfig
        from mailing.engine.budget import Budget, pending
        from mailing.kinds import registry
        from mailing.pipeline import CompiledVariant
        from mailing.tokens import Signer, secret_from_env

        self.plan = plan
        self.settings = settings
        self.store = store
        self.policy = policy
        self.today = today
        self.when = when
        self.config = MailConfig.from_settings(settings)
        self.signer = Signer(secret_from_env(required=bool(settings.get("MAILING_REQUIRE_SECRET"))))
        self._load = CompiledVariant.from_json
        self._factory = registry.get(plan.message_kind).composer
        self._composers: dict[tuple, object] = {}
        self._window = policy.window_start(today)
        policy.priority(plan.kind)  # an unknown kind fails now, before anything is sent
        # The other plans' messages still waiting: a less important message never takes their place.
        outbox = plan_format.outbox_root(settings)
        self._waiting = Budget(pending(store, outbox, today, replaced={plan.plan_id}) if outbox.is_dir() else {})

    def composer(self, entry: dict):
        """One composer per compiled variant, built on first use and kept."""
        key = (entry.get("segment"), entry.get("lang"), entry.get("variant"))
        composer = self._composers.get(key)
        if composer is None:
            path = self.plan.variant_path(entry)
            try:
                compiled = self._load(json.loads(path.read_text(encoding="utf-8")))
            except FileNotFoundError:
                raise PlanError(f"{self.plan.manifest}:{entry['_line']}: no compiled variant {path}") from None
            composer = self._composers[key] = self._factory(
                compiled, config=self.config, signer=self.signer, plan_id=self.plan.plan_id,
                settings=self.settings, plan=self.plan,
            )
        return composer

    def decide(self, entry: dict, store=None) -> tuple[object | None, str | None]:
        """(member, None) when the message may go now, else (member or None, reason); read through `store`
        (default: this stream's) so a sender's connection can decide again inside its claim."""
        store = self.store if store is None else store
        kind = entry.get("kind") or self.plan.kind
        member = store.get(entry["member"])
        if member is None:
            return None, "erased"
        suppressed = store.suppression_reason(member.email)
        recent = store.messages_since(member.id, self._window)
        decision = self.policy.decide(member, kind, self.today, recent, planned=self._waiting.of(member.id), suppressed=suppressed,
                                      plan_id=self.plan.plan_id)
        if not decision.allowed:  # say which suppression made an address undeliverable (bounced, complained)
            return member, suppressed if decision.reason == "undeliverable" else decision.reason
        objection = choices.objection(choices.preferences(store, member.id), kind, self.today)
        return member, objection

    def build(self, entry: dict) -> Outgoing | Skip:
        from mailing.compose import AddressError

        member, reason = self.decide(entry)
        if reason:
            return Skip(entry["member"], reason)
        try:
            message_id, data = self.composer(entry).compose(member, entry, self.when())
        except AddressError:
            return Skip(member.id, "invalid_address")
        # Decided again inside the claim: an unsubscribe, erasure or pause made while the message
        # waited (rate limit, queue, relay) is honoured, never overtaken by this send.
        return Outgoing(member.id, message_id, data, member.email.strip(), entry.get("kind"),
                        recheck=lambda store, entry=entry: self.decide(entry, store)[1])

    def __iter__(self) -> Iterator[Lazy]:
        for entry in self.plan.entries():
            yield Lazy(entry["member"], lambda entry=entry: self.build(entry))
