from decimal import Decimal
from zoneinfo import ZoneInfo

import altair as alt
import pandas as pd
import streamlit as st

from app_pages.common import (
    LEGEND_BELOW,
    cached,
    colour_scale,
    draw_chart,
    empty_state,
    eur,
    n,
    safe_label,
    safe_text,
    store,
)
from credits_core.ledger import POOL, ROME, rome_today
from credits_core.planning import drops, last_day_to_use, next_expiry_value, warnings
from credits_core.reporting import balance_timeline, spend_windows

st.title("📊 Overview")
s = store()
if not empty_state():
    b = s.balance()
    with st.container(horizontal=True, wrap=True):  # figures wrap on a narrow screen instead of being cut
        for label, value, why in (
                ("Total credits", b.total, "Every credit held: the unassigned pool plus the lists' spending limits"),
                ("Unassigned pool", b.unassigned, "Credits not given to any list; free-access lists spend from it"),
                ("Spending limits", sum(b.assigned.values()), "Credits given to lists as balances of their own"),
                ("Reserved", b.reserved, "What scheduled campaigns still hold back (estimate less recorded)"),
                ("Available", b.available, "Total credits less reserved"),
                ("Expiring", b.expiring, "Credits that expire two years after their purchase (or a later one)"),
                ("Non-expiring", b.non_expiring, "Credits that never expire; they are spent first")):
            st.metric(label, n(value), help=why, width=170)

    cur, prev = cached(spend_windows)()
    # the warnings follow the alerts' rules (planning.warnings): one set of facts, worded here and in the e-mails;
    # their projection at the current pace is the chart's dashed line
    with st.spinner("Looking ahead ..."):  # the projection at your pace: computed again after a write
        facts = cached(warnings)()
    base = facts.base
    with st.container(horizontal=True, wrap=True):  # the same wrapping row: a date is never cut
        st.metric("Spent in the last 30 days", n(cur), delta=f"{cur - prev:+,} vs the 30 days before",
                  delta_color="off", width=230)
        if b.next_expiry:
            local = b.next_expiry.astimezone(ZoneInfo(ROME))
            value, unpriced = cached(next_expiry_value)()
            last_day = last_day_to_use(pd.Timestamp(b.next_expiry))
            st.metric("Next expiry (Rome)", f"{local.day} {local:%b %Y}", delta=f"{b.next_expiry_credits:,} credits",
                      delta_color="off", delta_arrow="off", width=200,
                      help=f"At 00:00 Rome time: {last_day.day} {last_day:%B %Y} is the last day to use them")
            st.metric("Value at risk", eur(value) if value is not None else "no price", width=170,
                      help="What the expiring credits cost, at their lots' prices"
                      + (f"; {unpriced:,} credits were bought without a price and count nothing" if unpriced else ""))
            lost = next(((c, e) for at, c, e in drops(base) if at == pd.Timestamp(b.next_expiry)), (0, Decimal(0)))
            st.metric("Lost at your pace", n(lost[0]), delta=eur(lost[1]) if lost[0] else None, delta_color="off",
                      delta_arrow="off", width=170, help="What the pace of the last 90 days leaves to expire then "
                      "(non-expiring credits are spent first)")
        else:
            st.metric("Next expiry", "none", width=200)
    if facts.expiry is not None:
        e = facts.expiry
        local_e = e.expires_at.tz_convert(ROME)
        last = last_day_to_use(e.expires_at)
        worth = f" ({eur(value)})" if b.next_expiry and e.expires_at == pd.Timestamp(b.next_expiry) and \
            value is not None else ""
        st.warning(f"⏳ {e.credits:,} credits{worth} expire in {int(e.days_left)} days, on {local_e.day} "
                   f"{local_e:%B %Y} 00:00 Rome time: {last.day} {last:%B %Y} is the last day to use them. See "
                   "**Expiry** for who loses what and what you can do.")
    for r in facts.run_outs:
        who = "The unassigned pool" if r.bucket is POOL else f"List {safe_text(s.list_name(r.bucket))}"
        st.warning(f"📉 {who} will run out on {r.on.day} {r.on:%B %Y} at its current pace ({r.days_left} days from "
                   "today).")
    for r in facts.at_risk:
        st.error(f"{safe_text(s.holder_name(r.bucket))}: recorded spend has eaten into reservations; campaigns at "
                 f"risk: {safe_text(r.campaigns, 1000)}")

    st.subheader("Balance over time (Rome time, weekly)")
    with st.spinner("Drawing the balance over time ..."):
        tl = cached(balance_timeline)()
    tl = tl.assign(holder=[safe_label(h) for h in tl["holder"]])
    # Vega-Lite (see the Usage page: Plotly's script alone cost ~0.6 s of a fresh load)
    held = tl.groupby("holder")["credits"].max()
    tl = tl[tl["holder"].isin(held[held > 0].index)]  # a holder that never held anything is not in the legend
    chart = alt.Chart(tl).mark_area().encode(
        x=alt.X("at:T", title=None, axis=alt.Axis(format="%b %Y", labelOverlap=True)),
        y=alt.Y("credits:Q", title="credits", stack=True, axis=alt.Axis(format=",d")),
        color=alt.Color("holder:N", title="holder", scale=colour_scale(s, tl["holder"]), legend=LEGEND_BELOW),
        tooltip=[alt.Tooltip("at:T", title="week of", format="%d %b %Y"), "holder:N",
                 alt.Tooltip("credits:Q", format=",")])
    if base.path is not None:  # the projection, dashed: steady spend at the recent pace, and each expiry's drop
        proj = base.path.assign(at=base.path["at"].dt.tz_convert(ROME).dt.tz_localize(None))[["at", "total"]]
        chart = chart + alt.Chart(proj).mark_line(strokeDash=[6, 4], color="black").encode(
            x="at:T", y="total:Q", tooltip=[alt.Tooltip("at:T", title="projected", format="%d %b %Y"),
                                            alt.Tooltip("total:Q", title="total", format=",")])
    draw_chart(chart, file_name=f"balance-over-time-{rome_today().isoformat()}")
    st.caption("The dashed line is the projected total: each list keeps its average daily spend of the last 90 days "
               "(working days and weekends apart), plus scheduled campaigns.")
