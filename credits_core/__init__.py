"""SMS credits engine: the public API (CreditStore, Balance, Policy and the errors; nothing else is re-exported
here). docs/rules.md says what it keeps."""

from credits_core.ledger import CreditsError, InsufficientCredits, Policy, StoreBusy, StoreInUse
from credits_core.store import Balance, CreditStore

__all__ = ["Balance", "CreditStore", "CreditsError", "InsufficientCredits", "Policy", "StoreBusy", "StoreInUse"]
