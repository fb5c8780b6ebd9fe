"""Every write of the ledger (marked ``@writes``: the write gate is built from the marks), each checked before anything
is written: R1 amounts, R2 instants, R13 ids, R14 replay."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Self

import duckdb
import pandas as pd

from credits_core.ledger import (
    Control,
    CreditsError,
    bounds,
    fmt_local,
    storage_error,
    utc_us,
)
from credits_core.storage import (
    Snapshot,
    journal,
    prepare_messages,
)
from credits_core.store.inputs import _check_credits, _check_id, _instant
from credits_core.store.marks import reads, writes
from credits_core.store.session import _is_storage_failure


class Writes:
    """Every write of the ledger (marked ``@writes``: the write gate is built from the marks), each checked before
    anything is written: R1 amounts, R2 instants, R13 ids, R14 replay."""

    # -- lists and control events --------------------------------------------------------------------------------

    @writes
    def add_list(self, list_id: str, name: str | None = None) -> None:
        """Create a mailing list (shared: it spends from the pool). Adding it again is a no-op; a new name renames."""
        list_id = _check_id(list_id, "list_id")
        if name is not None and not isinstance(name, str):
            raise CreditsError(f"name={name!r} of list {list_id!r} must be a string")
        if len(list_id) > bounds.MAX_NAME_CHARS:
            raise CreditsError(f"list_id {bounds.echo(list_id)!r} is longer than {bounds.MAX_NAME_CHARS} characters")
        if name is not None:
            try:
                name = bounds.clean_name(name, f"the name of list {list_id!r}") or None
            except ValueError as exc:
                raise CreditsError(str(exc)) from None
        with self._writing() as cur:
            self._snap = journal.add_list(cur, self._snap, list_id, name)

    @writes
    def purchase(self, credits: int, at: datetime, *, expiring: bool = True, price: Decimal | None = None,
                 lot_id: str | None = None) -> str:
        """R4, R6: buy a lot; its credits join the unassigned pool. Returns the lot_id."""
        credits = _check_credits(credits, "credits")
        at_us = _instant(at)
        if not isinstance(expiring, bool):
            raise CreditsError(f"expiring={expiring!r} must be True or False")
        if price is not None:
            try:
                price = Decimal(str(price)) if not isinstance(price, Decimal) else price
            except InvalidOperation:
                raise CreditsError(f"price={price!r} is not a decimal amount") from None
            if not price.is_finite() or price < 0 or price >= Decimal(10) ** 15:
                raise CreditsError(f"price={price} must be a finite amount >= 0 and below 10**15")
            price = price.quantize(Decimal("0.01"))
        if lot_id is not None:
            lot_id = _check_id(lot_id, "lot_id")
        with self._writing() as cur:
            snap = self._snap
            if lot_id is not None and lot_id in snap.lots:
                existing = snap.lots[lot_id]
                same = (existing.credits, existing.at_us, existing.expiring) == (credits, at_us, expiring) and (
                    price is None or existing.price == str(price))
                if same:
                    return lot_id  # R13: the same purchase again is a no-op
                raise CreditsError(f"lot_id {lot_id!r} already exists with different content "
                                   f"({existing.credits} credits at {fmt_local(existing.at_us)})")
            seq = snap.next_seq
            lot_id = lot_id or self._automatic_lot_id(snap, seq)
            price_text = None if price is None else str(price)
            ctl = Control(seq, at_us, "purchase", None, credits, lot_id, expiring, price_text, self.author)
            self._snap = journal.record_control(cur, snap, ctl)
            return lot_id

    @staticmethod
    def _automatic_lot_id(snap: Snapshot, seq: int) -> str:
        """``L`` and the sequence number; never one a user already chose."""
        lot_id, n = f"L{seq:06d}", 0
        while lot_id in snap.lots:
            n += 1
            lot_id = f"L{seq:06d}-{n}"
        return lot_id

    @writes
    def assign(self, list_id: str, credits: int, at: datetime) -> None:
        """R6: move credits from the pool to a list (negative: give back) and make the list limited."""
        credits = _check_credits(credits, "credits", positive=False)
        at_us = _instant(at)
        with self._writing() as cur:
            self._snap.require_list(list_id)
            self._snap = journal.record_control(cur, self._snap,
                                                Control(self._snap.next_seq, at_us, "assign", list_id, credits,
                                                        author=self.author))

    @writes
    def set_shared(self, list_id: str, at: datetime) -> None:
        """R6: the list returns its assigned credits to the pool and spends from the pool."""
        at_us = _instant(at)
        with self._writing() as cur:
            self._snap.require_list(list_id)
            self._snap = journal.record_control(cur, self._snap,
                                                Control(self._snap.next_seq, at_us, "set_shared", list_id,
                                                        author=self.author))

    # -- messages ------------------------------------------------------------------------------------------------

    @writes
    def send(self, list_id: str, credits: int, at: datetime, *, message_id: str | None = None,
             country: str | None = None, parts: int | None = None, campaign_id: str | None = None) -> str:
        """R7: record one message of ``list_id`` costing ``credits``. Refused with ``InsufficientCredits`` when its
        bucket is short. The same message_id with the same content is a no-op (R13). Returns the message_id."""
        credits = _check_credits(credits, "credits")
        t_us = _instant(at)
        if parts is not None:
            parts = _check_credits(parts, "parts")
        for name, value in (("country", country), ("campaign_id", campaign_id)):
            if value is not None and not isinstance(value, str):
                raise CreditsError(f"{name}={value!r} must be a string")
        if message_id is not None:
            message_id = _check_id(message_id, "message_id")
        self._require_writable()
        with self._db.session() as cur:
            snap = self._fresh(cur)
            list_no = snap.require_list(list_id)
            check_id = message_id is not None  # an id we make up is new by construction
            message_id = message_id or f"msg-{uuid.uuid4().hex}"
            args = (message_id, list_no, t_us, credits, country, parts, campaign_id)
            if not self._in_batch:
                # the common case, an append that changes no checkpoint: one autocommitted INSERT
                try:
                    new, needs_tx = journal.send_one(cur, snap, *args, in_transaction=False,
                                                     announce=self._db.publish, check_id=check_id,
                                                     known=self._known_ids)
                except (OSError, duckdb.Error) as exc:
                    if _is_storage_failure(exc):
                        raise storage_error(exc, self.path) from None
                    raise
                if not needs_tx:
                    self._snap = new
                    return message_id
            with self._writing():
                self._snap, _ = journal.send_one(cur, self._snap, *args, in_transaction=True, check_id=check_id,
                                                 known=self._known_ids)
            return message_id

    @writes
    def record_messages(self, df: pd.DataFrame) -> int:
        """Record many messages at once, all or nothing; returns how many new messages were stored.

        Required columns: message_id, list_id, sent_at (tz-aware), credits; optional: country, parts, campaign_id,
        recipient, text. Rows keep their order for messages at the same instant (R9). Messages already stored with
        the same content are skipped (R13).
        """
        with self._writing() as cur:
            new, arrays = prepare_messages(self._snap, df, cur)
            self._snap = journal.record_messages(cur, self._snap, new, arrays)
            return len(new)

    @reads
    def check_messages(self, df: pd.DataFrame) -> int:
        """Validate messages as ``record_messages`` would (columns, values, ids, lists) without the ledger replay and
        without writing; returns how many are new. Raises ``messages.MessagesRejected`` with every problem."""
        with self._read_session() as cur:
            new, _ = prepare_messages(self._snap, df, cur)
            return len(new)

    # -- scheduled campaigns (the checks live in ``forecast``) -----------------------------------------------------

    @writes
    def save_campaign(self, campaign_id: str | None, list_id: str, at_us: int, text: str,
                      recipients: dict[str, int], credits: int,
                      check: Callable[[Self], None] | None = None) -> str:
        """Store a scheduled campaign; ``check(store)`` runs first, holding the file, and may refuse it."""
        if campaign_id is not None:
            campaign_id = _check_id(campaign_id, "campaign_id")
        with self._writing() as cur:
            self._snap.require_list(list_id)
            if check is not None:
                check(self)
            self._snap, campaign_id = journal.save_campaign(cur, self._snap, campaign_id, list_id, at_us, text,
                                                            recipients, credits, self.author)
            return campaign_id

    @writes
    def describe_campaigns(self, rows: pd.DataFrame) -> int:
        """Name campaigns: ``rows`` has campaign_id and name, and may have list_id, sent_at (aware), text (None:
        unknown), is_unicode (the platform sends the text as UCS-2), estimated (its messages' credits are an
        estimate: a text with merge tags) and parts (per recipient, as priced for its messages). Checked whole
        before anything is written; returns how many campaigns were new or changed."""
        df = pd.DataFrame({"campaign_id": rows["campaign_id"].astype("string")})
        for c in ("name", "list_id", "text"):
            df[c] = rows[c].astype("string") if c in rows else pd.Series(pd.NA, index=rows.index, dtype="string")
        for c in ("is_unicode", "estimated"):
            df[c] = rows[c].astype("boolean") if c in rows else pd.Series(pd.NA, index=rows.index, dtype="boolean")
        df["parts"] = rows["parts"].astype("Int32") if "parts" in rows else pd.Series(pd.NA, index=rows.index,
                                                                                      dtype="Int32")
        for i, cid in enumerate(df["campaign_id"].fillna("")):
            if not cid.strip():
                raise CreditsError(f"row {i + 1}: campaign_id is empty")
            if problem := bounds.control_problem(cid, f"row {i + 1}: campaign_id"):
                raise CreditsError(problem)
        try:
            df["name"] = pd.array([None if pd.isna(x) else bounds.clean_name(x, f"row {i + 1}: the campaign name")
                                   for i, x in enumerate(df["name"])], dtype="string")
        except ValueError as exc:
            raise CreditsError(str(exc)) from None
        dup = df["campaign_id"].duplicated()
        if dup.any():
            raise CreditsError(f"campaign_id {df['campaign_id'][dup].iloc[0]!r} appears twice")
        at = rows["sent_at"] if "sent_at" in rows else pd.Series(None, index=rows.index, dtype=object)
        df["t_us"] = pd.array([None if x is None or pd.isna(x) else utc_us(pd.Timestamp(x).floor("us"), "sent_at")
                               for x in at], "Int64")
        with self._writing() as cur:
            for lid in df["list_id"].dropna().unique():
                self._snap.require_list(str(lid))
            self._snap, n = journal.describe_campaigns(cur, self._snap, df)
            return n

    @writes
    def cancel_campaign(self, campaign_id: str) -> None:
        with self._writing() as cur:
            self._snap = journal.cancel_campaign(cur, self._snap, campaign_id, self.author)

    @writes
    def rebuild(self) -> None:
        """Rebuild all derived data (checkpoints, rollup) from the input events."""
        with self._writing() as cur:
            self._snap = journal.rebuild(cur, self._snap)
