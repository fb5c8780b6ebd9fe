"""What scheduled campaigns reserve, read from the database: their estimates and the credits of the messages
recorded with their campaign id (R15). The arithmetic is the ledger's (``ledger.reservations``); this is the SQL."""

from __future__ import annotations

import duckdb

from credits_core.ledger import State
from credits_core.ledger.reservations import Reservations, from_rows

_SCHEDULED = ("SELECT campaign_id, list_id, epoch_us(scheduled_at) AS t_us, credits FROM campaigns "
              "WHERE status = 'scheduled'")


def load(cur: duckdb.DuckDBPyConnection, state: State, rolled_seq: int, now_us: int) -> Reservations:
    """The reservations as of ``state`` (the ledger now): recorded credits from the rollup plus the messages not
    folded into it yet (seq > ``rolled_seq``)."""
    rows = cur.execute(
        f"WITH c AS ({_SCHEDULED}), r AS ("
        f"  SELECT campaign_id, credits FROM daily_usage WHERE campaign_id IN (SELECT campaign_id FROM c)"
        f"  UNION ALL SELECT campaign_id, credits FROM messages WHERE seq > ? "
        f"  AND campaign_id IN (SELECT campaign_id FROM c)) "
        f"SELECT c.campaign_id, c.list_id, c.t_us, c.credits, coalesce(sum(r.credits), 0)::BIGINT FROM c "
        f"LEFT JOIN r USING (campaign_id) GROUP BY ALL ORDER BY c.t_us, c.campaign_id", [rolled_seq]).fetchall()
    return from_rows(rows, state, now_us)


def recorded_exact(cur: duckdb.DuckDBPyConnection, state: State, now_us: int) -> Reservations:
    """The same, with the recorded credits summed from the message table itself (for ``verify``)."""
    rows = cur.execute(
        f"WITH c AS ({_SCHEDULED}) SELECT c.campaign_id, c.list_id, c.t_us, c.credits, "
        f"coalesce(sum(m.credits), 0)::BIGINT FROM c LEFT JOIN messages m USING (campaign_id) GROUP BY ALL "
        f"ORDER BY c.t_us, c.campaign_id").fetchall()
    return from_rows(rows, state, now_us)
