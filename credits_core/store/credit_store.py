"""``CreditStore``: the public engine API (the rules it keeps: docs/rules.md), on one DuckDB file shared by any number
of processes.

The store is a small facade over three pieces:

* ``db.Database``: the file and the turns processes take on it (a cross-process lock held only for the operation
  at hand, a connection that lingers through a burst of operations, a token announcing every write);
* ``journal``: the only code that writes; every write is checked against the ledger before anything is written and
  runs in one transaction (a single send is one autocommitted INSERT);
* ``snapshot.Snapshot``: the immutable read model. The store keeps the current one, replaces it whole after each
  of its own commits, and reloads it from the file when the file's token says another process wrote.

"Now" is the wall clock (SPEC 4): ``balance()``, the pages and every check made before a write see expiries due by
now even when nothing was recorded since. ``batch()`` groups calls into one transaction and runs each of them
through exactly the code it runs alone, so the state and the refusals are those of the same calls one by one."""

from __future__ import annotations

from credits_core.store.bookkeeping import Bookkeeping
from credits_core.store.freshness import Freshness
from credits_core.store.reads import Reads
from credits_core.store.session import Session
from credits_core.store.writes import Writes


class CreditStore(Session, Writes, Reads, Bookkeeping, Freshness):
    """The ledger of one account. Open with ``CreditStore.open(path)``; the rules it keeps are in docs/rules.md.

    Composed of parts that each hold one concern: ``Session`` (the file, turns, transactions, batches, the author),
    ``Writes`` (every write, checked first), ``Reads`` (balances, lots, expiries, lists, events), ``Bookkeeping``
    (audit, alerts sent, MailUp's state, campaign names) and ``Freshness`` (which writes could change an answer).
    Pages and the gate use the one object."""
