"""Tables as the pages draw them: Streamlit's grid without 'None' cells, plain HTML tables that stack into cards on a
narrow screen, and the download link of a prepared workbook."""

from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from app_pages.text import BLANK, MAX_SHOWN, SHAPES, W, fine_eur, t, words


def problem_columns() -> dict:
    """The columns of an import's problems, labelled in the reader's language, every reason shown whole."""
    return {"row": st.column_config.NumberColumn(t("Row"), format="%d", width="small"), "column": t("Column"),
            "value": t("Value"), "reason": st.column_config.TextColumn(t("Reason"), width="large")}


def without_none(df: pd.DataFrame, config: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """``df`` and its column config with no null left to be drawn as "None": text columns show ``BLANK``; a number,
    euro or time column with empty cells becomes text written as the format would (1,200 · €12.50 · 2026-11-30
    14:05), right-aligned, with ``BLANK`` where it is empty. Columns without empty cells are untouched."""
    config = dict(config or {})
    out = df.copy()
    for col in df.columns:
        values = df[col]
        if not values.isna().any():
            continue
        conf = config.get(col)
        label = conf.get("label") if isinstance(conf, dict) else conf if isinstance(conf, str) else None
        kind = (conf.get("type_config") or {}) if isinstance(conf, dict) else {}
        if pd.api.types.is_bool_dtype(values.dtype) or kind.get("type") == "progress":
            continue
        if pd.api.types.is_numeric_dtype(values.dtype):
            money = kind.get("format") in ("euro", "€%.2f") or str(col).lower() in ("eur", "cost (eur)")
            whole = pd.api.types.is_integer_dtype(values.dtype) or (not money and values.dropna().mod(1).eq(0).all())
            shape = SHAPES["eur" if money else "int" if whole else "decimal"]
            out[col] = [BLANK if pd.isna(v) else shape(v) for v in values]
            config[col] = st.column_config.TextColumn(label or words(col), alignment="right",
                                                      pinned=(conf or {}).get("pinned") if isinstance(conf, dict)
                                                      else None)
        elif pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[col] = [BLANK if pd.isna(v) else f"{v:%Y-%m-%d %H:%M}" for v in values]
            config[col] = st.column_config.TextColumn(label or words(col))
        else:
            out[col] = values.astype(object).where(values.notna(), BLANK)
    return out, config


def table(df: pd.DataFrame, column_config: dict | None = None, **kwargs) -> None:
    """``st.dataframe`` without a "None" in any cell (see ``without_none``)."""
    shown, config = without_none(df, column_config)
    st.dataframe(shown, column_config=config, **kwargs)


TABLE_STYLE = """<style>
.ct-wrap {overflow-x: auto; container-type: inline-size;}
.ct {border-collapse: collapse; font-size: 0.875rem; width: 100%;}
.ct th, .ct td {padding: 0.3rem 0.45rem; border-bottom: 1px solid rgba(49, 51, 63, 0.12); white-space: nowrap;}
.ct th {font-weight: 600; color: rgba(49, 51, 63, 0.75); text-align: left; white-space: normal; vertical-align: bottom;}
.ct td.w {white-space: normal; min-width: 7rem; overflow-wrap: anywhere;}
.ct .n, .ct .t {white-space: nowrap; font-variant-numeric: tabular-nums;}
.ct .n {text-align: right;}
.ct .long {width: 100%; max-width: 0; min-width: 10rem; overflow: hidden; text-overflow: ellipsis;}
.ct tr.has-note td {border-bottom: none;}
.ct td.note {white-space: normal; overflow-wrap: anywhere; color: rgba(49, 51, 63, 0.75); padding-top: 0;}
.ct td .pct {color: rgba(49, 51, 63, 0.6);}
</style>"""


# narrower than its columns need, a table is read as one card per row (label: value), never scrolled sideways
STACKED = """<style>@container (max-width: {width}px) {{
.{cls} thead {{position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);}}
.{cls}, .{cls} tbody, .{cls} tr, .{cls} td {{display: block; width: auto;}}
.{cls} tr {{border-bottom: 1px solid rgba(49, 51, 63, 0.2); padding: 0.25rem 0;}}
.{cls} td {{border: none; padding: 0.1rem 0.45rem; white-space: normal; text-align: left; max-width: none;}}
.{cls} td:first-child {{font-weight: 600;}}
.{cls} td[data-label]:not(:first-child):not(.note) {{display: flex; justify-content: space-between; gap: 1rem;}}
.{cls} td[data-label]:not(:first-child):not(.note)::before {{content: attr(data-label); color: rgba(49, 51, 63, 0.7);
  text-align: left;}}
}}</style>"""


# the width a column needs (px), by kind: a table narrower than their sum is stacked
NEEDS = {"text": 130, "int": 80, "delta": 80, "eur": 100, "pct": 60, "time": 150, "minute": 135, "long": 170,
         "change": 130, "ntext": 100, "eur_fine": 100}


def static_table(df: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> None:
    """A small table as plain HTML: no grid to load, so it is drawn with the page (the interactive grid cost the
    Usage page a third of a second on a fresh load and on every change; ``st.table``, which reads Markdown in every
    cell, a fifth: bench/README.md). ``columns``: column -> (label, kind), in the order shown. Kinds: text (wraps),
    int, delta (signed), eur, eur_fine (a message's cost, with its decimals), pct, change (a pair: a signed number
    and a ratio, "+1,234 (+11%)"), ntext (a number already written), time (to the second), minute (30 Nov 2026,
    14:05), long (a text on one line, cut with an ellipsis, whole on hover) or note (a text read whole, on a line of
    its own under its row, across every column: it reads at any width without widening the table). Narrower than
    its columns need (``NEEDS``), the table is read as one card per row, each value beside its label: never a
    sideways scroll. Every cell and label is HTML-escaped (never markup); an empty cell is ``BLANK``."""
    shape = {k: v for k, v in SHAPES.items() if k != "decimal"}

    def cell(v: object, kind: str, label: str) -> str:
        data = f' data-label="{escape(label)}"'
        if kind == "change" and isinstance(v, tuple):
            delta, ratio = v
            if delta is None or pd.isna(delta):
                return f'<td class="n"{data}>{BLANK}</td>'
            said = (None if ratio is None or pd.isna(ratio) else t("new") if ratio == float("inf")
                    else ("+" if ratio >= 0 else "") + W().percent(ratio, 0))
            pct = f' <span class="pct">({said})</span>' if said else ""
            return f'<td class="n"{data}><span>{escape(W().signed(round(delta)))}{pct}</span></td>'
        if v is None or (not isinstance(v, str) and not isinstance(v, tuple) and pd.isna(v)):
            text = BLANK
        elif kind == "eur_fine":
            text = fine_eur(v)
        elif kind in shape:
            text = shape[kind](v)
        elif kind == "time":
            text = f"{pd.Timestamp(v):%Y-%m-%d %H:%M:%S}"
        elif kind == "minute":
            text = W().moment(pd.Timestamp(v))
        else:
            text = " ".join(str(v).split())[:500 if kind in ("long", "note") else MAX_SHOWN]
        if kind == "long":  # one line, cut with an ellipsis; the whole text on hover
            return f'<td class="long" title="{escape(text)}"{data}>{escape(text)}</td>'
        css = "n" if kind in shape or kind in ("ntext", "eur_fine") else "t" if kind in ("time", "minute") else "w"
        return f'<td class="{css}"{data}>{escape(text)}</td>'

    shown = [(col, label, kind) for col, (label, kind) in columns.items() if col in df and kind != "note"]
    notes = [col for col, (_, kind) in columns.items() if col in df and kind == "note"]
    numeric = set(shape) | {"change", "ntext", "eur_fine"}
    head = "".join(f'<th class="n">{escape(label)}</th>' if kind in numeric else f"<th>{escape(label)}</th>"
                   for _, label, kind in shown)

    def note(v: object) -> str:
        text = "" if v is None or (not isinstance(v, str) and pd.isna(v)) else " ".join(str(v).split())[:1000]
        return f'<tr class="note"><td class="note" colspan="{len(shown)}">{escape(text)}</td></tr>' if text else ""

    rows = "".join(("<tr class=\"has-note\">" if notes else "<tr>")
                   + "".join(cell(v, kind, label) for v, (_, label, kind) in zip(values[:len(shown)], shown))
                   + "</tr>" + "".join(note(v) for v in values[len(shown):])
                   for values in zip(*(df[col] for col, _, _ in shown), *(df[c] for c in notes)))
    width = sum(NEEDS.get(kind, 100) for _, _, kind in shown)
    cls = f"ct-s{width}"
    st.html(f'{TABLE_STYLE}{STACKED.format(width=width, cls=cls)}<div class="ct-wrap"><table class="ct {cls}">'
            f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")


DOWNLOAD_STYLE = """<style>
.dl {display: inline-block; padding: 0.35rem 0.75rem; border: 1px solid rgba(49, 51, 63, 0.2); border-radius: 0.5rem;
     color: inherit; text-decoration: none; font-size: 0.9rem;}
.dl:hover {border-color: #ff4b4b; color: #ff4b4b;}
</style>"""


def download_link(job) -> None:
    """A finished export, streamed from disk by ``serve.py`` to the user who made it (never loaded into the
    session, never a URL that works for someone else). The link is ours (a token of letters, digits, - and _)."""
    base = "/" + (st.get_option("server.baseUrlPath") or "").strip("/")
    href = f"{base.rstrip('/')}/_credits/download/{job.token}"
    st.html(f'{DOWNLOAD_STYLE}<a class="dl" href="{escape(href)}" download="{escape(job.file_name)}">'
            f"⬇ {escape(t('Download {name}', name=job.file_name))}</a>")


def int_columns(df: pd.DataFrame, cols: list[str]) -> dict:
    return {c: st.column_config.NumberColumn(words(c), format="localized") for c in cols if c in df}
