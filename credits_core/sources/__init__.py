"""Where the ledger's events come from: files people import (``files``: lists, purchases, assignments, campaigns,
messages from CSV or Excel, every problem named with its row), the demo account (``demo``), and the MailUp connector
(``mailup``: settings, the HTTP client, credits of a sending, the sync, reconciliation, MailUp's SMS export file)."""

from credits_core.sources.demo import build_demo, mobile_numbers
from credits_core.sources.files import KINDS, import_file, parse_amount, read_table

__all__ = [
    "KINDS", "build_demo", "import_file", "mobile_numbers", "parse_amount", "read_table",
]
