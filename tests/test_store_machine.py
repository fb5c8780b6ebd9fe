"""The shared store against the reference model, through every write path (issue: one store for the whole team).

A hypothesis state machine drives a *file* store with single sends (with and without ids, R13 repeats), backdated
events of each kind, ``record_messages``, ``batch()`` blocks (refusals inside caught call by call, R13 repeats
inside), a purchases import, close and reopen (also through a symlink, R16), writes by a second store on the same
file (another process, simulated), amounts near the R1 bound, campaigns scheduled and then recorded with their
campaign_id (R15: what they still reserve shrinks), and the checks made before a write (``limits.apply_limits`` and
``forecast.schedule_campaign``) at the wall clock, after expiries that no recorded event follows. After every step
the store must answer like the reference (which applies the same calls one by one), as of several instants and as
of now.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from credits_core import CreditsError, CreditStore, InsufficientCredits
from credits_core.planning import LimitChange, apply_limits, schedule_campaign
from credits_core.reporting import ReportFilter, list_overview, spend_by_lot
from credits_core.sources import import_file

from .reference import Reference, Refused, both, t0

LISTS = ["a", "b", "c"]
OPS = st.tuples(st.sampled_from(["send", "assign", "set_shared", "purchase", "repeat"]), st.sampled_from(LISTS),
                st.integers(-50, 200), st.integers(0, 5000))


class SharedStoreMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.dir = Path(tempfile.mkdtemp(prefix="credits-machine-"))
        self.path = self.dir / "store.duckdb"
        self.store = CreditStore.open(self.path)
        self.ref = Reference()
        for lid in LISTS:
            self.store.add_list(lid)
        self.now = t0()
        self.n = 0
        self.sent: dict[str, tuple[str, int, datetime]] = {}  # message_id -> (list, credits, sent_at)
        self.campaigns: list[list] = []  # scheduled: [campaign_id, list, estimate, recorded]
        self.link = self.dir / "link.duckdb"
        self.link.symlink_to(self.path)
        self.bought = 0

    def teardown(self):
        if hasattr(self, "store"):
            self.store.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- one call, on both sides --------------------------------------------------------------------------------

    def _both(self, at, kind, args, call):
        return both(self.ref, at, kind, args, call)

    def _next(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n:04d}"

    def _purchase(self, at, credits, expiring):
        lot_id = self._next("lot")
        if self.bought + credits >= 10**15:  # R1: refused before the replay, whatever the reference says
            with pytest.raises(CreditsError, match="10\\*\\*15"):
                self.store.purchase(credits, at, expiring=expiring, lot_id=lot_id)
            return
        if self._both(at, "purchase", (lot_id, credits, expiring),
                      lambda: self.store.purchase(credits, at, expiring=expiring, lot_id=lot_id)):
            self.bought += credits

    def _reserved(self, bucket_of, bucket) -> int:
        """R15: what the campaigns of a bucket still reserve."""
        return sum(max(0, est - rec) for _, lid, est, rec in self.campaigns if bucket_of(lid) == bucket)

    def _send(self, at, list_id, credits):
        mid = self._next("m")
        if self._both(at, "send", (list_id, credits),
                      lambda: self.store.send(list_id, credits, at, message_id=mid)):
            self.sent[mid] = (list_id, credits, at)

    def _repeat(self, pick, other_credits):
        """R13: the same message again is a no-op; the same id with other content is refused."""
        if not self.sent:
            return
        mid = sorted(self.sent)[pick % len(self.sent)]
        list_id, credits, at = self.sent[mid]
        self.store.send(list_id, credits, at, message_id=mid)
        if other_credits != credits and other_credits > 0:
            try:
                self.store.send(list_id, other_credits, at, message_id=mid)
            except InsufficientCredits:
                raise AssertionError("a changed repeat must be refused as a conflict, not for credits") from None
            except CreditsError as exc:
                assert "already exists" in str(exc)
            else:
                raise AssertionError(f"message {mid} recorded again with other content")

    def _back(self, back: float) -> datetime:
        return (t0() + (self.now - t0()) * back).replace(microsecond=0)

    # -- rules ----------------------------------------------------------------------------------------------------

    @rule(credits=st.integers(1, 500), expiring=st.booleans(), minutes=st.integers(0, 90))
    def purchase(self, credits, expiring, minutes):
        self.now += timedelta(minutes=minutes)
        self._purchase(self.now, credits, expiring)

    @rule(list_id=st.sampled_from(LISTS), credits=st.integers(-150, 300))
    def assign(self, list_id, credits):
        self._both(self.now, "assign", (list_id, credits), lambda: self.store.assign(list_id, credits, self.now))

    @rule(list_id=st.sampled_from(LISTS))
    def set_shared(self, list_id):
        self._both(self.now, "set_shared", (list_id,), lambda: self.store.set_shared(list_id, self.now))

    @rule(list_id=st.sampled_from(LISTS), credits=st.integers(1, 120), seconds=st.integers(0, 3600))
    def send(self, list_id, credits, seconds):
        self.now += timedelta(seconds=seconds)
        self._send(self.now, list_id, credits)

    @rule(list_id=st.sampled_from(LISTS), credits=st.integers(1, 30))
    def send_without_id(self, list_id, credits):
        self._both(self.now, "send", (list_id, credits), lambda: self.store.send(list_id, credits, self.now))

    @rule(pick=st.integers(0, 1000), other=st.integers(1, 50))
    def repeat(self, pick, other):
        self._repeat(pick, other)

    @rule(days=st.integers(1, 150), hours=st.integers(0, 23))
    def advance_clock(self, days, hours):
        self.now += timedelta(days=days, hours=hours)

    @precondition(lambda self: self.now > t0() + timedelta(days=1))
    @rule(kind=st.sampled_from(["send", "purchase", "assign", "set_shared"]), list_id=st.sampled_from(LISTS),
          credits=st.integers(1, 200), expiring=st.booleans(), back=st.floats(0.0, 1.0))
    def backdated(self, kind, list_id, credits, expiring, back):
        at = self._back(back)
        if kind == "send":
            self._send(at, list_id, min(credits, 60))
        elif kind == "purchase":
            self._purchase(at, credits, expiring)
        elif kind == "assign":
            self._both(at, "assign", (list_id, credits), lambda: self.store.assign(list_id, credits, at))
        else:
            self._both(at, "set_shared", (list_id,), lambda: self.store.set_shared(list_id, at))

    @rule(rows=st.lists(st.tuples(st.sampled_from(LISTS), st.integers(1, 40), st.floats(0.0, 1.2)),
                        min_size=1, max_size=6))
    def record_messages(self, rows):
        """All or nothing, some rows possibly backdated."""
        msgs = []
        for list_id, credits, back in rows:
            at = (self._back(back) if back <= 1 else self.now + (self.now - t0()) * (back - 1) / 100).replace(
                microsecond=0)
            msgs.append((self._next("r"), list_id, credits, at))
        df = pd.DataFrame({"message_id": [m[0] for m in msgs], "list_id": [m[1] for m in msgs],
                           "sent_at": pd.to_datetime([m[3] for m in msgs], utc=True),
                           "credits": [m[2] for m in msgs]})
        try:
            self.ref.add_all([(at, "send", lid, c) for _, lid, c, at in msgs])
            ref_ok = True
        except Refused:
            ref_ok = False
        try:
            self.store.record_messages(df)
            ok = True
        except InsufficientCredits:
            ok = False
        assert ok == ref_ok
        if ok:
            for mid, lid, c, at in msgs:
                self.sent[mid] = (lid, c, at)

    @rule(ops=st.lists(OPS, min_size=1, max_size=5))
    def batch(self, ops):
        """A batch: each call as alone (refusals caught one by one), committed together."""
        with self.store.batch():
            for kind, list_id, credits, seconds in ops:
                self.now += timedelta(seconds=seconds)
                if kind == "send":
                    self._send(self.now, list_id, max(1, credits // 4))
                elif kind == "assign":
                    self._both(self.now, "assign", (list_id, credits),
                               lambda lid=list_id, c=credits: self.store.assign(lid, c, self.now))
                elif kind == "set_shared":
                    self._both(self.now, "set_shared", (list_id,),
                               lambda lid=list_id: self.store.set_shared(lid, self.now))
                elif kind == "purchase":
                    self._purchase(self.now, max(1, credits), credits % 2 == 0)
                else:
                    self._repeat(seconds, max(1, credits))

    @rule(credits=st.lists(st.integers(1, 300), min_size=1, max_size=3), back=st.floats(0.0, 1.0))
    def import_purchases(self, credits, back):
        at = self._back(back)
        lots = [(self._next("imp"), c) for c in credits]
        text = "lot_id,purchased_at,credits,expiring,price_eur\n" + "".join(
            f"{lot},{at.isoformat()},{c},true,1.00\n" for lot, c in lots)
        report = import_file(self.store, "purchases", text.encode(), "purchases.csv")
        if self.bought + sum(credits) >= 10**15:
            assert not report.ok and "10**15" in report.text()
            return
        assert report.ok, report.text()
        self.bought += sum(credits)
        self.ref.add_all([(at, "purchase", lot, c, True) for lot, c in lots])

    @rule()
    def reopen(self):
        self.store.close()
        self.store = CreditStore.open(self.path)

    @rule(list_id=st.sampled_from(LISTS), new_limit=st.integers(0, 400))
    def limit_now(self, list_id, new_limit):
        """The Assign page's check-before-write, at the wall clock (expiries due by now included)."""
        wall = datetime.now(UTC).replace(microsecond=0)
        state = self.ref.state(wall)
        delta = new_limit - state.assigned.get(list_id, 0)
        limited_after = set(state.assigned) | {list_id}
        pool_reserved = self._reserved(lambda lid: lid if lid in limited_after else None, None)
        try:
            if delta > 0 and state.pool - delta < pool_reserved:  # R15: reserved credits are not for the taking
                raise Refused
            self.ref.add(wall, "assign", list_id, delta)
            ref_ok = True
        except Refused:
            ref_ok = False
        try:
            apply_limits(self.store, [LimitChange(list_id, new_limit)], wall)
            ok = True
        except InsufficientCredits:
            ok = False
        assert ok == ref_ok, f"limit {new_limit} for {list_id} at {wall}: engine {ok}, reference {ref_ok}"
        if ok:
            self.now = max(self.now, wall)

    @rule(list_id=st.sampled_from(LISTS), recipients=st.integers(1, 400))
    def campaign_now(self, list_id, recipients):
        """Scheduling a campaign checks its bucket as of now (expiries due by now included) minus what the other
        campaigns of that bucket reserve."""
        wall = datetime.now(UTC)
        state = self.ref.state(wall)
        limited = list_id in state.assigned
        balance = state.assigned[list_id] if limited else state.pool

        def bucket_of(lid):
            return lid if lid in state.assigned else None

        others = self._reserved(bucket_of, bucket_of(list_id))
        expect = recipients <= balance - others  # "hi" is 1 part, Italy 1 credit a part
        try:
            cid = schedule_campaign(self.store, list_id, wall + timedelta(days=2), "hi", {"IT": recipients})
            ok = True
        except InsufficientCredits:
            ok = False
        assert ok == expect, (list_id, recipients, balance, others)
        if ok:
            self.campaigns.append([cid, list_id, recipients, 0])

    @precondition(lambda self: self.campaigns)
    @rule(pick=st.integers(0, 100), part=st.integers(1, 250))
    def record_campaign(self, pick, part):
        """Its messages are recorded with its campaign_id: the reservation shrinks (R15)."""
        c = self.campaigns[pick % len(self.campaigns)]
        cid, list_id = c[0], c[1]
        mid = self._next("cm")
        if self._both(self.now, "send", (list_id, part),
                      lambda: self.store.send(list_id, part, self.now, message_id=mid, campaign_id=cid)):
            c[3] += part  # not in self.sent: the repeat rule sends without a campaign_id, which is other content

    @rule(list_id=st.sampled_from(LISTS), credits=st.integers(1, 80))
    def second_process_sends(self, list_id, credits):
        """Another store on the same file writes; this one must see it (R16)."""
        self.store.release()
        with CreditStore.open(self.path) as other:
            self._both(self.now, "send", (list_id, credits), lambda: other.send(list_id, credits, self.now))

    @rule()
    def reopen_through_a_symlink(self):
        self.store.close()
        self.store = CreditStore.open(self.link)

    @rule(slack=st.integers(-3, 3))
    def purchase_near_the_bound(self, slack):
        """R1: all lots bought stay below 10**15; a purchase past it is a CreditsError, never an overflow."""
        credits = 10**15 - 1 - self.bought + slack
        if credits <= 0:
            return
        if self.bought + credits >= 10**15:
            with pytest.raises(CreditsError, match="10\\*\\*15"):
                self.store.purchase(credits, self.now, expiring=False)
        else:
            self._purchase(self.now, credits, False)

    @rule(n=st.integers(2, 5))
    def record_past_the_bound(self, n):
        """R1: a batch whose total passes 10**15 is refused whole (an int64 sum would wrap)."""
        df = pd.DataFrame({"message_id": [self._next("big") for _ in range(n)], "list_id": "a",
                           "sent_at": pd.to_datetime([self.now] * n, utc=True), "credits": [10**15 - 1] * n})
        with pytest.raises(CreditsError, match="10\\*\\*15"):
            self.store.record_messages(df)

    # -- invariants -----------------------------------------------------------------------------------------------

    @invariant()
    def matches_reference(self):
        if not hasattr(self, "store"):
            return
        wall = datetime.now(UTC)
        for at in (self.now, self.now + timedelta(days=366), self.now + timedelta(days=800),
                   t0() + (self.now - t0()) / 2, None):
            b = self.store.balance(at)
            r = self.ref.state(at or wall)
            assert b.unassigned == r.pool, at
            assert b.assigned == dict(sorted(r.assigned.items())), at
            assert b.lots == {lot.lot_id: lot.remaining for lot in r.lots}, at
            assert b.total == b.unassigned + sum(b.assigned.values()) == sum(b.lots.values())  # R11
        # every credit spent is traced to the lot it came from (valuation), through every write path
        got = spend_by_lot(self.store, ReportFilter(), ["list_id"])
        everything = self.ref.replay(self.ref.events, until=None)
        assert {(x.list_id, x.lot_id): x.credits for x in got.itertuples()} == everything.used
        # what the pages show is the state as of now
        view = list_overview(self.store)
        assert view.attrs["pool"] == r.pool
        shown = {row.list_id: row.assigned for row in view.itertuples() if row.mode == "spending limit"}
        assert shown == dict(r.assigned)


SharedStoreMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=25, deadline=None,
                                                suppress_health_check=[HealthCheck.too_slow])
TestSharedStoreMachine = SharedStoreMachine.TestCase
