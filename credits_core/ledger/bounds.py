"""Input bounds: every limit on what comes in from a file, a form or a link, in one place (the README lists them).

Each is checked *before* the expensive work it protects: a file's size before it is read, an .xlsx's expanded size
and expansion ratio (from the zip directory) before openpyxl parses it, rows and columns while reading, a cell's
length before it is kept, a name's length where it enters the store. A value echoed back in a message is cut.
"""

from __future__ import annotations

import re

MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # a file to import (CSV or .xlsx), as uploaded
MAX_XLSX_EXPANDED_BYTES = 400 * 1024 * 1024  # an .xlsx's parts once unzipped, all together
MAX_XLSX_RATIO = 100  # unzipped / zipped, per part: beyond that it is a zip bomb, not a spreadsheet
MAX_ROWS = 5_000_000  # data rows of one file
MAX_EMPTY_ROWS = 10_000  # empty rows in a row inside a sheet's data (a sparse sheet is not data: refused)
MAX_COLUMNS = 50  # columns of one file
MAX_CELL_CHARS = 2_000  # characters of one cell (a long SMS text is ~1,600)
MAX_NAME_CHARS = 200  # a list or campaign name
MAX_ECHO_CHARS = 80  # a value quoted back in a problem report
# the instants a credits ledger can hold, in microseconds since the epoch (UTC): 2000-01-01 to 2100-01-01, end
# excluded (a lot bought in year 9999 would expire in year 10001); every write, import and message is checked by them
EARLIEST_US = 946_684_800_000_000
LATEST_US = 4_102_444_800_000_000

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


ID_CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029]"  # no id, author or key may hold one (CR, LF, ESC, BEL ...)


def control_problem(value: str, what: str) -> str | None:
    """Why an id (a list, message, campaign or lot id, an author) is refused: it holds a control character, which
    would cut log lines, forge CSV rows or move a terminal's cursor. None when it has none."""
    m = re.search(ID_CONTROL, value)
    if m is None:
        return None
    return (f"{what} {echo(value)!r} holds the control character U+{ord(m.group()):04X} at position {m.start() + 1}; "
            f"ids are printable text")


def clean_name(value: str, what: str) -> str:
    """A name as stored: control characters (CR, LF, tab ...) folded into one space, blanks trimmed. A name longer
    than ``MAX_NAME_CHARS`` is refused (a ``ValueError`` the caller turns into its own error)."""
    text = " ".join(_CONTROL.sub(" ", value).split())
    if len(text) > MAX_NAME_CHARS:
        raise ValueError(f"{what} has {len(text):,} characters; names are at most {MAX_NAME_CHARS}")
    return text


def echo(value: object, limit: int = MAX_ECHO_CHARS) -> str:
    """A value quoted back in a message: control characters folded, cut to ``limit`` characters."""
    text = _CONTROL.sub(" ", "" if value is None else str(value))
    return text if len(text) <= limit else text[:limit - 1] + "…"
