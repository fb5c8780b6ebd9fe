from zoneinfo import ZoneInfo

import altair as alt
import streamlit as st

from app_pages.common import cached, colour_scale, draw_chart, empty_state, n, safe_label, safe_text, store
from credits_core.calendar import ROME
from credits_core.forecast import at_risk, preview
from credits_core.ledger import POOL
from credits_core.views import balance_timeline, spend_windows

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
    c1, c2 = st.columns(2)
    c1.metric("Spent in the last 30 days", n(cur), delta=f"{cur - prev:+,} vs the 30 days before",
              delta_color="off")
    base = cached(preview)()
    if b.next_expiry:
        local = b.next_expiry.astimezone(ZoneInfo(ROME))
        c2.metric("Next expiry (Rome time)", f"{local:%d %b %Y %H:%M}", delta=f"{b.next_expiry_credits:,} credits",
                  delta_color="off", delta_arrow="off")
        days = (b.next_expiry - b.at).days
        if days <= 90:
            st.warning(f"⏳ {b.next_expiry_credits:,} credits expire in {days} days, on {local:%d %B %Y} "
                       f"00:00 Rome time. See **Expiry** for who loses what and how to avoid it.")
    else:
        c2.metric("Next expiry", "none")
    for bucket, d in base.run_out.items():
        if (d - b.at.date()).days <= 30:
            who = "The unassigned pool" if bucket is POOL else f"List {safe_text(s.list_name(bucket))}"
            st.warning(f"📉 {who} will run out on {d:%d %B %Y} at its current pace.")
    risk = at_risk(s)
    for r in risk.itertuples():
        st.error(f"{safe_text(s.holder_name(r.bucket))}: recorded spend has eaten into reservations; campaigns at "
                 f"risk: {safe_text(r.campaigns_at_risk, 1000)}")

    st.subheader("Balance over time (Rome time, weekly)")
    tl = cached(balance_timeline)()
    tl = tl.assign(holder=[safe_label(h) for h in tl["holder"]])
    # Vega-Lite (see the Usage page: Plotly's script alone cost ~0.6 s of a fresh load)
    chart = alt.Chart(tl).mark_area().encode(
        x=alt.X("at:T", title=None),
        y=alt.Y("credits:Q", title="credits", stack=True, axis=alt.Axis(format=",d")),
        color=alt.Color("holder:N", title="holder", scale=colour_scale(s, tl["holder"])),
        tooltip=[alt.Tooltip("at:T", title="week of", format="%d %b %Y"), "holder:N",
                 alt.Tooltip("credits:Q", format=",")])
    if base.path is not None:  # the projection, dashed: steady spend at the recent pace, and each expiry's drop
        proj = base.path.assign(at=base.path["at"].dt.tz_convert(ROME).dt.tz_localize(None))[["at", "total"]]
        chart = chart + alt.Chart(proj).mark_line(strokeDash=[6, 4], color="black").encode(
            x="at:T", y="total:Q", tooltip=[alt.Tooltip("at:T", title="projected", format="%d %b %Y"),
                                            alt.Tooltip("total:Q", title="total", format=",")])
    draw_chart(chart)
    st.caption("The dashed line is the projected total: each list keeps its average daily spend of the last 90 days "
               "(working days and weekends apart), plus scheduled campaigns.")
