"""This ledger against MailUp's own figures of the last sync.

MailUp reports ``TotalCredits`` and the credits of each list that has its own (``CreditsByList``). Its console
calls *available* what is left less what scheduled sends hold, so the account's figure is compared both with this
ledger's total and with its total less reserved (R15). A difference in the account's total comes from purchases not
imported here, sendings not synced yet, or expiries applied differently: never from an assignment, which moves
credits between the pool and a list without changing the total. A list's difference may also come from an
assignment made in MailUp after the last sync.

``reconciliation`` returns facts (figures and a ``reason`` code); ``explain`` words one row in English for the CLI
and the pages.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from credits_core.language import Said, said
from credits_core.store import CreditStore

COLUMNS = ["list_id", "name", "mailup", "ledger", "available", "difference", "reason"]
# reason: agree, agree_available (MailUp's total is the ledger's available), ledger_higher, mailup_higher,
# free_access_here (MailUp gives the list its own credits; here it spends from the pool), no_limit_in_mailup


def reconciliation(store: CreditStore) -> pd.DataFrame:
    """One row per list MailUp or this ledger gives credits of its own, and the account's total (``list_id`` "",
    name "Total"): MailUp's figure, this ledger's (``available``: less reserved), the difference (MailUp less this
    ledger) and the reason code. Empty when MailUp was never synced. ``attrs``: synced_at, estimated (credits of
    this ledger priced from texts with merge tags)."""
    status = store.mailup_status()
    if status is None:
        return pd.DataFrame(columns=COLUMNS)
    b = store.balance()
    rows = []
    for list_id, credit in sorted(status["by_list"].items()):
        name = store.list_name(list_id) if list_id in store.list_ids else list_id
        ours = b.assigned.get(list_id)
        if ours is None:
            rows.append((list_id, name, credit, None, None, None, "free_access_here"))
            continue
        avail = b.list_available.get(list_id, ours)
        rows.append((list_id, name, credit, ours, avail, credit - ours, _reason(credit, ours, avail)))
    for list_id, ours in b.assigned.items():
        if list_id not in status["by_list"]:
            rows.append((list_id, store.list_name(list_id), None, ours, b.list_available.get(list_id, ours), None,
                         "no_limit_in_mailup"))
    total = status["total"]
    avail = b.available if b.available is not None else b.total
    rows.append(("", "Total", total, b.total, avail, total - b.total, _reason(total, b.total, avail)))
    df = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("mailup", "ledger", "available", "difference"):
        df[c] = df[c].astype("Int64")
    df.attrs["synced_at"] = status["synced_at"].isoformat()
    df.attrs["estimated"] = estimated_credits(store)
    return df


def _reason(mailup: int, ours: int, available: int) -> str:
    if mailup == ours:
        return "agree"
    if mailup == available:
        return "agree_available"
    return "ledger_higher" if mailup < ours else "mailup_higher"


def estimated_credits(store: CreditStore) -> int:
    """Credits recorded for messages whose text has merge tags (priced for the worst case, not MailUp's charge)."""
    from credits_core.reporting import select

    return int(select(store, "SELECT coalesce(sum(m.credits), 0) FROM messages m JOIN campaign_info c "
                             "USING (campaign_id) WHERE c.estimated").fetchall()[0][0])


def explain(row) -> Said:
    """One reconciliation row in words (a ``Said``: English as text, each reader's language on the pages)."""
    name = row.name
    mailup, ours, avail = (None if pd.isna(v) else int(v) for v in (row.mailup, row.ledger, row.available))
    total = row.list_id == ""
    who = said("The account") if total else name
    if row.reason == "free_access_here":
        return said("{name}: MailUp gives it {mailup} credits of its own; here it has free access (it spends from the "
                    "unassigned pool). Record the assignment to match.", name=name, mailup=mailup)
    if row.reason == "no_limit_in_mailup":
        return said("{name}: this ledger gives it a spending limit of {ours}; MailUp reports no credits of its own "
                    "(free access there).", name=name, ours=ours)
    if row.reason == "agree":
        return said("{who}: MailUp and this ledger agree ({ours}).", who=who, ours=ours)
    if row.reason == "agree_available":
        return said("{who}: MailUp's {mailup} is this ledger's available credits ({ours} held less {reserved} reserved "
                    "by scheduled campaigns).", who=who, mailup=mailup, ours=ours, reserved=ours - avail)
    if total:
        if row.reason == "ledger_higher":
            return said("The account: MailUp says {mailup}, this ledger {ours}: {fewer} fewer in MailUp: sendings not "
                        "synced yet (sync again), an expiry MailUp applied differently, or MailUp counting the credits "
                        "held for scheduled sends (this ledger: {available} available).", mailup=mailup, ours=ours,
                        fewer=ours - mailup, available=avail)
        return said("The account: MailUp says {mailup}, this ledger {ours}: {more} more in MailUp: a purchase not "
                    "imported here (purchases come from invoices, import kind purchases), or an expiry MailUp applied "
                    "differently.", mailup=mailup, ours=ours, more=mailup - ours)
    if row.reason == "ledger_higher":
        return said("{name}: MailUp says {mailup}, this ledger {ours}: {fewer} credits of sends not yet synced, an "
                    "expiry MailUp applied differently, or an assignment made in MailUp after the last sync.",
                    name=name, mailup=mailup, ours=ours, fewer=ours - mailup)
    return said("{name}: MailUp says {mailup}, this ledger {ours}: {more} more in MailUp: an assignment made in MailUp "
                "after the last sync, or an expiry applied differently.", name=name, mailup=mailup, ours=ours,
                more=mailup - ours)


def explained(store: CreditStore) -> pd.DataFrame:
    """``reconciliation`` with an ``explanation`` column in words."""
    rec = reconciliation(store)
    rec["explanation"] = pd.Series([explain(r) for r in rec.itertuples()], index=rec.index, dtype=object)
    return rec


def matching_limits(store: CreditStore) -> list:
    """The limit changes that make every list MailUp reports match it (previewed, then applied by a manager)."""
    from credits_core.planning import LimitChange

    status = store.mailup_status()
    if status is None:
        return []
    b = store.balance()
    return [LimitChange(list_id, new_limit=credit) for list_id, credit in sorted(status["by_list"].items())
            if list_id in store.list_ids and b.assigned.get(list_id) != credit]


def apply_matching_limits(store: CreditStore) -> int:
    """Record the assignments that make the lists match MailUp, in one transaction, with one History entry."""
    from credits_core.planning import apply_limits, describe

    changes = matching_limits(store)
    if not changes:
        return 0
    words = describe(store, changes)
    with store.batch():
        n = apply_limits(store, changes, datetime.now(UTC))
        store.audit("MailUp reconciliation", "limits set to MailUp's figures: " + "; ".join(words))
    return n
