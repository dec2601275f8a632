"""Delivery: hand each planned message to an SMTP server once, and record it in the ledger.

`config` reads the SMTP settings, `ledger` keeps one row per (plan, member) in
the talent-pool store, `smtp` talks to the server (one reused connection),
`ratelimit` paces the send, `sender` drives it all with retries, and `plan`
turns an outbox plan folder into the messages to send.
"""
