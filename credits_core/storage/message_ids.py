"""The message ids a file holds, known in memory, for R13's check that a single send's id is new.

Without it the check is a scan of every stored id in the INSERT (``NOT EXISTS``): about 0.2 ms a send at 1M messages
when the ids are ordered so that DuckDB's zone maps skip the scan, and 15 ms when they are not (random ids such as
UUIDs: 32 MB read per send). ``KnownIds`` holds a 64-bit key per stored id (the low half of its MD5, computed by
DuckDB in bulk and by ``hashlib`` for one id: the same number), sorted, plus a small set of recent ones. A key that
is not there proves the id new, and the send is a plain INSERT; a key that is there (the same id, or one chance in
2^64 of another) takes the SQL check as before, so an answer is never wrong, only sometimes slower.

It covers every message with a sequence number below ``upto``; before a check it catches up with the messages
written since (by this process or another: a range of sequence numbers, which DuckDB's zone maps find without a
scan). Building it costs about 0.12 s per million messages and 8 bytes a message, so it is built like a ski rental:
once the scans it would have saved have cost as much (``proves_new``); a process that sends one message with an
id never builds it. A write rolled back forgets what it may have added (``forget_from``).
"""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np

BUILD_S_PER_MESSAGE = 0.12e-6  # md5_number over 1M stored ids and a sort of the keys: ~0.12 s (bench/README.md)
RECENT_MAX = 65_536  # keys kept in the set before they are merged into the sorted array
LOW_64 = 2**64 - 1


def key_of(message_id: str) -> int:
    """The low 64 bits of the id's MD5 (UTF-8), as DuckDB's ``md5_number(id) & (2^64 - 1)`` computes them."""
    return int.from_bytes(hashlib.md5(message_id.encode("utf-8")).digest()[:8], "little")


class KnownIds:
    """Keys of the ids of every message with seq < ``upto`` (none until built)."""

    def __init__(self) -> None:
        self.built = False
        self.upto = 1
        self._sorted = np.empty(0, np.uint64)
        self._recent: set[int] = set()
        self._scans_s = 0.0

    def proves_new(self, cur: duckdb.DuckDBPyConnection, message_id: str, messages: int, next_seq: int
                   ) -> int | None:
        """The id's key when no stored message can have this id (caught up with the file first; built once the
        scans it saves have cost as much as building it, for ``messages`` stored); None: check with SQL."""
        if not (self.built or self._scans_s >= messages * BUILD_S_PER_MESSAGE):
            return None
        self.catch_up(cur, next_seq)
        key = key_of(message_id)
        return None if self.may_hold(key) else key

    def scanned(self, seconds: float) -> None:
        """An id was checked by a scan instead, taking ``seconds`` (its INSERT included): the rent paid so far."""
        if not self.built:
            self._scans_s += seconds

    def catch_up(self, cur: duckdb.DuckDBPyConnection, next_seq: int) -> None:
        """Add the ids of the messages with upto <= seq < next_seq (all of them the first time)."""
        if next_seq <= self.upto:
            self.built = True
            return
        keys = cur.execute(f"SELECT (md5_number(message_id) & {LOW_64})::UBIGINT AS k FROM messages "
                           "WHERE seq >= ? AND seq < ?", [self.upto, next_seq]).fetchnumpy()["k"]
        if len(self._recent) + len(keys) > RECENT_MAX:
            merged = np.concatenate([self._sorted, np.fromiter(self._recent, np.uint64, len(self._recent)),
                                     np.asarray(keys, np.uint64)])
            merged.sort()  # a repeated key is harmless (np.unique's hashing was 10x slower than a sort)
            self._sorted, self._recent = merged, set()
        else:
            self._recent.update(int(k) for k in keys)
        self.upto = next_seq
        self.built = True  # only now: a half-built set would call a stored id new

    def may_hold(self, key: int) -> bool:
        """False: no stored message has this id (for seq < upto). True: it may (check with SQL)."""
        if key in self._recent:
            return True
        i = int(np.searchsorted(self._sorted, np.uint64(key)))
        return i < len(self._sorted) and int(self._sorted[i]) == key

    def added(self, key: int, seq: int) -> None:
        """A message with this key was just written with ``seq`` (the next one to cover)."""
        self._recent.add(key)
        if seq == self.upto:
            self.upto = seq + 1

    def forget_from(self, seq: int) -> None:
        """Messages from ``seq`` on were rolled back: catch up from there again (keys already added stay: a key
        too many only sends a check to SQL)."""
        self.upto = min(self.upto, seq)
