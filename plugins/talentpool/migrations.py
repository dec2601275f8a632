"""The store's schema, as an ordered list of migrations (append only, never edit one).

Migration N (1-based) brings the schema from version N-1 to N; the version is
kept by the database backend (`talentpool.db`: SQLite's `PRAGMA user_version`,
PostgreSQL's `meta` row). An entry is a tuple whose steps are SQL statements,
portable to both databases, or callables taking the open `Database`; all run
inside one transaction with the version bump. To
add a table later (the send ledger, for instance), append a new entry at the
end: existing stores then upgrade on their next open.
"""

from __future__ import annotations

import secrets


def _salt(name: str):
    """A step writing a per-store random salt under `name` (suppression list, community counters)."""
    def step(conn) -> None:
        conn.execute("INSERT INTO meta(key, value) VALUES (:key, :value) ON CONFLICT DO NOTHING",
                     {"key": name, "value": secrets.token_hex(16)})
    return step


MIGRATIONS: list = [
    # 1: members, the marketing messages they were sent, suppressed hashes.
    (
        """CREATE TABLE members (
            id TEXT PRIMARY KEY,
            email TEXT NOT NULL,
            email_key TEXT NOT NULL UNIQUE,
            first_name TEXT NOT NULL DEFAULT '',
            last_name TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT 'fr',
            city TEXT NOT NULL DEFAULT '',
            country TEXT NOT NULL DEFAULT '',
            skills TEXT NOT NULL DEFAULT '[]',
            departments TEXT NOT NULL DEFAULT '[]',
            roles TEXT NOT NULL DEFAULT '[]',
            seniority TEXT NOT NULL DEFAULT '',
            stage TEXT NOT NULL DEFAULT 'sourced',
            source TEXT NOT NULL DEFAULT 'other',
            tags TEXT NOT NULL DEFAULT '[]',
            consents TEXT NOT NULL DEFAULT '{}',
            withdrawn TEXT NOT NULL DEFAULT '{}',
            last_contact TEXT,
            created TEXT NOT NULL,
            stage_changed TEXT,
            unsubscribed TEXT
        )""",
        """CREATE TABLE messages (
            member_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            plan_id TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (member_id, kind, plan_id)
        )""",
        "CREATE INDEX messages_by_member_at ON messages(member_id, at)",
        """CREATE TABLE suppression (
            hash TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        _salt("suppression_salt"),
    ),
    # 2 (delivery): the send ledger, one row per (plan, member). Generic on purpose:
    # the pool stores who was handed which planned message and how it went; the
    # mailing plugin's delivery code is the only writer.
    (
        """CREATE TABLE deliveries (
            plan_id TEXT NOT NULL,
            member_id TEXT NOT NULL,
            message_id TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            PRIMARY KEY (plan_id, member_id)
        )""",
        "CREATE INDEX deliveries_by_status ON deliveries(plan_id, status)",
        # A member's own choices about being contacted (key -> value), e.g.
        # paused_until = 2027-05-01, rhythm = monthly; written by the unsubscribe
        # and preferences pages, honoured at send time.
        """CREATE TABLE preferences (
            member_id TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            at TEXT NOT NULL,
            PRIMARY KEY (member_id, key)
        )""",
    ),
    # 3 (invitations and sequences, written by mailing.kinds.invitation.records and
    # mailing.kinds.follow_up.records): each calendar message planned per event and member
    # (never planned twice; updates and cancellations go to those invited), and each
    # follow-up step planned per member (never twice for the same trigger and occurrence).
    (
        """CREATE TABLE invitations (
            event_uid TEXT NOT NULL,
            member_id TEXT NOT NULL,
            action TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            status TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            segment TEXT NOT NULL DEFAULT '',
            plan_id TEXT NOT NULL,
            planned TEXT NOT NULL,
            PRIMARY KEY (event_uid, member_id, action, sequence)
        )""",
        "CREATE INDEX invitations_by_plan ON invitations(plan_id)",
        """CREATE TABLE sequence_steps (
            member_id TEXT NOT NULL,
            sequence TEXT NOT NULL,
            step TEXT NOT NULL,
            anchor TEXT NOT NULL,
            occurrence INTEGER NOT NULL,
            due TEXT NOT NULL,
            plan_id TEXT NOT NULL,
            planned TEXT NOT NULL,
            PRIMARY KEY (member_id, sequence, step, anchor, occurrence)
        )""",
        "CREATE INDEX sequence_steps_by_plan ON sequence_steps(plan_id)",
    ),
    # 4 (talent community, written by mailing.community and mailing.kinds.job_alert.digests): sign-ups
    # waiting for their double opt-in (deleted once confirmed or expired), the proof
    # of each consent given through a form (IP hashed, never raw), rate-limit
    # counters keyed by salted hashes, and each job already alerted to a member.
    (
        """CREATE TABLE community_signups (
            id TEXT PRIMARY KEY,
            email_key TEXT NOT NULL UNIQUE,
            data TEXT NOT NULL,
            form_version TEXT NOT NULL,
            ip_hash TEXT NOT NULL DEFAULT '',
            submitted TEXT NOT NULL,
            expires TEXT NOT NULL
        )""",
        """CREATE TABLE consent_proofs (
            member_id TEXT NOT NULL,
            proof_id TEXT NOT NULL,
            source TEXT NOT NULL,
            form_version TEXT NOT NULL,
            ticked TEXT NOT NULL,
            ip_hash TEXT NOT NULL DEFAULT '',
            submitted TEXT NOT NULL,
            confirmed TEXT NOT NULL,
            PRIMARY KEY (member_id, proof_id)
        )""",
        """CREATE TABLE community_attempts (
            key TEXT NOT NULL,
            "window" TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (key, "window")
        )""",
        """CREATE TABLE job_alerts (
            member_id TEXT NOT NULL,
            job_reference TEXT NOT NULL,
            plan_id TEXT NOT NULL,
            planned TEXT NOT NULL,
            PRIMARY KEY (member_id, job_reference)
        )""",
        "CREATE INDEX job_alerts_by_plan ON job_alerts(plan_id)",
        _salt("community_salt"),
    ),
    # 5 (member data safety): the private files the project wrote outside the store (exports,
    # rejects files, backups), so that an erasure finds and cleans every one of them; and
    # one pending sign-up per submission (no longer one per address), so that a second
    # submission for an address never changes what the first one's link confirms.
    (
        """CREATE TABLE private_files (
            path TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            written TEXT NOT NULL
        )""",
        """CREATE TABLE community_signups_v5 (
            id TEXT PRIMARY KEY,
            email_key TEXT NOT NULL,
            data TEXT NOT NULL,
            form_version TEXT NOT NULL,
            ip_hash TEXT NOT NULL DEFAULT '',
            submitted TEXT NOT NULL,
            expires TEXT NOT NULL
        )""",
        "INSERT INTO community_signups_v5 SELECT id, email_key, data, form_version, ip_hash, submitted, expires FROM community_signups",
        "DROP TABLE community_signups",
        "ALTER TABLE community_signups_v5 RENAME TO community_signups",
        "CREATE INDEX community_signups_by_address ON community_signups(email_key)",
    ),
    # 6 (delivery you can trust, written by mailing.delivery): claims on ledger rows (the
    # sender that owns a delivery, until when, and when a deferred one may be retried),
    # the detail of a suppression (the DSN status, the complaint), and each bounce or
    # complaint received per (member, plan), from which "N soft bounces in a row" is
    # decided. A `pending` row of an older Vivier had an attempt under way that nobody
    # saw end: the relay may have queued it, so it becomes `unknown` (never re-sent
    # unless asked).
    (
        "ALTER TABLE deliveries ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE deliveries ADD COLUMN lease TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE deliveries ADD COLUMN retry_after TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX deliveries_by_message_id ON deliveries(message_id)",
        "UPDATE deliveries SET status = 'unknown', last_error = 'interrupted under an older Vivier: the relay may have it'"
        " WHERE status = 'pending' AND attempts > 0",
        "ALTER TABLE suppression ADD COLUMN detail TEXT NOT NULL DEFAULT ''",
        """CREATE TABLE bounces (
            member_id TEXT NOT NULL,
            plan_id TEXT NOT NULL,
            type TEXT NOT NULL,
            hash TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            PRIMARY KEY (member_id, plan_id, type)
        )""",
    ),
    # 7 (reports, written by talentpool.outcomes, mailing.reports.replies and mailing.webapp.clicks): each stage a
    # member reached as an import saw it (with the export's source and campaign when the
    # mapping has them), and each reply received at a plan's reply-to address (deduplicated
    # on a hash of its Message-ID). Reports read them by group only, never per person.
    (
        """CREATE TABLE stage_events (
            member_id TEXT NOT NULL,
            stage TEXT NOT NULL,
            at TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            campaign TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (member_id, stage, at)
        )""",
        "CREATE INDEX stage_events_by_stage ON stage_events(stage, at)",
        """CREATE TABLE replies (
            plan_id TEXT NOT NULL,
            message_key TEXT NOT NULL,
            member_id TEXT NOT NULL DEFAULT '',
            at TEXT NOT NULL,
            PRIMARY KEY (plan_id, message_key)
        )""",
        # Optional aggregate clicks (MAILING_CLICK_COUNTS, off by default): per plan, variant and
        # link only; no member, no address, no time of day, no IP.
        """CREATE TABLE click_counts (
            plan_id TEXT NOT NULL,
            variant TEXT NOT NULL,
            link TEXT NOT NULL,
            clicks INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (plan_id, variant, link)
        )""",
    ),
    # 8 (staffing forecasts)
    (
        # Staffing forecasts (mailing.kinds.forecast): who was asked about which forecast,
        # who answered yes, who was told it fell through; each at most once.
        """CREATE TABLE forecast_messages (
            member_id TEXT NOT NULL,
            forecast_id TEXT NOT NULL,
            message TEXT NOT NULL,
            plan_id TEXT NOT NULL,
            planned TEXT NOT NULL,
            PRIMARY KEY (member_id, forecast_id, message)
        )""",
        """CREATE TABLE forecast_answers (
            member_id TEXT NOT NULL,
            forecast_id TEXT NOT NULL,
            answered TEXT NOT NULL,
            PRIMARY KEY (member_id, forecast_id)
        )""",
    ),
    # 9 (PostgreSQL as the store): the order rows were written in, which three readers keep
    # (a rebuilt job-alert digest, who was asked and who answered about a forecast), explicit
    # instead of SQLite's rowid, which PostgreSQL has no equivalent of.
    tuple(step for table in ("job_alerts", "forecast_messages", "forecast_answers") for step in (
        f"ALTER TABLE {table} ADD COLUMN position INTEGER NOT NULL DEFAULT 0",
        lambda conn, table=table: conn.number_rows(table, "position"),
        f"CREATE INDEX {table}_by_position ON {table}(position)",
    )),
    # 10 (reverse-interview bookings, mailing.webapp.booking_counts): how many booking requests each
    # ambassador was sent through the form, per month; no name, address or question. In the store so
    # that web application hosts sharing it count against one monthly cap (a file per host before).
    (
        """CREATE TABLE booking_counts (
            ambassador TEXT NOT NULL,
            month TEXT NOT NULL,
            count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (ambassador, month)
        )""",
    ),
]


def next_position(conn, table: str) -> int:
    """The `position` the next row written to `table` takes (inside the write transaction that writes it)."""
    return conn.scalar(f"SELECT COALESCE(MAX(position), 0) FROM {table}") + 1
