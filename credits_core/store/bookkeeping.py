"""What the store keeps beside the ledger: the audit trail, the alerts already sent, MailUp's account, bookmarks and
figures, the campaigns' names and texts."""

from __future__ import annotations

import json

import pandas as pd

from credits_core.ledger import (
    from_us,
    now_us,
)
from credits_core.storage import (
    journal,
)
from credits_core.store.marks import reads, writes


class Bookkeeping:
    """What the store keeps beside the ledger: the audit trail, the alerts already sent, MailUp's account, bookmarks
    and figures, the campaigns' names and texts."""

    @writes
    def audit(self, action: str, detail: str) -> None:
        """Record a write that is not a ledger event (an import: the file and what it wrote) with its author."""
        with self._writing() as cur:
            self._snap = journal.audit(cur, self._snap, now_us(), self.author, action, detail)

    @reads
    def audit_trail(self) -> pd.DataFrame:
        """The writes recorded with ``audit``: t_us (UTC microseconds), author, action, detail."""
        with self._read_session() as cur:
            return cur.execute("SELECT epoch_us(done_at) AS t_us, author, action, detail FROM audit "
                               "ORDER BY done_at, seq").df()

    @writes
    def mark_alert_sent(self, key: str, figure: int) -> None:
        """Remember that the alert ``key`` was e-mailed with ``figure`` (see ``alerts``)."""
        with self._writing() as cur:
            self._snap = journal.mark_alert_sent(cur, self._snap, key, int(figure), now_us())

    @writes
    def forget_alerts_except(self, active: list[str]) -> None:
        """Forget every alert sent whose key is not in ``active`` (resolved since)."""
        with self._writing() as cur:
            self._snap = journal.forget_alerts_except(cur, self._snap, [str(k) for k in active])

    @reads
    def alerts_sent(self) -> dict[str, int]:
        """Alerts e-mailed in their current episode: key -> figure."""
        with self._read_session() as cur:
            return dict(cur.execute("SELECT key, figure FROM alerts_sent").fetchall())

    @writes
    def save_mailup_bookmark(self, id_message: int, list_id: str, sendings: int, complete: bool,
                             last_sent_us: int | None = None) -> None:
        """The MailUp sync's bookmark of one message (call inside the ``batch`` that records its sendings):
        ``last_sent_us``, the latest send time recorded for it (the next sync reads only from there)."""
        with self._writing() as cur:
            self._snap = journal.save_mailup_bookmark(cur, self._snap, int(id_message), list_id, int(sendings),
                                                      bool(complete), now_us(), last_sent_us)

    @reads
    def mailup_bookmarks(self) -> dict[int, tuple[int, bool, int | None]]:
        """id_message -> (sendings read, complete, last send time recorded in UTC microseconds) as of the last
        sync."""
        with self._read_session() as cur:
            rows = cur.execute("SELECT id_message, sendings, complete, epoch_us(last_sent) FROM mailup_messages"
                               ).fetchall()
        return {int(i): (int(n), bool(c), None if t is None else int(t)) for i, n, c, t in rows}

    @writes
    def mailup_id_key(self) -> str:
        """This file's key for MailUp sending ids (``schema.mailup_id_key``), created on first use."""
        from credits_core.storage import mailup_id_key

        with self._writing() as cur:
            return mailup_id_key(cur)

    @reads
    def mailup_account(self) -> dict | None:
        """The MailUp account this file holds (``uid``, ``username``), recorded by its first sync."""
        with self._read_session() as cur:
            rows = cur.execute("SELECT value FROM meta WHERE key = 'mailup_account'").fetchall()
        return json.loads(rows[0][0]) if rows else None

    @writes
    def save_mailup_account(self, uid: str, username: str) -> None:
        """Record the MailUp account of this file (its first sync)."""
        with self._writing() as cur:
            self._snap = journal.set_meta_value(cur, self._snap, "mailup_account",
                                                json.dumps({"uid": str(uid), "username": str(username)}))

    @writes
    def save_mailup_status(self, total: int, by_list: dict[str, int], detail: dict) -> None:
        """MailUp's credit figures and what the sync brought (``mailup.sync``)."""
        with self._writing() as cur:
            self._snap = journal.save_mailup_status(cur, self._snap, int(total), by_list, json.dumps(detail),
                                                    now_us())

    @reads
    def mailup_status(self) -> dict | None:
        """The last sync: synced_at (UTC), total and by_list (MailUp's figures), detail (what it brought)."""
        with self._read_session() as cur:
            rows = cur.execute("SELECT list_id, credit, epoch_us(synced_at), detail FROM mailup_status").fetchall()
        if not rows:
            return None
        total = next(r for r in rows if r[0] is None)
        return {"synced_at": from_us(total[2]), "total": int(total[1]), "detail": json.loads(total[3] or "{}"),
                "by_list": {r[0]: int(r[1]) for r in rows if r[0] is not None}}

    @reads
    def campaign_info(self) -> pd.DataFrame:
        """Campaigns named by ``describe_campaigns``: campaign_id, name, list_id, t_us (UTC microseconds), text,
        is_unicode, estimated, parts."""
        with self._read_session() as cur:
            return cur.execute("SELECT campaign_id, name, list_id, epoch_us(sent_at) AS t_us, text, is_unicode, "
                               "coalesce(estimated, false) AS estimated, parts FROM campaign_info "
                               "ORDER BY campaign_id").df()
