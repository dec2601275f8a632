"""Message kinds: each folder is one kind (newsletter, invitation, follow_up, job_alert, confirmation).

`base.MessageKind` is the protocol, `registry` the one list the engine (to
plan) and the sender (to compose) read. A new kind is one folder here that
calls `registry.register`, plus its policy entry, templates, strings, tests
and docs; it edits no other kind.
"""
