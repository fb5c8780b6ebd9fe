"""The database file and what is written to it.

``database``: the file, the turns processes take on it (a lock held for the operation at hand), the write token;
``schema``: the tables and their migrations; ``journal``: the only code that writes (events, messages, campaigns,
checkpoints, the daily rollup); ``snapshot``: the read model, an immutable picture of the ledger per committed write;
``messages``: a batch of messages checked before the journal records it; ``message_ids``: R13 without a scan.
Only the store (``credits_core.store``) builds on this layer; nothing above the store imports the journal
or the snapshot."""

from credits_core.storage.database import Database, ReadCursor
from credits_core.storage.journal import ROLLUP_SELECT, ROME_DAY, rome_days
from credits_core.storage.message_ids import KnownIds, key_of
from credits_core.storage.messages import OPTIONAL, REQUIRED, MessagesRejected, prepare_messages
from credits_core.storage.schema import APP_ID, HASHED_ID_SQL, MIGRATIONS, SCHEMA_VERSION, mailup_id_key
from credits_core.storage.snapshot import (
    MIN_KEY,
    Snapshot,
    is_stale,
    load,
    messages_after,
    needs_messages,
    new_revision,
    state_at,
    stored_policy,
)

__all__ = [
    "APP_ID", "Database", "HASHED_ID_SQL", "KnownIds", "MIGRATIONS", "MIN_KEY", "MessagesRejected", "OPTIONAL",
    "REQUIRED", "ROLLUP_SELECT", "ROME_DAY", "ReadCursor", "SCHEMA_VERSION", "Snapshot", "is_stale", "key_of", "load",
    "mailup_id_key", "messages_after", "needs_messages", "new_revision", "prepare_messages", "rome_days", "state_at",
    "stored_policy",
]
