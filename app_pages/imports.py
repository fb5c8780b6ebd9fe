import hashlib

import streamlit as st

from app_pages.common import (
    PROBLEM_COLUMNS,
    gate,
    mailup_settings,
    read_only,
    reconciliation_table,
    safe_text,
    store,
    table,
)
from credits_core import CreditsError
from credits_core.ledger import ROME, zone
from credits_core.sources import KINDS, import_file
from credits_core.sources.mailup import Client, sync, sync_status

DATE_ORDERS = {None: "as the file tells (refused if it cannot)", "dmy": "day first: 3 April (Italian)",
               "mdy": "month first: 4 March (US)"}
NUMBER_STYLES = {None: "only what reads the same both ways", "it": "the Italian way: 5.000 = five thousand, 375,00",
                 "en": "the English way: 5,000 = five thousand, 375.00"}

st.title("📥 Import")

st.subheader("From MailUp")
settings, why_not = mailup_settings()
status = sync_status(store())
if settings is None:
    st.info(f"Not connected to MailUp: {why_not}. Set MAILUP_CLIENT_ID, MAILUP_CLIENT_SECRET, MAILUP_USERNAME and "
            "MAILUP_PASSWORD (or a [mailup] table in .streamlit/secrets.toml) and restart; or run "
            "`python -m credits_core sync --db ...` from a terminal or a nightly cron job.")
else:
    st.caption(f"Connected as {settings.username} to {settings.api_url.split('/')[2]}.")
if status is not None:
    d = status["detail"]
    st.text(f"Last sync {status['synced_at'].astimezone(zone(ROME)):%d %B %Y %H:%M} (Rome): {d.get('lists', 0)} lists, "
            f"{d.get('messages', 0)} messages, {d.get('sendings', 0):,} sendings read, {d.get('recorded', 0):,} new "
            f"messages recorded, {d.get('problems', 0)} problem(s).")
elif settings is not None:
    st.caption("Never synced yet.")
if settings is not None and not read_only():
    if st.button("Sync now", key="mailup_sync", type="primary"):
        bar = st.progress(0.0, text="Signing in to MailUp ...")

        def progress(report, stage: str) -> None:
            bar.progress(min(0.95, report.messages / (report.messages + 3)),
                         text=f"{report.lists} lists, {report.messages} messages, {report.sendings:,} sendings, "
                              f"{report.recorded:,} recorded: {stage}")

        try:
            with Client(settings) as client:
                report = sync(gate(), client, progress=progress)
            bar.progress(1.0, text="Done.")
            st.text(report.text())
        except CreditsError as exc:
            bar.empty()
            st.error(f"The sync stopped: {safe_text(str(exc), 1000)}. What was recorded before stays; run it again "
                     "to resume.")
if status is not None:
    st.markdown("**MailUp's credits against this ledger** (as of the last sync; the Assign page can make the lists "
                "match)")
    reconciliation_table()
st.caption("Purchases are not in MailUp's API: import them from your invoices below, as kind *purchases* "
           "(lot_id, purchased_at, credits, expiring, price_eur). MailUp's SMS statistics export loads as kind "
           "*mailup-sms-export*.")

st.subheader("From a file")
st.caption("Load lists, purchases, assignments, messages, campaign names or MailUp's SMS export from CSV (comma, "
           "semicolon or |, UTF-8) or .xlsx, up to 200 MB, 5,000,000 rows, 50 columns and 2,000 characters a cell. "
           "Dates may be ISO (2026-09-15) or numeric (15/09/2026). Every problem is listed with its row; a file "
           "with any problem writes nothing; importing the same file again changes nothing. Times without an offset "
           "are read as Rome local time.")
if read_only():
    st.info("Read-only view: imports are disabled.")
else:
    s = gate()  # every write of this page goes through the role check
    kind = st.selectbox("What the file holds", list(KINDS), key="imp_kind")
    req, opt = KINDS[kind]
    st.caption(f"Columns: **{', '.join(req)}**" + (f", optional {', '.join(opt)}" if opt else ""))
    with st.container(horizontal=True, wrap=True):
        date_order = st.selectbox("Dates such as 03/04/2026", list(DATE_ORDERS), format_func=DATE_ORDERS.get,
                                  key="imp_dates", width=300, help="Needed only when the file cannot tell: none of "
                                  "its dates has a day above 12. ISO dates (2026-04-03) are always read as they are.")
        numbers = st.selectbox("Numbers such as 5.000 or 1.234,50", list(NUMBER_STYLES), key="imp_numbers",
                               format_func=NUMBER_STYLES.get, width=300, help="Without a choice, a number that reads "
                               "differently both ways (5.000) is refused with both readings named, never guessed.")
    up = st.file_uploader("File", type=["csv", "xlsx"], key="imp_file", max_upload_size=200)
    if up is not None:
        data = up.getvalue()
        how = {"date_order": date_order, "numbers": numbers}
        # the dry run is parsed once per upload, kind, reading and state of the ledger, not again on every rerun
        ident = (hashlib.sha256(data).hexdigest(), kind, up.name, s.revision, date_order, numbers)
        if st.session_state.get("imp_checked", (None,))[0] != ident:
            st.session_state["imp_checked"] = (ident, import_file(s, kind, data, up.name, dry_run=True, **how))
        check = st.session_state["imp_checked"][1]
        if check.ok:
            if check.rows:
                st.success(f"{safe_text(up.name)}: {check.rows:,} rows are valid.")
            else:
                st.warning(f"{safe_text(up.name)}: no rows (only a header): nothing to import.")
            for note in check.notes:
                st.caption(safe_text(note, 1000))
            if st.button("Import now", type="primary"):
                with st.spinner("Importing ..."):
                    done = import_file(s, kind, data, up.name, **how)
                if done.ok:
                    st.success(f"Imported {done.written:,} new record(s).")
                else:
                    st.error("Rejected: nothing was written.")
                    table(done.table(), hide_index=True, width="stretch", column_config=PROBLEM_COLUMNS)
        else:
            st.error(f"{safe_text(up.name)}: rejected, nothing would be written ({len(check.problems)} problem(s)).")
            table(check.table(), hide_index=True, width="stretch", column_config=PROBLEM_COLUMNS)
