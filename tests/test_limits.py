"""Bulk limit changes: all or nothing, refused with the totals before anything is written."""

import pytest

from credits_core import InsufficientCredits
from credits_core.limits import LimitChange, apply_limits

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
