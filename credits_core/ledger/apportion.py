"""R8's proportional split by largest remainder.

``split(R, holdings)`` shares ``R`` credits among holders in proportion to what each holds:
each holder first gets ``floor(R * a_i / A)``; the few credits left over (fewer than the number of holders) go one
each to the largest remainders ``R * a_i mod A``; ties go to the smaller holder id. Integers only: the parts add up
to ``R`` exactly and no holder loses more than it holds (given ``0 <= R <= A``).
"""

from __future__ import annotations

from collections.abc import Mapping


def split(amount: int, holdings: Mapping[str, int]) -> dict[str, int]:
    """Parts of ``amount`` for each holder with a positive holding (holders holding 0 get nothing)."""
    if amount < 0:
        raise ValueError(f"cannot split a negative amount {amount}")
    held = {k: v for k, v in holdings.items() if v > 0}
    total = sum(held.values())
    if amount > total:
        raise ValueError(f"cannot take {amount} from holders that hold {total}")
    if amount == 0:
        return {}
    parts = {k: amount * a // total for k, a in held.items()}
    leftover = amount - sum(parts.values())
    # R8: largest remainder first, ties to the smaller id.
    by_remainder = sorted(held, key=lambda k: (-(amount * held[k] % total), k))
    for k in by_remainder[:leftover]:
        parts[k] += 1
    return {k: v for k, v in parts.items() if v > 0}
