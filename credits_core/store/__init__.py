"""The ledger of one account as the rest of the code uses it: ``CreditStore`` (the public API: writes, reads,
names, bookkeeping), the write gate every page write goes through (``access``), and the check of the derived data
against a full replay (``checks.verify``). Everything above reads and writes through this layer; the SQL fragments the
reports build on (the daily rollup, the Rome day of a message) are handed on here, so nothing above imports the
journal or the snapshot."""

from credits_core.store.access import (
    ANALYST,
    MANAGER,
    READS,
    WRITES,
    Access,
    SignOuts,
    WriteGate,
    allowed_hosts,
    cookie_secret_problem,
    host_allowed,
    local_user,
    session_problem,
    user_from_claims,
)
from credits_core.store.checks import verify
from credits_core.store.credit_store import CreditStore
from credits_core.store.freshness import ALWAYS_US, NEVER_US, Basis
from credits_core.store.marks import read_methods, write_methods
from credits_core.store.reads import ROLLUP_SELECT, ROME_DAY, Balance, ReportFacts

__all__ = [
    "ALWAYS_US", "ANALYST", "Access", "Balance", "Basis", "CreditStore", "ReportFacts", "MANAGER", "NEVER_US", "READS",
    "ROLLUP_SELECT", "ROME_DAY", "SignOuts", "WRITES", "WriteGate", "allowed_hosts", "cookie_secret_problem",
    "host_allowed", "local_user", "read_methods", "session_problem", "user_from_claims", "verify", "write_methods",
]
