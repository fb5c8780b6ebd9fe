"""``python -m credits_core import KIND FILE``: lists, purchases, assignments, campaigns or messages from a CSV or
Excel file, all or nothing, every problem named with its row."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from credits_core.cli.session import open_store as _open
from credits_core.language import words
from credits_core.sources import import_file


def run(args) -> int:
    """The ``import`` CLI command: exit 0 imported, 1 rejected."""
    w = getattr(args, "w", None) or words()
    path = Path(args.file)
    if not path.exists():
        print(w.t("error: file {file} does not exist", file=str(path)), file=sys.stderr)
        return 2
    with _open(args.db) as store:
        sys.stderr.write(w.t("importing {file} ...", file=str(path)) + "\n")
        started = [time.perf_counter()]

        def progress(stage: str) -> None:
            sys.stderr.write(f"  {time.perf_counter() - started[0]:6.1f} s  {w.say(stage)} ...\n")

        report = import_file(store, args.kind, path.read_bytes(), path.name, dry_run=args.dry_run,
                             progress=progress, date_order=getattr(args, "date_order", None),
                             numbers=getattr(args, "numbers", None))
    print(report.text(w))
    return 0 if report.ok else 1
