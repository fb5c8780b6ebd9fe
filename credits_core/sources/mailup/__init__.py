"""The MailUp connector: the account's lists, SMS messages, sendings and credits from MailUp's REST API
(ConsoleService v1.1), and its SMS statistics export, recorded through the normal write path.

* ``settings``: where and who (``MAILUP_*`` or the ``[mailup]`` secrets), https only;
* ``client``: the one HTTP layer (sign-in, pacing to MailUp's 5 calls a second, retries, bounded answers, paging);
* ``credits``: from a sending to a message (country, parts with merge tags, charged statuses, send time, id);
* ``sync``: the streams, the bookmark per message, one account per file;
* ``reconcile``: this ledger against MailUp's own figures;
* ``export_file``: the SMS statistics export in any of the layouts MailUp lets a customer choose.
"""

from credits_core.sources.mailup.client import Client
from credits_core.sources.mailup.credits import countries_of, country_of, price_text
from credits_core.sources.mailup.export_file import prepare_export
from credits_core.sources.mailup.reconcile import (
    apply_matching_limits,
    estimated_credits,
    explain,
    explained,
    matching_limits,
    reconciliation,
)
from credits_core.sources.mailup.settings import MailUpError, MailUpSettings, find_settings
from credits_core.sources.mailup.sync import SyncReport, sync

__all__ = ["Client", "MailUpError", "MailUpSettings", "SyncReport", "apply_matching_limits", "countries_of",
           "country_of", "estimated_credits", "explain", "explained", "find_settings", "matching_limits",
           "prepare_export", "price_text", "reconciliation", "sync", "sync_status"]


def sync_status(store):
    """The last sync: when, who, what it brought, and MailUp's credit figures then (None: never synced)."""
    return store.mailup_status()
