"""Delivery: hand each planned message to an SMTP relay once, and record it in the ledger.

`config` reads the SMTP settings, `ledger` keeps one row per (plan, member) in
the talent-pool store with the claims that make a send exactly-once, `smtp`
talks to the relay and classifies its answers by stage, `ratelimit` paces the
send, `sender` drives it all (retry queue, bounces at send time) and `workers`
runs it over parallel connections; `bounces` and `reports` turn bounces and
complaints into suppressions, `dkim` signs, and `plan` turns an outbox plan
folder into the messages to send.
"""
