import hashlib

import streamlit as st

from app_pages.common import (
    W,
    error_words,
    gate,
    mailup_settings,
    problem_columns,
    read_only,
    reconciliation_table,
    safe_text,
    store,
    t,
    table,
    tn,
)
from credits_core import CreditsError
from credits_core.ledger import ROME, zone
from credits_core.sources import KINDS, import_file
from credits_core.sources.mailup import Client, sync, sync_status

DATE_ORDERS = {None: t("as the file tells (refused if it cannot)"), "dmy": t("day first: 3 April (Italian)"),
               "mdy": t("month first: 4 March (US)")}
NUMBER_STYLES = {None: t("only what reads the same both ways"),
                 "it": t("the Italian way: 5.000 = five thousand, 375,00"),
                 "en": t("the English way: 5,000 = five thousand, 375.00")}
w = W()


def problems_table(report) -> None:
    """An import's problems, every reason in the reader's language."""
    df = report.table()
    table(df.assign(reason=[w.say(r) for r in df["reason"]]), hide_index=True, width="stretch",
          column_config=problem_columns())


st.title("📥 " + t("Import"))

st.subheader(t("From MailUp"))
settings, why_not = mailup_settings()
status = sync_status(store())
if settings is None:
    st.info(t("Not connected to MailUp: {why}. Set MAILUP_CLIENT_ID, MAILUP_CLIENT_SECRET, MAILUP_USERNAME and "
              "MAILUP_PASSWORD (or a [mailup] table in .streamlit/secrets.toml) and restart; or run `{command}` from "
              "a terminal or a nightly cron job.", why=w.say(why_not), command="python -m credits_core sync --db ..."))
else:
    st.caption(t("Connected as {user} to {host}.", user=settings.username, host=settings.api_url.split("/")[2]))
if status is not None:
    d = status["detail"]
    st.text(t("Last sync {when} (Rome): {lists} lists, {messages} messages, {sendings} sendings read, {recorded} new "
              "messages recorded, {problems} problem(s).", when=w.moment(status["synced_at"].astimezone(zone(ROME))),
              lists=int(d.get("lists", 0)), messages=int(d.get("messages", 0)), sendings=int(d.get("sendings", 0)),
              recorded=int(d.get("recorded", 0)), problems=int(d.get("problems", 0))))
elif settings is not None:
    st.caption(t("Never synced yet."))
if settings is not None and not read_only():
    if st.button(t("Sync now"), key="mailup_sync", type="primary"):
        bar = st.progress(0.0, text=t("Signing in to MailUp ..."))

        def progress(report, stage: str) -> None:
            bar.progress(min(0.95, report.messages / (report.messages + 3)),
                         text=t("{lists} lists, {messages} messages, {sendings} sendings, {recorded} recorded: "
                                "{stage}", lists=report.lists, messages=report.messages, sendings=report.sendings,
                                recorded=report.recorded, stage=w.say(stage)))

        try:
            with Client(settings) as client:
                report = sync(gate(), client, progress=progress)
            bar.progress(1.0, text=t("Done."))
            st.text(report.text(w))
        except CreditsError as exc:
            bar.empty()
            st.error(t("The sync stopped: {why}. What was recorded before stays; run it again to resume.",
                       why=safe_text(error_words(exc), 1000)))
if status is not None:
    st.markdown(t("**MailUp's credits against this ledger** (as of the last sync; the Assign page can make the lists "
                  "match)"))
    reconciliation_table()
st.caption(t("Purchases are not in MailUp's API: import them from your invoices below, as kind *purchases* (lot_id, "
             "purchased_at, credits, expiring, price_eur). MailUp's SMS statistics export loads as kind "
             "*mailup-sms-export*."))

st.subheader(t("From a file"))
st.caption(t("Load lists, purchases, assignments, messages, campaign names or MailUp's SMS export from CSV (comma, "
             "semicolon or |, UTF-8) or .xlsx, up to 200 MB, {rows} rows, 50 columns and {chars} characters a cell. "
             "Dates may be ISO (2026-09-15) or numeric (15/09/2026). Every problem is listed with its row; a file "
             "with any problem writes nothing; importing the same file again changes nothing. Times without an "
             "offset are read as Rome local time.", rows=5_000_000, chars=2_000))
if read_only():
    st.info(t("Read-only view: imports are disabled."))
else:
    s = gate()  # every write of this page goes through the role check
    kind_words = {"lists": t("lists"), "purchases": t("purchases"), "assignments": t("assignments"),
                  "messages": t("messages"), "campaigns": t("campaigns"),
                  "mailup-sms-export": t("mailup-sms-export")}  # English: the kinds' names (the CLI's too)
    kind = st.selectbox(t("What the file holds"), list(KINDS), key="imp_kind",
                        format_func=lambda k: kind_words.get(k, k))
    req, opt = KINDS[kind]
    st.caption(t("Columns: **{required}**, optional {optional}", required=", ".join(req), optional=", ".join(opt))
               if opt else t("Columns: **{required}**", required=", ".join(req)))
    with st.container(horizontal=True, wrap=True):
        date_order = st.selectbox(t("Dates such as 03/04/2026"), list(DATE_ORDERS), format_func=DATE_ORDERS.get,
                                  key="imp_dates", width=300,
                                  help=t("Needed only when the file cannot tell: none of its dates has a day above "
                                         "12. ISO dates (2026-04-03) are always read as they are."))
        numbers = st.selectbox(t("Numbers such as 5.000 or 1.234,50"), list(NUMBER_STYLES), key="imp_numbers",
                               format_func=NUMBER_STYLES.get, width=300,
                               help=t("Without a choice, a number that reads differently both ways (5.000) is "
                                      "refused with both readings named, never guessed."))
    up = st.file_uploader(t("File"), type=["csv", "xlsx"], key="imp_file", max_upload_size=200)
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
                st.success(tn("{file}: {count} row is valid.", "{file}: {count} rows are valid.", check.rows,
                              file=safe_text(up.name)))
            else:
                st.warning(t("{file}: no rows (only a header): nothing to import.", file=safe_text(up.name)))
            for note in check.notes:
                st.caption(safe_text(w.say(note), 1000))
            if st.button(t("Import now"), type="primary"):
                with st.spinner(t("Importing ...")):
                    done = import_file(s, kind, data, up.name, **how)
                if done.ok:
                    st.success(tn("Imported {count} new record.", "Imported {count} new records.", done.written))
                else:
                    st.error(t("Rejected: nothing was written."))
                    problems_table(done)
        else:
            st.error(tn("{file}: rejected, nothing would be written ({count} problem).",
                        "{file}: rejected, nothing would be written ({count} problems).", len(check.problems),
                        file=safe_text(up.name)))
            problems_table(check)
