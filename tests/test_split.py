"""R8's largest-remainder split, exhaustively on small cases."""

from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credits_core.ledger import split


def test_spec_examples():
    assert split(150, {"a": 300, "b": 100}) == {"a": 113, "b": 37}
    assert split(200, {"a": 100, "b": 100, "c": 100}) == {"a": 67, "b": 67, "c": 66}


def test_exhaustive_small():
    for a, b, c in product(range(0, 7), repeat=3):
        holdings = {"x": a, "y": b, "z": c}
        for r in range(0, a + b + c + 1):
            parts = split(r, holdings)
            assert sum(parts.values()) == r
            for k, v in parts.items():
                assert 0 < v <= holdings[k]
                exact = r * holdings[k] / (a + b + c)
                assert exact - 1 < v < exact + 1


@given(st.dictionaries(st.text("abcdef", min_size=1, max_size=3), st.integers(0, 10**9), min_size=1, max_size=8),
       st.data())
def test_parts_add_up_and_respect_holdings(holdings, data):
    total = sum(holdings.values())
    r = data.draw(st.integers(0, total))
    parts = split(r, holdings)
    assert sum(parts.values()) == r
    assert all(v <= holdings[k] for k, v in parts.items())


def test_refuses_more_than_held():
    with pytest.raises(ValueError):
        split(5, {"a": 2, "b": 2})


def test_ties_go_to_the_smaller_id_whatever_the_order():
    """R8: equal remainders; the leftover credits go one each to the smaller list ids."""
    assert split(3, {"d": 1, "b": 1, "a": 1, "c": 1}) == {"a": 1, "b": 1, "c": 1}
    assert split(1, {"b": 5, "a": 5}) == {"a": 1}
    assert split(5, {"z": 2, "y": 2, "x": 2, "w": 2}) == {"w": 2, "x": 1, "y": 1, "z": 1}
