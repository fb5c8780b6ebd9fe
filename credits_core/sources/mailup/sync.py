"""The sync: MailUp's account, lists, SMS messages, sendings and credits, recorded through the normal write path.

Streams (Singer style): lists (``GET Console/List``), the SMS messages of each list, each message's sendings
(``Console/Sms/{id}/Sendings/ReportDetails``, newest first: ``orderby=SentDate desc``), the account's credits. Each
message's sendings, its campaign (name, text, MailUp's Unicode flag, whether its credits are estimated) and its
*bookmark* commit in one transaction, so the bookmark never covers a record that was not committed:

* a message is **complete** when its read reached the end (a short or empty page) with no paging problem, and
  every row was recorded or is a sending already recorded (``credits.Converted.complete``); a problem, a queued
  sending not charged yet or a read that ended early leaves it incomplete, and the next sync reads it whole again;
* a complete message is read **only from its last send time on** (``last_sent``): a first page of ``PROBE`` newest
  sendings, then whole pages, until a sending older than the bookmark; nothing new writes nothing. A server that
  ignores the order (a page not newest first) is read whole.

**One account, one file.** The first sync records the account (``Console/Authentication/Info``: ``UID`` and
``Username``); a sync of another account into that file is refused before anything is written, naming both.

Writes are grouped: the records, campaigns and bookmarks of several messages (up to ``GROUP_ROWS`` sendings or
``GROUP_MESSAGES`` messages) commit in one transaction, so a night of a few new sendings on many messages is one
write, not one per message; a group the ledger refuses is written again message by message, so the refusal names
its message and the others are recorded.

Sending ids carry no number (``credits.sending_ids``): a keyed hash with this file's key.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from credits_core.language import Words, said, words
from credits_core.ledger import CreditsError, InsufficientCredits, StorageError
from credits_core.sources.mailup.client import Client, Paging
from credits_core.sources.mailup.credits import (
    MERGE_TAG,
    Converted,
    TextPricing,
    convert,
    parse_sent,
    parse_status,
    price_text,
)
from credits_core.sources.mailup.settings import MailUpError
from credits_core.store import CreditStore

ORDER = "SentDate desc"  # MailUp's documented orderby: the newest first
PROBE = 250  # the first page of a complete message's read: a night's new sendings of most messages, in one call
GROUP_ROWS, GROUP_MESSAGES = 50_000, 200  # messages whose records commit together (one replay of the ledger)


@dataclass
class SyncReport:
    account: str
    lists: int = 0
    messages: int = 0
    skipped: int = 0  # complete messages with nothing new since the last sync
    sendings: int = 0  # rows read from MailUp
    recorded: int = 0  # new messages written to the ledger
    incomplete: int = 0  # messages left to read again next time
    problems: list[tuple[str, str]] = field(default_factory=list)
    estimated: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (message, merge tags)
    seconds: float = 0.0
    calls: int = 0
    credits: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self, w: Words | None = None) -> str:
        """What the sync did, in ``w``'s language (English by default)."""
        w = w or words()
        calls = (w.t("{calls} calls, {rate} sendings/s", calls=self.calls, rate=round(self.sendings / self.seconds))
                 if self.seconds > 0 and self.sendings else w.t("{calls} calls", calls=self.calls))
        head = w.t("MailUp {account}: {lists} lists, {messages} messages ({skipped} with nothing new since the last "
                   "sync), {sendings} sendings read, {recorded} new recorded in {seconds} s ({calls})",
                   account=self.account, lists=self.lists, messages=self.messages, skipped=self.skipped,
                   sendings=self.sendings, recorded=self.recorded, seconds=w.number(self.seconds, 1), calls=calls)
        lines = [head]
        if self.incomplete:
            lines.append("  " + w.tn("{count} message will be read again next time (queued sendings or problems "
                                     "below)", "{count} messages will be read again next time (queued sendings or "
                                     "problems below)", self.incomplete))
        lines += ["  " + w.t("estimated: {where}: its text has merge tags ({tags}); its credits are priced for the "
                             "longest value known (each tag its field's default or the MAILUP_MERGE_TAG_LENGTH), not "
                             "MailUp's exact charge", where=where, tags=", ".join("[" + x + "]" for x in tags))
                  for where, tags in self.estimated]
        lines += ["  " + w.t("problem: {where}: {why}", where=where, why=w.say(why)) for where, why in self.problems]
        return "\n".join(lines)


Progress = Callable[[SyncReport, str], None]


# Long: the sync's stages in order (account, lists, messages, pages, reconcile) with progress and resumption between
# them.
def sync(store: CreditStore, client: Client, *, full: bool = False, progress: Progress | None = None
         ) -> SyncReport:
    """Pull the account and record it (idempotent, resumable). ``full`` reads every message whole, bookmarks or
    not. ``progress(report, stage)`` is called as lists, messages and pages are done."""
    started = time.perf_counter()
    say = progress or (lambda _r, _s: None)
    report = SyncReport(client.settings.username)
    say(report, said("signing in"))
    _check_account(store, client, report)
    key = store.mailup_id_key()
    bookmarks = store.mailup_bookmarks()
    info = store.campaign_info()
    known = {c: (str(t), bool(u) if not pd.isna(u) else False, int(p))
             for c, t, u, p in zip(info["campaign_id"], info["text"], info["is_unicode"], info["parts"])
             if not pd.isna(p) and not pd.isna(t)}
    todo = []
    lists, paging = client.lists()
    _paging_problems(report, "the account's lists", paging)
    for item in lists:
        id_list = _id(item, "IdList", "idList", "Id", "id", "ListId", "listId")
        if id_list is None:
            report.problems.append((said("the account's lists"),
                                    said("a list without an id: {item}", item=_brief(item))))
            continue
        store.add_list(str(id_list), (str(item.get("Name") or item.get("name") or "") or None))
        report.lists += 1
        messages, mpaging = client.messages(id_list)
        _paging_problems(report, f"list {id_list}'s messages", mpaging)
        for msg in messages:
            id_message = _id(msg, "idMessage", "IdMessage", "Id", "id")
            if id_message is None:
                report.problems.append((said("list {list}", list=str(id_list)),
                                        said("a message without an id: {item}", item=_brief(msg))))
                continue
            todo.append((id_message, id_list, str(msg.get("Subject") or msg.get("subject") or "")))
        say(report, said("list {list}", list=str(id_list)))
    # MailUp numbers messages as they are created, so in id order they come roughly in time order: recording them
    # so appends to the ledger instead of replaying it from an earlier checkpoint
    group: list[Written] = []
    try:
        for id_message, id_list, subject in sorted(todo):
            report.messages += 1
            mark = bookmarks.get(id_message)
            since = mark[2] if (mark and mark[1] and not full) else None
            done = _sync_message(store, client, report, key, id_list, id_message, subject, since, say,
                                 known.get(f"mailup-{id_message}"))
            if done is not None:
                group.append(done)
            if len(group) >= GROUP_MESSAGES or sum(len(w.conv.messages) for w in group) >= GROUP_ROWS:
                _write_group(store, report, group)
                group = []
            report.seconds = time.perf_counter() - started
            report.calls = client.requests
            say(report, said("list {list}, message {message}", list=str(id_list), message=str(id_message)))
    finally:  # what was read before MailUp stopped answering is kept: the next sync resumes after it
        _write_group(store, report, group)
    say(report, said("reading the account's credits"))
    details = client.credits()
    by_list = {}
    for x in details.get("CreditsByList") or []:
        lid = _id(x, "ListId", "listId", "IdList", "idList")
        if lid is not None:
            by_list[str(lid)] = int(x.get("Credit") or 0)
    report.credits = {"total": int(details.get("TotalCredits") or 0), "by_list": by_list}
    store.save_mailup_status(report.credits["total"], by_list, {
        "account": report.account, "lists": report.lists, "messages": report.messages,
        "sendings": report.sendings, "recorded": report.recorded, "problems": len(report.problems),
        "incomplete": report.incomplete, "estimated": len(report.estimated)})
    report.seconds = time.perf_counter() - started
    report.calls = client.requests
    say(report, said("done"))
    return report


def _id(item: dict, *names: str) -> int | None:
    for name in names:
        value = item.get(name)
        if value not in (None, ""):
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


def _brief(item: dict) -> str:
    return " ".join(str(item)[:120].split())


def _paging_problems(report: SyncReport, where: str, paging: Paging) -> None:
    report.problems += [(where, why) for why in paging.problems]


def _check_account(store: CreditStore, client: Client, report: SyncReport) -> None:
    """R16 for MailUp: one file holds one MailUp account. Recorded at the first sync, checked at every other."""
    info = client.account()
    uid = str(info.get("UID") or info.get("Uid") or info.get("uid") or "").strip()
    username = str(info.get("Username") or info.get("UserName") or client.settings.username)
    if not uid:
        raise MailUpError("MailUp's Console/Authentication/Info answered without the account's UID: the account "
                          "cannot be told apart from another; nothing was written")
    report.account = username
    known = store.mailup_account()
    if known is None:
        store.save_mailup_account(uid, username)
    elif known["uid"] != uid:
        raise MailUpError(f"{store.path} holds MailUp account {known['username']} (UID {known['uid']}); these "
                          f"settings sign in to {username} (UID {uid}). One database holds one account: sync this "
                          f"one into another file (--db). Nothing was written.")


def _read(client: Client, id_message: int, since_us: int | None) -> tuple[pd.DataFrame, Paging]:
    """The sendings to look at (``_frame``): every one (``since_us`` None), or those from the bookmark's send time
    on: pages of ``PROBE`` newest first while every sending on them is new, then whole pages (their numbers follow
    on when the page size is a multiple of ``PROBE``), until a page holds a sending older than the bookmark."""
    path = f"Console/Sms/{id_message}/Sendings/ReportDetails"
    paging = Paging()
    if since_us is None:
        return _concat([_frame(page.items) for page in client.pages(path, paging, order=ORDER)]), paging
    size, frames = PROBE, []
    full = client.settings.page_size
    while True:
        restart = False
        for page in client.pages(path, paging, size=size, order=ORDER, first=sum(map(len, frames)) // size):
            frame = _frame(page.items)
            frames.append(frame)
            known = frame["sent"].dropna().to_numpy(dtype="datetime64[us]").astype(np.int64)
            if len(known) > 1 and (np.diff(known) > 0).any():  # not newest first: MailUp did not apply the order
                return _read(client, id_message, None)
            if not page.paginated or (known < since_us).any() or frame["sent"].isna().any():
                paging.ended = True  # everything newer than the bookmark is in (a row without a date: read whole)
                return _concat(frames), paging
            if size == PROBE and sum(map(len, frames)) >= full and full > PROBE:
                restart = True  # many new sendings: whole pages from here on
                break
        if not restart:
            return _concat(frames), paging
        size = full
        if sum(map(len, frames)) % full:  # the next whole page would not start where the small ones stopped
            frames = []


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0] if frames else _frame([])


def _frame(items: list[dict]) -> pd.DataFrame:
    """A page of sendings as columns, each send time and status read once (``credits.parse_sent``)."""
    raw_sent = pd.Series([x.get("SentDate") for x in items], dtype=object)
    raw_status = pd.Series([x.get("Status") for x in items], dtype=object)
    sent, unreadable = parse_sent(raw_sent)
    status, bad_status = parse_status(raw_status)
    return pd.DataFrame({"receiver": pd.array([str(x.get("Receiver") or "") for x in items], dtype="string"),
                         "sent": sent, "status": status, "unreadable": unreadable, "bad_status": bad_status,
                         "raw_sent": raw_sent.fillna("").astype(str), "raw_status": raw_status.astype(str)})


@dataclass
class Written:
    """One message's sendings, ready to commit with its campaign and bookmark."""

    label: str
    list_id: str
    id_message: int
    campaign: pd.DataFrame
    conv: Converted
    read: int


def _sync_message(store: CreditStore, client: Client, report: SyncReport, key: str, id_list: int, id_message: int,
                  subject: str, since_us: int | None, say: Progress,
                  known: tuple[str, bool, int] | None) -> Written | None:
    label = f"message {id_message} ({subject})" if subject else f"message {id_message}"
    rows, paging = _read(client, id_message, since_us)
    report.sendings += len(rows)
    say(report, said("message {message}: {sendings} sendings", message=str(id_message), sendings=len(rows)))
    if since_us is not None and paging.ended and not paging.problems and not _news(rows, since_us):
        report.skipped += 1  # complete, and nothing sent since its bookmark
        return None
    if known is not None:  # a message keeps the text and parts it was first priced at: no call for its details
        text, unicode, parts = known
        pricing = TextPricing(parts, "", tuple(m.group(1) for m in MERGE_TAG.finditer(text)))
    else:
        detail = client.message(id_list, id_message)
        text = str(detail.get("Content") or "")
        unicode = bool(detail.get("IsUnicode", False))
        pricing = price_text(text, unicode, detail.get("Fields"), client.settings.merge_tag_length)
    conv = convert(str(id_message), str(id_list), text, pricing, key, rows,
                   charge_queued=client.settings.charge_queued, label=label)
    conv.problems = [(label, f"read: {why}") for why in paging.problems] + conv.problems
    if not paging.ended and not paging.problems:
        conv.problems.append((label, said("the read of its sendings did not reach the last page")))
    report.problems += conv.problems
    if pricing.estimated:
        report.estimated.append((label, pricing.tags))
    campaign = pd.DataFrame({"campaign_id": [f"mailup-{id_message}"], "name": [subject or f"MailUp {id_message}"],
                             "list_id": [str(id_list)], "text": [text], "is_unicode": [unicode],
                             "estimated": [pricing.estimated], "parts": [pricing.parts]})
    return Written(label, str(id_list), id_message, campaign, conv, len(rows))


def _news(rows: pd.DataFrame, since_us: int) -> bool:
    """Anything in an incremental read that its bookmark does not already cover: a sending after it, or a row that
    is not a recorded sending (no send time, a status or date MailUp does not document)."""
    at = rows["sent"].dropna().to_numpy(dtype="datetime64[us]").astype(np.int64)
    return bool(len(rows) and ((at > since_us).any() or rows["sent"].isna().any() or rows["bad_status"].any()
                               or rows["unreadable"].any()))


def _commit(store: CreditStore, group: list[Written]) -> int:
    """Records, campaigns and bookmarks of ``group`` in one transaction: a bookmark never runs ahead of its
    records. Returns how many messages were new."""
    with store.batch():
        store.describe_campaigns(pd.concat([w.campaign for w in group], ignore_index=True))
        frames = [w.conv.messages for w in group if len(w.conv.messages)]
        recorded = store.record_messages(pd.concat(frames, ignore_index=True)) if frames else 0
        for w in group:
            store.save_mailup_bookmark(w.id_message, w.list_id, w.read, complete=w.conv.complete,
                                       last_sent_us=w.conv.last_sent_us)
    return recorded


def _write_group(store: CreditStore, report: SyncReport, group: list[Written]) -> None:
    if not group:
        return
    try:
        report.recorded += _commit(store, group)
    except StorageError:
        raise  # the disk, not a message: the sync stops, what was committed before stays
    except CreditsError:
        if len(group) > 1:  # one at a time: the refusal names its message, the others are recorded
            for w in group:
                _write_group(store, report, [w])
            return
        w = group[0]
        exc = sys.exc_info()[1]
        why = exc.args[0] if exc is not None and len(exc.args) == 1 else str(exc)
        if isinstance(exc, InsufficientCredits):
            report.problems.append((w.label, said("not recorded: the ledger holds too few credits for its sendings "
                                                  "({why}); import your purchases first (import kind purchases), "
                                                  "then sync again", why=why)))
        else:  # the ledger refused them (an id recorded with other content): named, read again next time
            report.problems.append((w.label, said("not recorded: {why}", why=why)))
        w.conv.problems.append((w.label, said("not recorded")))
    report.incomplete += sum(not w.conv.complete for w in group)
