"""The DuckDB schema, its version and its migrations.

Input events are the truth: ``lists``, ``events`` (purchases, assignments, set_shared) and ``messages``.
Everything else is derived and can be rebuilt from them at any time: ``checkpoints`` (the ledger state after every
control point, written by the replay) and ``daily_usage`` (spend per Rome day, list, country and campaign, for
reports). ``campaigns`` holds scheduled, not yet sent, campaigns (reservations; see ``forecast``).

Each migration step brings a file from version N-1 to N. A new file runs them all; an older file runs the missing
ones inside one transaction; a newer or foreign file is refused. A step is a list of SQL statements or functions of
the cursor (for what SQL alone cannot say: "add this column if it is missing", a keyed hash).

A released step is never edited: a file that ran it as it shipped must end with the same tables as a new one. When a
step turns out to have shipped without something, a new step repairs the files that lack it (v7), and after every
migration ``missing_columns`` checks each table's columns by name against what this version expects.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

import duckdb

APP_ID = "sms-credits-ledger"
Step = str | Callable[[duckdb.DuckDBPyConnection], None]


def columns_of(cur: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {r[0] for r in cur.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
                                      [table]).fetchall()}


def _repair_campaigns_created_at(cur: duckdb.DuckDBPyConnection) -> None:
    """Files written by 3ccb118 ran v4 before ``campaigns.created_at`` was added to it (that released step was
    edited afterwards): they reached v4 without the column, and every later step kept it missing."""
    if "created_at" not in columns_of(cur, "campaigns"):
        cur.execute("ALTER TABLE campaigns ADD COLUMN created_at TIMESTAMP")


MAILUP_ID_KEY = "mailup_id_key"  # meta: the key of the MailUp sending ids' hash (this file's own, random)


def mailup_id_key(cur: duckdb.DuckDBPyConnection) -> str:
    """This file's key for MailUp sending ids, created on first use (64 hex digits from the OS's random source)."""
    rows = cur.execute("SELECT value FROM meta WHERE key = ?", [MAILUP_ID_KEY]).fetchall()
    if rows:
        return rows[0][0]
    key = secrets.token_hex(32)
    cur.execute("INSERT INTO meta VALUES (?, ?)", [MAILUP_ID_KEY, key])
    return key


# A MailUp sending's id without personal data: ``mailup-{idMessage}-{h}``, h the first 20 hex digits of
# sha256(key | idMessage | receiver digits | send time as 20150129T141110Z). The same in SQL (the migration below)
# and in Python (``credits_core.sources.mailup.credits.sending_ids``), so the sync and the export give one id.
HASHED_ID_SQL = "'mailup-' || {m} || '-' || left(sha256({k} || '|' || {m} || '|' || {r} || '|' || {t}), 20)"


def _mailup_ids_without_numbers(cur: duckdb.DuckDBPyConnection) -> None:
    """Ids written before v8 carried the recipient's number (``mailup-{message}-{number}-{time}``): rewritten as
    the keyed hash, the same id a sync or an export now gives that sending."""
    old = "message_id SIMILAR TO 'mailup-[0-9]+-[0-9]+-[0-9]{8}T[0-9]{6}Z'"
    if not cur.execute(f"SELECT count(*) FROM messages WHERE {old}").fetchall()[0][0]:
        return
    key = mailup_id_key(cur)
    part = "split_part(message_id, '-', {})".format
    new = HASHED_ID_SQL.format(m=part(2), k="?", r=part(3), t=part(4))
    cur.execute(f"UPDATE messages SET message_id = {new} WHERE {old}", [key])


MIGRATIONS: list[list[Step]] = [
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
    # v7: a repair, not a change: the column that files of 3ccb118 lack (see ``_repair_campaigns_created_at``).
    [_repair_campaigns_created_at],
    # v8: MailUp data that nothing drops. ``mailup_messages.last_sent``: the latest send time recorded for a
    # message, from which the next sync reads only what is newer; ``campaign_info.is_unicode`` (MailUp's flag),
    # ``parts`` (the parts each recipient's message was priced at, fixed by its first pricing, so a sync and an export
    # give a sending the same credits) and ``estimated`` (a text with merge tags: its credits are the worst case
    # known, not the exact charge); sending ids without the recipient's number.
    [
        "ALTER TABLE mailup_messages ADD COLUMN last_sent TIMESTAMP",
        "ALTER TABLE campaign_info ADD COLUMN is_unicode BOOLEAN",
        "ALTER TABLE campaign_info ADD COLUMN estimated BOOLEAN",
        "ALTER TABLE campaign_info ADD COLUMN parts INTEGER",
        _mailup_ids_without_numbers,
    ],
]

# The columns every table must have at this version, by name (``missing_columns``).
EXPECTED_COLUMNS = {
    "events": {"seq", "occurred_at", "kind", "list_id", "credits", "lot_id", "expiring", "price", "author"},
    "messages": {"seq", "message_id", "list_no", "sent_at", "credits", "country", "parts", "campaign_id",
                 "recipient", "text"},
    "campaigns": {"campaign_id", "list_id", "scheduled_at", "text", "recipients", "credits", "status", "created_seq",
                  "author", "created_at"},
    "campaign_info": {"campaign_id", "name", "list_id", "sent_at", "text", "is_unicode", "estimated", "parts"},
    "mailup_messages": {"id_message", "list_id", "sendings", "complete", "synced_at", "last_sent"},
    "audit": {"seq", "done_at", "author", "action", "detail"},
}


def missing_columns(cur: duckdb.DuckDBPyConnection) -> list[str]:
    """``table.column`` for every column this version expects and the file lacks."""
    return [f"{t}.{c}" for t, cols in EXPECTED_COLUMNS.items() for c in sorted(cols - columns_of(cur, t))]

SCHEMA_VERSION = len(MIGRATIONS)

# Bump when the derived tables' meaning changes: opening such a file rebuilds them from the events.
DERIVED_VERSION = 2
