"""The ledger's rules, pure: no database, no I/O but the price tables.

``rules``: lots, the state, control events, the R4-R9 rules and the replay that applies them in phases between
control points; ``policy`` (the consumption order, extension, validity), ``apportion.split`` (largest remainder, R8),
``pricing`` (parts and rates, R12), ``reservations`` (R15), ``rome`` (instants and the Rome calendar, R2, R3),
``errors`` and ``bounds`` (every input limit). Everything above builds on these; they import nothing above them
(docs/rules.md says what each rule is)."""

from credits_core.ledger.apportion import split
from credits_core.ledger.bounds import MAX_NAME_CHARS, control_problem
from credits_core.ledger.errors import (
    CreditsError,
    InsufficientCredits,
    StorageError,
    StoreBusy,
    StoreInUse,
    storage_error,
)
from credits_core.ledger.policy import Policy
from credits_core.ledger.pricing import (
    country_names,
    message_cost,
    package,
    packages,
    rate,
    rates,
    sms_per_package,
    text_parts,
)
from credits_core.ledger.reservations import Reservations
from credits_core.ledger.rome import (
    ROME,
    add_years,
    expires_on,
    expiry_instant_us,
    fmt_local,
    from_us,
    local_date,
    local_midnight_us,
    now_us,
    rome_instant,
    rome_today,
    utc_us,
    zone,
)
from credits_core.ledger.rules import (
    POOL,
    Checkpoint,
    Control,
    Cut,
    Holder,
    Key,
    MessageArrays,
    OverdrawError,
    State,
    advance,
    append_one,
    apply_spend,
    consumption_order,
    detail_from_json,
    detail_json,
    expiring_at,
    holder_key,
    replay,
    summarize_lots,
)

__all__ = [
    "Checkpoint", "Control", "CreditsError", "Cut", "Holder", "InsufficientCredits", "Key", "MAX_NAME_CHARS",
    "MessageArrays", "OverdrawError", "POOL", "Policy", "ROME", "Reservations", "State", "StorageError", "StoreBusy",
    "StoreInUse", "add_years", "advance", "append_one", "apply_spend", "consumption_order", "control_problem",
    "country_names", "detail_from_json", "detail_json", "expires_on", "expiring_at", "expiry_instant_us", "fmt_local",
    "from_us", "holder_key", "local_date", "local_midnight_us", "message_cost", "now_us", "package", "packages",
    "rate", "rates", "replay", "rome_instant", "rome_today", "sms_per_package", "split", "storage_error",
    "summarize_lots", "text_parts", "utc_us", "zone",
]
