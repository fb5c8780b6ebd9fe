"""The account policy: how credits are consumed (R5), whether a purchase extends older lots (R4) and how long a lot
lives (R3). There is no time zone knob: R2 fixes every calendar question to Europe/Rome (``calendar.ROME``).

A ``Policy`` is an immutable value. The store remembers the policy it was built with; opening it with another
policy rebuilds the derived data under the new one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from credits_core.ledger.errors import CreditsError

CONSUMPTION_ORDERS = ("non_expiring_first", "earliest_expiry_first")


@dataclass(frozen=True)
class Policy:
    consumption: str = "non_expiring_first"
    extend_on_purchase: bool = True
    validity_years: int = 2

    def __post_init__(self) -> None:
        if self.consumption not in CONSUMPTION_ORDERS:
            raise CreditsError(
                f"policy consumption {self.consumption!r} is unknown; use one of {', '.join(CONSUMPTION_ORDERS)}"
            )
        if not isinstance(self.extend_on_purchase, bool):
            raise CreditsError(f"policy extend_on_purchase must be a bool, got {self.extend_on_purchase!r}")
        if type(self.validity_years) is not int or self.validity_years < 1:
            raise CreditsError(f"policy validity_years must be a whole number >= 1, got {self.validity_years!r}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Policy:
        fields = json.loads(text)
        fields.pop("timezone", None)  # files written before R2 fixed the calendar to Europe/Rome
        return cls(**fields)

    def other_consumption(self) -> Policy:
        """The same policy with the other consumption order (for what-if comparisons)."""
        other = [c for c in CONSUMPTION_ORDERS if c != self.consumption][0]
        return Policy(other, self.extend_on_purchase, self.validity_years)
