"""Fast rows for large sheets of an openpyxl workbook.

openpyxl builds and serialises one object per cell: about 8,000 formatted rows/s here, far too slow for a million
messages. So a large sheet is written in two steps:

1. ``placeholders``: openpyxl writes each sheet the rows will need (one per Excel row limit) with the finished
   header (bold, frozen, widths, autofilter) and one sample row whose cells carry the styles of each column
   (thousands separators, dates).
2. ``fill``: after ``wb.save``, the placeholders' ``<sheetData>`` is regenerated from DataFrame chunks with
   vectorised string building, reusing the sample row's style ids; every other part of the file is copied as is.

Text cells are inline strings (``t="inlineStr"``): never a formula, whatever they start with. Characters XML cannot
hold are dropped. Dates become Excel serial numbers with the column's date style.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

ILLEGAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
SLICE = 10_000  # rows turned into XML at once: bounds the memory of the string building
_CELL_STYLE = re.compile(r'<c [^>]*?s="(\d+)"')
_ROW = re.compile(r"<row [^>]*>.*?</row>", re.S)


def _cells(values: pd.Series, kind: str, style: str | None) -> pd.Series:
    """One XML cell per value (an empty ``<c/>`` keeps the column position for a missing value)."""
    s_attr = f' s="{style}"' if style else ""
    if kind == "text":
        text = values.astype("string").str.replace(ILLEGAL, "", regex=True)
        text = text.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False).str.replace(
            ">", "&gt;", regex=False)
        out = '<c t="inlineStr"' + s_attr + '><is><t xml:space="preserve">' + text + "</t></is></c>"
    elif kind == "datetime":
        serial = (pd.to_datetime(values) - EXCEL_EPOCH) / pd.Timedelta(days=1)
        out = "<c" + s_attr + "><v>" + serial.astype("Float64").astype("string") + "</v></c>"
    else:  # int; pct and a number format such as euros: decimals
        num = values.astype("Int64") if kind == "int" else values.astype("Float64")
        out = "<c" + s_attr + "><v>" + num.astype("string") + "</v></c>"
    return out.fillna("<c" + s_attr + "/>").astype(object)  # an empty cell keeps its column's format


def rows_xml(df: pd.DataFrame, kinds: list[str], styles: list[str | None], first_row: int) -> str:
    """``<row>`` elements for ``df`` (columns in sheet order), numbered from ``first_row``."""
    if df.empty:
        return ""
    cells = [_cells(df.iloc[:, i].reset_index(drop=True), k, s) for i, (k, s) in enumerate(zip(kinds, styles))]
    numbers = pd.Series(np.arange(first_row, first_row + len(df)).astype(str))
    line = '<row r="' + numbers + '">'
    for c in cells:
        line = line + c
    return "".join((line + "</row>").tolist())


def placeholder_count(total_rows: int, max_rows: int) -> int:
    return max(1, -(-total_rows // (max_rows - 1)))


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> part name inside the package."""
    wb = zf.read("xl/workbook.xml").decode()
    rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    target = {m.group(1): m.group(2) for m in re.finditer(r'<Relationship[^>]*Id="([^"]+)"[^>]*Target="([^"]+)"',
                                                          rels)}
    target |= {m.group(2): m.group(1) for m in re.finditer(r'<Relationship[^>]*Target="([^"]+)"[^>]*Id="([^"]+)"',
                                                           rels)}
    out = {}
    for m in re.finditer(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', wb):
        path = target[m.group(2)].lstrip("/")
        out[m.group(1).replace("&amp;", "&")] = path if path.startswith("xl/") else f"xl/{path}"
    return out


# Long: one pass over the zip, copying each part and streaming the rows into the sheets; the state of the pass (sheet,
# row, file) is shared by every step.
def fill(path: str | Path, sheets: list[str], kinds: list[str], chunks: Iterable[pd.DataFrame], total_rows: int,
         rows_per_sheet: int, progress: Callable[[int], None] | None = None) -> int:
    """Replace the sample row of each placeholder sheet with the ``total_rows`` rows of ``chunks``, in order, at
    most ``rows_per_sheet`` per sheet. Returns the number of rows written."""
    path = Path(path)
    tmp = path.with_suffix(".tmp.xlsx")
    written = 0
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        parts = _sheet_paths(src)
        targets = {parts[name]: i for i, name in enumerate(sheets)}
        templates = {}
        for name in sheets:
            xml = src.read(parts[name]).decode()
            rows = _ROW.findall(xml)
            header, sample = rows[0], rows[1]
            head = xml[: xml.index("<sheetData>") + len("<sheetData>")] + header
            tail = xml[xml.index("</sheetData>"):]
            styles = [None] * len(kinds)
            for i, cell in enumerate(re.findall(r"<c [^>]*?(?:/>|>.*?</c>)", sample, re.S)[: len(kinds)]):
                m = _CELL_STYLE.match(cell)
                styles[i] = m.group(1) if m else None
            templates[parts[name]] = (head, tail, styles)
        last_col = _col_letter(len(kinds))
        for item in src.infolist():
            if item.filename == "xl/workbook.xml":  # the sheets' filter ranges (defined names) follow the rows too
                wb_xml = src.read(item.filename).decode()
                for i, name in enumerate(sheets):
                    rows = max(0, min(rows_per_sheet, total_rows - i * rows_per_sheet)) + 1
                    wb_xml = re.sub(rf"('{re.escape(name)}'!\$A\$1:)\$[A-Z]+\$\d+", rf"\g<1>${last_col}${rows}",
                                    wb_xml)
                dst.writestr(item, wb_xml)
            elif item.filename not in targets:
                dst.writestr(item, src.read(item.filename))
        it = iter(chunks)
        pending = pd.DataFrame()
        for part, i in sorted(targets.items(), key=lambda kv: kv[1]):
            head, tail, styles = templates[part]
            expected = max(0, min(rows_per_sheet, total_rows - i * rows_per_sheet))
            ref = f"A1:{last_col}{expected + 1}"
            head = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', head)
            tail = re.sub(r'<autoFilter ref="[^"]*"', f'<autoFilter ref="{ref}"', tail)
            in_sheet = 0
            with dst.open(part, "w", force_zip64=True) as out:
                out.write(head.encode())
                while in_sheet < rows_per_sheet:
                    if pending.empty:
                        pending = next(it, None)
                        if pending is None:
                            pending = pd.DataFrame()
                            break
                    take = pending.iloc[: min(rows_per_sheet - in_sheet, SLICE)]
                    pending = pending.iloc[len(take):]
                    out.write(rows_xml(take, kinds, styles, in_sheet + 2).encode())
                    in_sheet += len(take)
                    written += len(take)
                    if progress:
                        progress(written)
                out.write(tail.encode())
            if in_sheet != expected:
                raise RuntimeError(f"sheet {sheets[i]}: expected {expected} rows, got {in_sheet}")
    tmp.replace(path)
    return written


def _col_letter(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s

