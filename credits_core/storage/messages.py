"""The message table format, and its validation for ``CreditStore.record_messages``.

A message row: ``message_id`` (unique, R13), ``list_id`` (a known list), ``sent_at`` (tz-aware instant, R2),
``credits`` (whole number > 0, R1); optional ``country`` (ISO code), ``parts`` (whole number >= 1), ``campaign_id``,
``recipient``, ``text``.

Validation is vectorised (no Python loop per row) and reports every problem found, up to ``MAX_PROBLEMS``, each with
its row, column, value and reason. Rows already stored with the same content are dropped (R13); the same id with
other content is an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from credits_core.language import said
from credits_core.ledger import CreditsError, MessageArrays, bounds

if TYPE_CHECKING:
    from credits_core.storage.snapshot import Snapshot

REQUIRED = ("message_id", "list_id", "sent_at", "credits")
OPTIONAL = ("country", "parts", "campaign_id", "recipient", "text")
MAX_PROBLEMS = 50


class MessagesRejected(CreditsError):
    """Raised with every problem found; ``problems`` is a list of (row, column, value, reason)."""

    def __init__(self, problems: list[tuple[object, str, object, str]], total: int | None = None):
        problems = sorted(problems, key=lambda p: (str(type(p[0])), p[0] if p[0] is not None else 0))
        self.problems = problems
        total = total if total is not None else len(problems)
        lines = [f"row {row}, column {col}, value {val!r}: {why}" for row, col, val, why in problems[:MAX_PROBLEMS]]
        more = f"\n... and {total - MAX_PROBLEMS} more" if total > MAX_PROBLEMS else ""
        super().__init__(f"{total} problem(s) in the messages; nothing was recorded:\n" + "\n".join(lines) + more)


def _bad(problems: list, labels: pd.Index, mask: np.ndarray, column: str, values: pd.Series | np.ndarray,
         why: str) -> None:
    for i in np.nonzero(mask)[0][:MAX_PROBLEMS]:
        value = values[i] if not isinstance(values, pd.Series) else values.iloc[i]
        problems.append((labels[i], column, value.item() if isinstance(value, np.generic) else value, why))


def _duplicates(problems: list, labels: pd.Index, ids: pd.Series, id_ok: np.ndarray) -> None:
    """Ids that appear more than once: counted by DuckDB's parallel hash aggregate (pandas' duplicated() is
    several times slower on a million strings, but opening DuckDB costs ~20 ms: a small batch asks pandas); the
    rows are located only when there are some."""
    if len(ids) < 50_000:
        dup = ids.duplicated(keep="first").to_numpy(bool) & id_ok
        if dup.any():
            _bad(problems, labels, dup, "message_id", ids, said("appears more than once in these messages"))
        return
    table = pa.table({"message_id": pa.array(ids.astype("string[pyarrow]"))})
    con = duckdb.connect()
    try:
        con.register("ids", table)
        n = con.execute("SELECT count(*) FROM (SELECT message_id FROM ids GROUP BY 1 HAVING count(*) > 1)"
                        ).fetchall()[0][0]
    finally:
        con.close()
    if n:
        dup = ids.duplicated(keep="first").to_numpy(bool) & id_ok
        _bad(problems, labels, dup, "message_id", ids, said("appears more than once in these messages"))


def _int_column(s: pd.Series) -> tuple[np.ndarray | None, str | None]:
    """An exact int64 array, or a reason. Floats are refused even when whole (R1: credits are never floats)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return None, said("must be a whole number, not a boolean")
    if pd.api.types.is_integer_dtype(s.dtype):
        if s.isna().any():
            return None, None
        return s.to_numpy(np.int64), None
    if pd.api.types.is_float_dtype(s.dtype):
        return None, "must be a whole number of credits; a float column is refused"
    if s.dtype == object:
        ok = s.map(lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)))
        if ok.all():
            if not s.map(lambda v: -(2**63) <= v < 2**63).all():
                return None, said("must stay below 10**15 (R1)")
            return s.to_numpy(np.int64), None
    return None, said("must be a whole number")


def _require_frame(df: object) -> None:
    if not isinstance(df, pd.DataFrame):
        raise CreditsError(f"record_messages needs a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise CreditsError(f"messages lack required column(s) {missing}; required: {list(REQUIRED)}")
    unknown = [c for c in df.columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise CreditsError(f"messages have unknown column(s) {unknown}; allowed: {list(REQUIRED + OPTIONAL)}")


def _check_ids(df: pd.DataFrame, problems: list) -> None:
    ids, labels = df["message_id"], df.index
    if pd.api.types.infer_dtype(ids, skipna=False) == "string":
        id_ok = (ids.str.strip() != "").to_numpy(bool)
    else:
        id_ok = ids.map(lambda v: isinstance(v, str) and v.strip() != "").to_numpy(bool)
    _bad(problems, labels, ~id_ok, "message_id", ids, said("must be a non-empty string"))
    _controls(problems, df, "message_id", ids, id_ok)
    _duplicates(problems, labels, ids, id_ok)


def _controls(problems: list, df: pd.DataFrame, column: str, values: pd.Series, ok: np.ndarray | None = None) -> None:
    """An id with a control character (CR, LF, ESC, BEL ...) is refused: it would cut a log line or a CSV row."""
    text = values.astype("string")
    bad = text.str.contains(bounds.ID_CONTROL, regex=True).fillna(False).to_numpy(bool)
    if ok is not None:
        bad &= ok
    _bad(problems, df.index, bad, column, values,
         said("holds a control character (CR, LF, ESC ...); ids are printable text"))


def _list_numbers(snap: Snapshot, df: pd.DataFrame, problems: list) -> np.ndarray:
    """Each row's list number in ``snap`` (-1 and a problem where the list is unknown)."""
    try:  # Arrow's hash lookup: a million ids in milliseconds
        found = pc.index_in(pa.array(df["list_id"], from_pandas=True).cast(pa.string()),
                            value_set=pa.array(list(snap.list_ids), pa.string()))
        list_nos = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):  # not text: every row is unknown
        list_nos = np.full(len(df), -1, np.int32)
    _bad(problems, df.index, list_nos < 0, "list_id", df["list_id"], said("unknown list; add it first"))
    return list_nos


def _instants_us(df: pd.DataFrame, problems: list) -> np.ndarray | None:
    """``sent_at`` as UTC microseconds (None when the column is not tz-aware: R2)."""
    sent, labels = df["sent_at"], df.index
    if not isinstance(sent.dtype, pd.DatetimeTZDtype):
        problems.append((labels[0] if len(df) else None, "sent_at", str(sent.dtype),
                         said("must be tz-aware datetimes (a naive time is ambiguous, R2)")))
        return None
    nat = sent.isna().to_numpy(bool)
    _bad(problems, labels, nat, "sent_at", sent, said("missing instant"))
    t_us = sent.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]").to_numpy().view(np.int64)
    far = ~nat & ((t_us < bounds.EARLIEST_US) | (t_us >= bounds.LATEST_US))
    _bad(problems, labels, far, "sent_at", sent, said("out of range: events must fall between 2000 and 2099"))
    return t_us


def _credits(df: pd.DataFrame, problems: list) -> np.ndarray | None:
    """``credits`` as exact int64 (None when the column cannot be: R1)."""
    credits, why = _int_column(df["credits"])
    labels = df.index
    if credits is None:
        if why:
            problems.append((labels[0] if len(df) else None, "credits", str(df["credits"].dtype), why))
        else:
            _bad(problems, labels, df["credits"].isna().to_numpy(bool), "credits", df["credits"], said("missing"))
        return None
    _bad(problems, labels, credits <= 0, "credits", credits, said("must be > 0 (R1)"))
    _bad(problems, labels, credits >= 10**15, "credits", credits, said("must stay below 10**15 (R1)"))
    return credits


def _parts(df: pd.DataFrame, problems: list) -> pd.Series:
    n, labels = len(df), df.index
    if "parts" not in df.columns or not df["parts"].notna().any():
        return pd.Series(pd.NA, index=range(n), dtype="Int32")
    p = df["parts"]
    if pd.api.types.is_float_dtype(p.dtype) or pd.api.types.is_bool_dtype(p.dtype):
        problems.append((labels[0], "parts", str(p.dtype), said("must be whole numbers")))
        return pd.Series(pd.NA, index=range(n), dtype="Int32")
    try:
        parts = p.astype("Int32")
    except (TypeError, ValueError):
        problems.append((labels[0], "parts", str(p.dtype), said("must be whole numbers")))
        return pd.Series(pd.NA, index=range(n), dtype="Int32")
    _bad(problems, labels, (parts.fillna(1) < 1).to_numpy(bool), "parts", parts, said("must be >= 1"))
    return parts.reset_index(drop=True)


def _text_columns(df: pd.DataFrame, problems: list) -> dict[str, pd.Series]:
    out = {}
    for col in ("country", "campaign_id", "recipient", "text"):
        if col in df.columns:
            s = df[col]
            if pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
                bad = s.notna() & ~s.map(lambda v: isinstance(v, str), na_action="ignore").fillna(True).astype(bool)
                _bad(problems, df.index, bad.to_numpy(bool), col, s, said("must be text"))
            out[col] = s.astype("string[pyarrow]").reset_index(drop=True)
            if col == "campaign_id":
                _controls(problems, df, col, s)
        else:
            out[col] = pd.Series(pd.NA, index=range(len(df)), dtype="string[pyarrow]")
    return out


def prepare_messages(snap: Snapshot, df: pd.DataFrame, cur: duckdb.DuckDBPyConnection
                     ) -> tuple[pd.DataFrame, MessageArrays]:
    """Validate ``df`` against the lists of ``snap`` and the messages stored (``cur``); return (rows to insert with
    their seqs, their arrays for the replay). Raises ``MessagesRejected`` with every problem found."""
    _require_frame(df)
    labels = df.index
    problems: list = []
    _check_ids(df, problems)
    list_nos = _list_numbers(snap, df, problems)
    t_us = _instants_us(df, problems)
    credits = _credits(df, problems)
    parts = _parts(df, problems)
    text_cols = _text_columns(df, problems)
    if problems and (t_us is None or credits is None):
        raise MessagesRejected(problems)
    out = pd.DataFrame({
        "message_id": df["message_id"].astype("string[pyarrow]").reset_index(drop=True),
        "list_no": list_nos,
        "t_us": t_us,
        "credits": credits,
        "country": text_cols["country"],
        "parts": parts,
        "campaign_id": text_cols["campaign_id"],
        "recipient": text_cols["recipient"],
        "text": text_cols["text"],
    })
    if problems:  # also report ids stored with other content, among the rows that are otherwise fine
        fine = ~labels.isin({p[0] for p in problems})
        try:
            drop_known(cur, snap, out[fine].reset_index(drop=True), labels[fine])
        except MessagesRejected as exc:
            problems += exc.problems
        raise MessagesRejected(problems)
    out = drop_known(cur, snap, out, labels)
    out.insert(0, "seq", np.arange(snap.next_seq, snap.next_seq + len(out), dtype=np.int64))
    arrays = MessageArrays(out["t_us"].to_numpy(np.int64), out["seq"].to_numpy(np.int64),
                           out["list_no"].to_numpy(np.int32), out["credits"].to_numpy(np.int64))
    return out, arrays


def drop_known(cur: duckdb.DuckDBPyConnection, snap: Snapshot, out: pd.DataFrame, labels: pd.Index) -> pd.DataFrame:
    """R13: drop rows stored before with the same content; refuse ids stored with other content.
    ``out`` has the insert columns (message_id, list_no, t_us, credits, country, parts, campaign_id, ...)."""
    if snap.n_messages == 0:  # nothing stored yet
        return out
    probe = pd.DataFrame({"message_id": out["message_id"], "i": np.arange(len(out))})
    cur.register("_probe", probe)
    try:
        known = cur.execute(
            "SELECT p.i, m.list_no, epoch_us(m.sent_at) AS t_us, m.credits, m.country, m.parts, m.campaign_id "
            "FROM _probe p JOIN messages m USING (message_id)").df()
    finally:
        cur.unregister("_probe")
    if known.empty:
        return out
    mine = out.iloc[known["i"].to_numpy()].reset_index(drop=True)
    same = np.ones(len(known), bool)
    for col in ("list_no", "t_us", "credits", "country", "parts", "campaign_id"):
        a = mine[col].astype(object).where(mine[col].notna(), None).to_numpy()
        b = known[col].astype(object).where(known[col].notna(), None).to_numpy()
        same &= np.array([x == y for x, y in zip(a, b)], bool)
    differ = known.loc[~same, "i"].to_numpy()
    if len(differ):
        problems = [(labels[i], "message_id", out["message_id"].iloc[i],
                     "already stored with different content (R13)") for i in differ[:MAX_PROBLEMS]]
        raise MessagesRejected(problems, total=len(differ))
    return out.drop(index=known["i"].to_numpy()).reset_index(drop=True)
