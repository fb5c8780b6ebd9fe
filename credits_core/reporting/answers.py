"""Answers of data functions, kept for the dashboard's sessions and invalidated only by the writes that change them.

An answer is kept with the ``store.Basis`` it was computed from. When the store's revision has moved on (a write by
any process), the answer is still served if the function declares that it depends only on the ledger before some
instant (``filters.range_horizon``: a report whose range has ended) and every event written since is at or after
that instant (``CreditStore.changed_from``). A purchase today leaves last year's report where it was; a send
backdated into last year, a renamed list or campaign, or a new policy recomputes it. Any other answer (anything
about "now": balances, reservations, forecasts) is recomputed after every write.

Keys hold the database, the Rome date (expiries happen at Rome midnight, "this month" moves) and the function with
its arguments; an answer lives an hour at most. Every hit is a deep copy, so no caller can change what another sees.
"""

from __future__ import annotations

import copy
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from credits_core.reporting.filters import range_horizon
from credits_core.store import Basis, CreditStore


class AnswerCache:
    """At most ``size`` answers, each for at most ``ttl_s`` seconds. ``computed`` counts answers computed,
    ``kept`` answers served across a write that could not have changed them."""

    def __init__(self, size: int = 128, ttl_s: float = 3600.0):
        self.size, self.ttl_s = size, ttl_s
        self._items: OrderedDict[tuple, tuple[float, Basis, object]] = OrderedDict()
        self._lock = threading.Lock()
        self.computed = 0
        self.kept = 0

    def clear(self) -> None:
        """Forget every answer and reset the counts, as in a process just started."""
        with self._lock:
            self._items.clear()
            self.computed = self.kept = 0

    def answer(self, store: CreditStore, today: str, fn: Callable, args: tuple = (), kwargs: dict | None = None):
        """``fn(store, *args, **kwargs)``, from the cache when it still holds. ``today``: the Rome date (ISO)."""
        kwargs = kwargs or {}
        name = f"{fn.__module__}.{fn.__qualname__}:{fn.__code__.co_firstlineno}"
        key = (store.path, today, name, pickle.dumps((args, tuple(sorted(kwargs.items())))))
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            born, basis, value = hit
            if self._still_holds(store, basis, fn, args, kwargs):
                with self._lock:
                    if self._items.get(key) is hit:
                        self._items.move_to_end(key)
                return copy.deepcopy(value)
        with store.reading():  # one turn on the file: the answer and its basis are of one snapshot
            basis = store.basis()
            value = fn(store, *args, **kwargs)
        with self._lock:
            self.computed += 1
            self._items[key] = (now, basis, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return copy.deepcopy(value)

    def _still_holds(self, store: CreditStore, basis: Basis, fn: Callable, args: tuple, kwargs: dict) -> bool:
        if store.revision == basis.revision:
            return True
        horizon = range_horizon(fn, args, kwargs)
        if horizon is None or store.changed_from(basis) < horizon:
            return False
        with self._lock:
            self.kept += 1
        return True
