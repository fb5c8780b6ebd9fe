"""The DuckDB schema, its version and its migrations.

Input events are the truth: ``lists``, ``events`` (purchases, assignments, set_shared) and ``messages``.
Everything else is derived and can be rebuilt from them at any time: ``checkpoints`` (the ledger state after every
control point, written by the replay) and ``daily_usage`` (spend per Rome day, list, country and campaign, for
reports). ``campaigns`` holds scheduled, not yet sent, campaigns (reservations; see ``forecast``).

Each migration step brings a file from version N-1 to N. A new file runs them all; an older file runs the missing
ones inside one transaction; a newer or foreign file is refused.
"""

from __future__ import annotations

APP_ID = "sms-credits-ledger"

MIGRATIONS: list[list[str]] = [
    # v1: the ledger.
    [
        "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        "CREATE TABLE lists (list_no INTEGER NOT NULL, list_id VARCHAR NOT NULL, name VARCHAR)",
        """CREATE TABLE events (
            seq BIGINT NOT NULL, occurred_at TIMESTAMP NOT NULL, kind VARCHAR NOT NULL, list_id VARCHAR,
            credits BIGINT, lot_id VARCHAR, expiring BOOLEAN, price DECIMAL(18, 2))""",
        """CREATE TABLE messages (
            seq BIGINT NOT NULL, message_id VARCHAR NOT NULL, list_no INTEGER NOT NULL, sent_at TIMESTAMP NOT NULL,
            credits BIGINT NOT NULL, country VARCHAR, parts INTEGER, campaign_id VARCHAR, recipient VARCHAR,
            text VARCHAR)""",
        """CREATE TABLE checkpoints (
            at_us BIGINT NOT NULL, seq BIGINT NOT NULL, kind VARCHAR NOT NULL, ctl_seq BIGINT,
            state VARCHAR NOT NULL, detail VARCHAR NOT NULL)""",
    ],
    # v2: reports rollup and scheduled campaigns.
    [
        """CREATE TABLE daily_usage (
            day DATE NOT NULL, list_no INTEGER NOT NULL, country VARCHAR, campaign_id VARCHAR,
            messages BIGINT NOT NULL, parts BIGINT NOT NULL, credits BIGINT NOT NULL)""",
        """CREATE TABLE campaigns (
            campaign_id VARCHAR NOT NULL, list_id VARCHAR NOT NULL, scheduled_at TIMESTAMP NOT NULL,
            text VARCHAR NOT NULL, recipients VARCHAR NOT NULL, credits BIGINT NOT NULL,
            status VARCHAR NOT NULL, created_seq BIGINT NOT NULL)""",
    ],
    # v3: alerts already sent by e-mail (``alerts``): sent again only when their figure changes materially.
    [
        "CREATE TABLE alerts_sent (key VARCHAR PRIMARY KEY, figure BIGINT NOT NULL, sent_at TIMESTAMP NOT NULL)",
    ],
    # v4: who did it. Events and campaigns name their author (NULL: recorded before authors existed); ``audit``
    # holds writes that are not ledger events (an import: the file and how many rows it wrote).
    [
        "ALTER TABLE events ADD COLUMN author VARCHAR",
        "ALTER TABLE campaigns ADD COLUMN author VARCHAR",
        "ALTER TABLE campaigns ADD COLUMN created_at TIMESTAMP",
        "CREATE TABLE audit (seq BIGINT NOT NULL, done_at TIMESTAMP NOT NULL, author VARCHAR, "
        "action VARCHAR NOT NULL, detail VARCHAR NOT NULL)",
    ],
    # v5: the cost of spend. ``lot_cuts`` (derived) says where spends move from one lot to the next (ledger.Cut), so
    # every credit spent is valued at the price of its lot; ``campaign_info`` (input) names sent campaigns.
    [
        "CREATE TABLE lot_cuts (at_us BIGINT NOT NULL, seq BIGINT NOT NULL, off BIGINT NOT NULL, "
        "lot_id VARCHAR NOT NULL)",
        "CREATE TABLE campaign_info (campaign_id VARCHAR PRIMARY KEY, name VARCHAR, list_id VARCHAR, "
        "sent_at TIMESTAMP, text VARCHAR)",
    ],
    # v6: the MailUp connector. ``mailup_messages`` is the sync's bookmark per MailUp message (how many sendings
    # MailUp reported, and whether none was still queued), written in the transaction of the records it covers;
    # ``mailup_status`` holds the last sync (when, what it brought) and MailUp's own credit figures then, for the
    # reconciliation (list_id NULL: the account's total). No secret is ever stored.
    [
        "CREATE TABLE mailup_messages (id_message BIGINT PRIMARY KEY, list_id VARCHAR NOT NULL, "
        "sendings BIGINT NOT NULL, complete BOOLEAN NOT NULL, synced_at TIMESTAMP NOT NULL)",
        "CREATE TABLE mailup_status (list_id VARCHAR, credit BIGINT NOT NULL, synced_at TIMESTAMP NOT NULL, "
        "detail VARCHAR)",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)

# Bump when the derived tables' meaning changes: opening such a file rebuilds them from the events.
DERIVED_VERSION = 2
