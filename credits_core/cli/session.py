"""How the command line opens the store: who writes (``--as`` or the operating-system user), how long to wait for
a file another process holds (``--wait``), and saying so on stderr. Every command opens the database through it."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from credits_core.ledger import CreditsError
from credits_core.store import CreditStore

WAIT_S = 60.0
AUTHOR: str | None = None  # --as, else the operating-system user


def configure(wait_s: float, author: str | None) -> None:
    from credits_core.ledger import control_problem

    global WAIT_S, AUTHOR
    if author is not None and (problem := control_problem(author, "--as")):
        raise CreditsError(problem)
    WAIT_S, AUTHOR = wait_s, author


def open_store(path: str, read_only: bool = False) -> CreditStore:
    if read_only and not Path(path).exists():
        raise CreditsError(f"database {path} does not exist (build one with: python -m credits_core demo --db {path})")
    return CreditStore.open(path, read_only=read_only, wait_s=WAIT_S, author=AUTHOR or f"{getpass.getuser()} (CLI)",
                            on_wait=lambda message: print(message, file=sys.stderr, flush=True))
