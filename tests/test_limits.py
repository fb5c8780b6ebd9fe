"""Bulk limit changes: all or nothing, refused with the totals before anything is written."""

import pytest

from credits_core import InsufficientCredits
from credits_core.planning import LimitChange, apply_limits

from .conftest import T


def test_changes_fit_as_a_whole_in_any_order(store):
    for lid in "abc":
        store.add_list(lid)
    store.purchase(100, T("2024-01-01T10:00"), expiring=False)
    store.assign("a", 80, T("2024-01-01T11:00"))
    # c takes 90: only possible because a gives its 80 back first (listed after it)
    n = apply_limits(store, [LimitChange("c", 90), LimitChange("a", shared=True), LimitChange("b", 0)],
                     T("2024-01-02T10:00"))
    b = store.balance(T("2024-01-03T00:00"))
    assert n == 3 and b.assigned == {"b": 0, "c": 90} and b.unassigned == 10


def test_larger_than_pool_is_refused_before_writing(store):
    store.add_list("a")
    store.add_list("b")
    store.purchase(100, T("2024-01-01T10:00"), expiring=False)
    before = (store.balance(T("2024-02-01T00:00")), len(store.controls))
    with pytest.raises(InsufficientCredits, match="need 120 more credits .* holds only 100"):
        apply_limits(store, [LimitChange("a", 60), LimitChange("b", 60)], T("2024-01-02T10:00"))
    assert (store.balance(T("2024-02-01T00:00")), len(store.controls)) == before


def test_a_change_that_changes_nothing_writes_no_history_entry(store):
    """Issue 32: a limit typed as -500 came back as the list's own limit and wrote a 0-credit History entry."""
    from credits_core import CreditsError

    for lid in "ab":
        store.add_list(lid)
    store.purchase(100, T("2024-01-01T10:00"), expiring=False)
    store.assign("a", 40, T("2024-01-01T11:00"))
    before = len(store.controls)
    assert apply_limits(store, [LimitChange("a", 40), LimitChange("b", shared=True)], T("2024-01-02T10:00")) == 0
    assert len(store.controls) == before  # the same limit, free access kept: nothing written
    assert apply_limits(store, [LimitChange("a", 40), LimitChange("b", 0)], T("2024-01-02T10:00")) == 1
    assert len(store.controls) == before + 1  # b's limit of 0 is a change (it can no longer send)
    with pytest.raises(CreditsError, match="cannot be negative"):
        apply_limits(store, [LimitChange("a", -500)], T("2024-01-03T10:00"))
    assert len(store.controls) == before + 1
