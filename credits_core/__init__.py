"""SMS credits engine: the public API of SPEC section 4 (and nothing else is re-exported here)."""

from .errors import CreditsError, InsufficientCredits, StoreBusy, StoreInUse
from .policy import Policy
from .store import Balance, CreditStore

__all__ = ["Balance", "CreditStore", "CreditsError", "InsufficientCredits", "Policy", "StoreBusy", "StoreInUse"]
