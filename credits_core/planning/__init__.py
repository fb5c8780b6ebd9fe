"""Looking ahead: what will expire, who will lose what, and what a manager can do about it.

``scheduled``: campaigns scheduled ahead and what they reserve (R15); ``projection``: the future replayed by the
ledger's own replay at the account's pace (``preview``), scenarios, the expiry plan; ``strategies``: the ways of going
on over the whole life of the credits, what-ifs compared to the last expiry, how long the credits last;
``quotes``: a purchase or a campaign before it is recorded; ``advice``: the sentences the alerts send; ``limits``:
changing spending limits in bulk; ``warnings``: what a manager must hear about now, as facts (the Overview and the
alerts word the same ones); ``alerts``: the e-mails a cron job sends. Built on reporting; exports do not import
it, nor it them."""

from credits_core.planning.advice import guidance
from credits_core.planning.alerts import Alert, SmtpSettings, due, email, find_alerts, run, send
from credits_core.planning.limits import LimitChange, apply_limits, describe, risks, unchanged
from credits_core.planning.projection import (
    Scenario,
    check_scenario,
    compare,
    daily_rates,
    expiry_plan,
    next_expiry_value,
    policy_note,
    preview,
)
from credits_core.planning.quotes import campaign_quote, purchase_instant, purchase_preview, value_of_next
from credits_core.planning.scheduled import (
    at_risk,
    campaign_cost,
    campaign_table,
    campaigns,
    cancel_campaign,
    due_not_recorded,
    reserved,
    schedule_campaign,
)
from credits_core.planning.strategies import (
    decision,
    drops,
    last_day_to_use,
    lifespan,
    non_expiring_sent,
    planner,
    smallest_package,
    value_path,
    what_if,
)
from credits_core.planning.warnings import DAYS, ExpiryWarning, RiskWarning, RunOutWarning, Warnings, warnings

__all__ = [
    "Alert", "DAYS", "ExpiryWarning", "LimitChange", "RiskWarning", "RunOutWarning", "Scenario", "SmtpSettings",
    "Warnings", "apply_limits", "at_risk", "campaign_cost", "campaign_quote", "campaign_table", "campaigns",
    "cancel_campaign", "check_scenario", "compare", "daily_rates", "decision", "describe", "drops", "due",
    "due_not_recorded", "email", "expiry_plan", "find_alerts", "guidance", "last_day_to_use", "lifespan",
    "next_expiry_value", "non_expiring_sent", "planner", "policy_note", "preview", "purchase_instant",
    "purchase_preview", "reserved", "risks", "run", "schedule_campaign", "send", "smallest_package", "unchanged",
    "value_of_next", "value_path", "warnings", "what_if",
]
