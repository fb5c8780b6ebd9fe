from decimal import Decimal
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    LEGEND_BELOW,
    W,
    cached,
    colour_scale,
    draw_chart,
    empty_state,
    eur,
    holders_said,
    n,
    safe_label,
    safe_text,
    store,
    t,
    tn,
)
from credits_core.ledger import POOL, ROME, rome_today
from credits_core.planning import drops, last_day_to_use, next_expiry_value, warnings
from credits_core.reporting import balance_timeline, spend_windows

st.title("📊 " + t("Overview"))
s = store()
w = W()
if not empty_state():
    b = s.balance()
    with st.container(horizontal=True, wrap=True):  # figures wrap on a narrow screen instead of being cut
        for label, value, why in (
                (t("Total credits"), b.total,
                 t("Every credit held: the unassigned pool plus the lists' spending limits")),
                (t("Unassigned pool"), b.unassigned,
                 t("Credits not given to any list; free-access lists spend from it")),
                (t("Spending limits"), sum(b.assigned.values()),
                 t("Credits given to lists as balances of their own")),
                (t("Reserved"), b.reserved, t("What scheduled campaigns still hold back (estimate less recorded)")),
                (t("Available"), b.available, t("Total credits less reserved")),
                (t("Expiring"), b.expiring,
                 t("Credits that expire two years after their purchase (or a later one)")),
                (t("Non-expiring"), b.non_expiring, t("Credits that never expire; they are spent first"))):
            st.metric(label, n(value), help=why, width=170)

    cur, prev = cached(spend_windows)()
    # the warnings follow the alerts' rules (planning.warnings): one set of facts, worded here and in the e-mails;
    # their projection at the current pace is the chart's dashed line
    with st.spinner(t("Looking ahead ...")):  # the projection at your pace: computed again after a write
        facts = cached(warnings)()
    base = facts.base
    with st.container(horizontal=True, wrap=True):  # the same wrapping row: a date is never cut
        st.metric(t("Spent in the last 30 days"), n(cur),
                  delta=t("{change} vs the 30 days before", change=w.signed(cur - prev)), delta_color="off",
                  width=230)
        if b.next_expiry:
            local = b.next_expiry.astimezone(ZoneInfo(ROME))
            value, unpriced = cached(next_expiry_value)()
            last_day = last_day_to_use(pd.Timestamp(b.next_expiry))
            st.metric(t("Next expiry (Rome)"), w.day_short(local),
                      delta=tn("{count} credit", "{count} credits", b.next_expiry_credits), delta_color="off",
                      delta_arrow="off", width=200,
                      help=t("At 00:00 Rome time: {day} is the last day to use them", day=w.day(last_day)))
            st.metric(t("Value at risk"), eur(value) if value is not None else t("no price"), width=170,
                      help=t("What the expiring credits cost, at their lots' prices")
                      + (t("; {credits} credits were bought without a price and count nothing", credits=unpriced)
                         if unpriced else ""))
            lost = next(((c, e) for at, c, e in drops(base) if at == pd.Timestamp(b.next_expiry)), (0, Decimal(0)))
            st.metric(t("Lost at your pace"), n(lost[0]), delta=eur(lost[1]) if lost[0] else None, delta_color="off",
                      delta_arrow="off", width=170, help=t("What the pace of the last 90 days leaves to expire then "
                                                           "(non-expiring credits are spent first)"))
        else:
            st.metric(t("Next expiry"), t("none"), width=200)
    if facts.expiry is not None:
        e = facts.expiry
        local_e = e.expires_at.tz_convert(ROME)
        last = last_day_to_use(e.expires_at)
        worth = f" ({eur(value)})" if b.next_expiry and e.expires_at == pd.Timestamp(b.next_expiry) and \
            value is not None else ""
        st.warning("⏳ " + tn("{credits} credits{worth} expire in {count} day, on {day} 00:00 Rome time: {last} is the "
                             "last day to use them. See **Expiry** for who loses what and what you can do.",
                             "{credits} credits{worth} expire in {count} days, on {day} 00:00 Rome time: {last} is "
                             "the last day to use them. See **Expiry** for who loses what and what you can do.",
                             int(e.days_left), credits=e.credits, worth=worth, day=w.day(local_e),
                             last=w.day(last)))
    for r in facts.run_outs:
        when = dict(day=w.day(r.on))
        st.warning("📉 " + (tn("The unassigned pool will run out on {day} at its current pace ({count} day from "
                               "today).", "The unassigned pool will run out on {day} at its current pace ({count} "
                               "days from today).", r.days_left, **when) if r.bucket is POOL else
                            tn("List {name} will run out on {day} at its current pace ({count} day from today).",
                               "List {name} will run out on {day} at its current pace ({count} days from today).",
                               r.days_left, name=safe_text(s.list_name(r.bucket)), **when)))
    for r in facts.at_risk:
        st.error(t("{holder}: recorded spend has eaten into reservations; campaigns at risk: {campaigns}",
                   holder=safe_text(holders_said([s.holder_name(r.bucket)])[0]),
                   campaigns=safe_text(r.campaigns, 1000)))

    st.subheader(t("Balance over time (Rome time, weekly)"))
    with st.spinner(t("Drawing the balance over time ...")):
        tl = cached(balance_timeline)()
    tl = tl.assign(holder=[safe_label(h) for h in holders_said(tl["holder"])])
    # Vega-Lite (see the Usage page: Plotly's script alone cost ~0.6 s of a fresh load)
    held = tl.groupby("holder")["credits"].max()
    tl = tl[tl["holder"].isin(held[held > 0].index)]  # a holder that never held anything is not in the legend
    chart = alt.Chart(tl).mark_area().encode(
        x=alt.X("at:T", title=None, axis=alt.Axis(format="%b %Y", labelOverlap=True)),
        y=alt.Y("credits:Q", title=t("credits"), stack=True, axis=alt.Axis(format=",d")),
        color=alt.Color("holder:N", title=t("holder"), scale=colour_scale(s, tl["holder"]), legend=LEGEND_BELOW),
        tooltip=[alt.Tooltip("at:T", title=t("week of"), format="%d %b %Y"), alt.Tooltip("holder:N", title=t("holder")),
                 alt.Tooltip("credits:Q", title=t("credits"), format=",")])
    if base.path is not None:  # the projection, dashed: steady spend at the recent pace, and each expiry's drop
        proj = base.path.assign(at=base.path["at"].dt.tz_convert(ROME).dt.tz_localize(None))[["at", "total"]]
        chart = chart + alt.Chart(proj).mark_line(strokeDash=[6, 4], color="black").encode(
            x="at:T", y="total:Q", tooltip=[alt.Tooltip("at:T", title=t("projected"), format="%d %b %Y"),
                                            alt.Tooltip("total:Q", title=t("total"), format=",")])
    draw_chart(chart, file_name=f"balance-over-time-{rome_today().isoformat()}")
    st.caption(t("The dashed line is the projected total: each list keeps its average daily spend of the last 90 "
                 "days (working days and weekends apart), plus scheduled campaigns."))
