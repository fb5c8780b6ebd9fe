"""Synthetic messages for the engine benchmarks. Imports nothing of credits_core, so ``bench/engine_one.py`` can run
it against another tree (``bench/against.py``) without this repository's engine coming along."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

LISTS = [f"list{i:02d}" for i in range(12)]
START = datetime(2024, 1, 1, tzinfo=UTC)


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.integers(0, 900 * 86_400_000_000, n)) + int(START.timestamp() * 1_000_000)
    return pd.DataFrame({
        "message_id": "M" + pd.Series(np.arange(n)).astype(str),
        "list_id": np.array(LISTS)[rng.integers(0, len(LISTS), n)],
        "sent_at": pd.to_datetime(t, unit="us", utc=True),
        "credits": rng.integers(1, 4, n),
        "country": "IT",
    })
