"""The protocol of a message kind, as a base class with the defaults most kinds keep.

A kind is a Pelican generator (it may read content files) that the engine
(mailing.engine.generator) drives through these steps, in this order:

1. `read()`: read its content and rules, compile and check what does not
   depend on recipients; problems go to the build's ContentReport.
2. `plan(budget, store, policy, day)`: propose messages to members; each
   proposal asks the policy with `budget.of(member_id)` (what is already
   planned) and, when allowed, `budget.add(...)`. Kinds plan in the order of
   the policy's priorities (`rank`), so the most important kind is served first.
   Or, instead, `walker(budget, store, policy, day)`: a `mailing.engine.walk.Walker`
   that plans member by member as the engine walks the pool once for every
   kind that has one (the default, None, plans with `plan`).
3. `finish()`: compile and check what depends on the recipients.
4. `drafts(store)`: the `PlanDraft`s to write (mailing.plan.writer), then
   `commit(store)` remembers what was planned, once the plans are written.
5. `write_public(writer)`: public pages, if any (the newsletter archive).

and at send time, `composer(compiled, config=, signer=, plan_id=, settings=,
plan=)` builds the object whose `compose(member, entry, when)` returns
(Message-ID, bytes) for one manifest line. Plans that a build did not write
are kept while `withdraw_reason(meta)` says nothing.
"""

from __future__ import annotations

from pelican.generators import Generator

from ..plan import format as plan_format


def newsletter_composer(compiled, **kwargs):
    """The default composer: the newsletter's message (matched jobs from the manifest's `jobs`)."""
    from ..delivery.plan import NewsletterComposer

    return NewsletterComposer(compiled, **kwargs)


class MessageKind(Generator):
    """Base of every kind: override what your kind does; the defaults do nothing."""

    name = ""
    # The policy's kinds this kind sends (consent, budget, priority); the first is its main kind.
    policy_kinds: tuple[str, ...] = ()
    # False for kinds sent outside builds (the sign-up confirmation).
    plans = True
    composer = staticmethod(newsletter_composer)

    def rank(self, policy) -> int:
        """Where this kind plans: its most important policy kind's priority."""
        return min((policy.priority(kind) for kind in self.policy_kinds), default=len(policy.priority_order))

    def wants_store(self) -> bool:
        """Whether `plan` needs the pool (False: nothing to plan, the store is not even opened)."""
        return True

    def read(self) -> None:
        pass

    def plan(self, budget, store, policy, day) -> None:
        pass

    def walker(self, budget, store, policy, day):
        """A `mailing.engine.walk.Walker` planning what `plan` plans, member by member, in a walk of the pool
        shared with the other kinds; None (the default): the engine calls `plan` instead."""
        return None

    def finish(self) -> None:
        pass

    def drafts(self, store) -> list:
        return []

    def commit(self, store) -> None:
        pass

    def write_public(self, writer) -> None:
        pass

    def replaces(self, meta: dict) -> bool:
        """Whether this build plans an existing plan folder of this kind again from scratch."""
        return False

    def withdraw_reason(self, meta: dict) -> str | None:
        """Why an existing plan of this kind, not written by this build, must not be sent, or None."""
        missing = plan_format.missing_sources(self.settings, meta)
        if missing:
            return f"its source {missing[0]} no longer exists"
        return None

    # Pelican's generator interface: the engine calls the steps above instead.
    def generate_context(self):
        raise NotImplementedError("message kinds are driven by mailing.engine")

    def generate_output(self, writer):
        raise NotImplementedError("message kinds are driven by mailing.engine")
