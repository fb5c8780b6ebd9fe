"""Which writes could have changed an answer: the snapshot's revision, the basis an answer was computed from, and the
earliest instant written since (the dashboard's answer cache keeps a report whose range ended before it)."""

from __future__ import annotations

from dataclasses import dataclass

from credits_core.ledger import (
    Policy,
)
from credits_core.store.marks import reads


@dataclass(frozen=True)
class Basis:
    """What an answer was computed from, enough to tell later which writes could have changed it: the snapshot's
    revision, the first sequence number not yet used, a fingerprint of every name an answer may show (lists and
    campaigns) and the policy. See ``CreditStore.changed_from``."""

    revision: str
    next_seq: int
    names: int
    policy: Policy


NEVER_US = 2**62  # ``changed_from``: nothing recorded since (no instant is affected)


ALWAYS_US = -(2**62)  # ``changed_from``: names or the policy changed (every answer may differ)


class Freshness:
    """Which writes could have changed an answer: the snapshot's revision, the basis an answer was computed from, and
    the earliest instant written since (the dashboard's answer cache keeps a report whose range ended before it)."""

    @property
    @reads
    def revision(self) -> str:
        """Changes with every write by any process: the key of page caches."""
        return self.snapshot().revision

    def basis(self) -> Basis:
        """What answers computed now are computed from (``Basis``); the same object for one revision."""
        with self._read_session() as cur:
            snap = self._snap
            known = self._bases.get(snap.revision)
            if known is None:
                campaigns = cur.execute(
                    "SELECT (SELECT bit_xor(hash(campaign_id, name, list_id, sent_at, text, estimated)) "
                    "FROM campaign_info), "
                    "(SELECT bit_xor(hash(campaign_id, list_id, scheduled_at, text)) FROM campaigns)").fetchall()[0]
                names = hash((snap.list_ids, tuple(sorted(snap.names.items(), key=lambda kv: kv[0])), campaigns))
                known = Basis(snap.revision, snap.next_seq, names, snap.policy)
                self._bases[snap.revision] = known
                while len(self._bases) > 64:
                    self._bases.pop(next(iter(self._bases)))
            return known

    def changed_from(self, since: Basis) -> int:
        """The earliest instant (UTC microseconds) at which the ledger may differ from what it was at ``since``: the
        earliest event or message recorded after it (a purchase, an assignment, a send, backdated or not). The
        ledger before that instant is unchanged (it is replayed in time order), so an answer about the instants
        before it still holds. ``NEVER_US``: nothing was recorded since; ``ALWAYS_US``: a list or campaign name or
        the policy changed, which any answer may show."""
        now = self.basis()
        same = (now.names, now.policy) == (since.names, since.policy)
        if now.revision == since.revision or (same and now.next_seq == since.next_seq):
            return NEVER_US
        if not same:
            return ALWAYS_US
        memo = (now.revision, since.next_seq)
        if memo not in self._changes:
            with self._read_session() as cur:
                snap = self._snap
                first = cur.execute("SELECT min(epoch_us(sent_at)) FROM messages WHERE seq >= ?",
                                    [since.next_seq]).fetchall()[0][0]
            instants = [c.at_us for c in snap.controls if c.seq >= since.next_seq]
            if first is not None:
                instants.append(int(first))
            self._changes[memo] = min(instants, default=NEVER_US)
            while len(self._changes) > 256:
                self._changes.pop(next(iter(self._changes)))
        return self._changes[memo]
