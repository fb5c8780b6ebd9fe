from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from app_pages.common import cached, empty_state, eur, gate, n, read_only, safe_text, static_table, table
from credits_core import CreditsError
from credits_core.calendar import ROME, rome_instant
from credits_core.export import frame_to_xlsx
from credits_core.forecast import (
    Scenario,
    campaign_cost,
    campaign_quote,
    campaigns,
    cancel_campaign,
    check_scenario,
    compare,
    expiry_overview,
    policy_note,
    preview,
    schedule_campaign,
    whatif,
)
from credits_core.pricing import packages, rates
from credits_core.views import campaign_table, rome_today

st.title("⏳ Expiry")
st.caption("Expired credits are taken from the unassigned pool first, then from the lists with a spending limit in "
           "proportion to what they hold. The expiry day is always Italian time (00:00 Europe/Rome).")
s = gate()  # every write of this page goes through the role check
if not empty_state():
    overview = cached(expiry_overview)()
    plan, base, idle = overview.plan, overview.base, overview.idle
    for sentence in overview.guidance:
        st.info(safe_text(sentence, 2000))
    st.subheader("What expires when")
    horizon = f"{base.horizon_end.astimezone(ZoneInfo(ROME)):%d %B %Y}" if base.horizon_end else "today"
    st.caption(f"Every credit held, up to its last expiry: this looks ahead to {horizon}. *At current pace*: each "
               "list keeps spending its average daily credits of the last 90 days (working days and weekends apart) "
               "plus the scheduled campaigns; a list that runs dry stops. Expiries are computed by the same rule as "
               "the real ones: pool first, then the limited lists in proportion.")
    # small tables as plain HTML, drawn with the page (three interactive grids were a third of its fresh load)
    static_table(plan, {"expires_at_rome": ("Expires at (Rome)", "minute"),
                        "if_nothing_spent": ("If nothing more is spent", "int"),
                        "at_current_pace": ("At current pace", "int")})
    if not idle.expiries.empty:
        who = idle.expiries.assign(
            expires_at=idle.expiries["expires_at"].dt.tz_convert(ROME).dt.tz_localize(None),
            holder=[s.holder_name(h) for h in idle.expiries["holder"]])
        st.subheader("Who loses what (if nothing more is spent)")
        static_table(who, {"expires_at": ("Expires at (Rome)", "minute"), "holder": ("Who loses", "text"),
                           "credits": ("Credits", "int")})
        st.download_button("Download expiry.xlsx", frame_to_xlsx(who, "Expiry", {"expires_at": "datetime",
                                                                                  "credits": "int"}), "expiry.xlsx")

    # the other order replays the whole history again (1.7 s at 10M messages): computed when someone opens it
    other = st.expander("What would the other consumption order lose?", key="exp_policy", on_change="rerun")
    if other.open:
        with other:
            st.caption(cached(policy_note)() or "The platform spends expiring credits first already.")

    st.subheader("What if ...")
    st.caption("Each change is compared with things as they stand: the credits lost at each expiry today, with the "
               "change, and the difference (negative: fewer credits lost).")
    with st.form("whatif"):
        c1, c2 = st.columns(2)
        buy = c1.selectbox("Buy a package", ["(none)"] + list(packages()["package"]), key="wi_pkg")
        buy_day = c1.date_input("on (Rome date)", value=rome_today(), min_value=rome_today(), key="wi_day")
        limit_list = c1.selectbox("Set the limit of list", ["(none)"] + s.list_ids, key="wi_limit_list",
                                  format_func=lambda x: x if x == "(none)" else s.list_name(x))
        limit = c1.number_input("to credits", min_value=0, value=0, step=100, key="wi_limit")
        camp_list = c2.selectbox("Plan an extra campaign on list", ["(none)"] + s.list_ids, key="wi_list",
                                 format_func=lambda x: x if x == "(none)" else s.list_name(x))
        camp_credits = c2.number_input("of credits", min_value=0, value=0, step=100, key="wi_credits")
        camp_day = c2.date_input("on", value=rome_today() + timedelta(days=14), min_value=rome_today(),
                                 key="wi_cday")
        run = st.form_submit_button("Compare with things as they stand")
    if run:
        sc = Scenario(
            "what-if",
            purchases=((buy, buy_day),) if buy != "(none)" else (),
            limits=((limit_list, int(limit)),) if limit_list != "(none)" else (),
            campaigns=((camp_list, camp_day, int(camp_credits)),) if camp_list != "(none)" and camp_credits else (),
        )
        try:
            notes = check_scenario(s, sc)
            with st.spinner("Replaying until the last expiry ..."):
                alt = preview(s, sc)
            w = whatif(s, base, alt, sc, notes)
            m1, m2, m3 = st.columns(3)
            m1.metric("Postponed", n(w.postponed), help="Credits that no longer expire at the first deadline")
            m2.metric("Lost, same horizon", n(w.lost_after), delta=f"{w.lost_after - w.lost_before:+,} vs now",
                      delta_color="inverse")
            m3.metric("Package cost", eur(alt.purchase_cost) if alt.purchase_cost else "—")
            for line in w.sentences:
                st.info(safe_text(line, 2000))
            cmp = compare(base, alt)
            shown = cmp.assign(holder=[s.holder_name(h) for h in cmp["holder"]])
            table(shown, hide_index=True, width="stretch", column_config={
                "expires_on": st.column_config.DateColumn("Expires on (Rome)", format="D MMM YYYY"),
                "holder": "Who", **{c: st.column_config.NumberColumn(c.capitalize(), format="localized")
                                   for c in ("lost today", "lost with this change", "difference")}})
        except CreditsError as exc:
            st.error(safe_text(str(exc), 2000))

    st.subheader("Scheduled campaigns (reserve credits)")
    st.caption("A campaign reserves its estimated cost in its bucket (its list if it has a spending limit, else the "
               "unassigned pool) until its messages are recorded; cancelling it releases all of it.")
    camp = campaigns(s)
    planned = campaign_table(s)
    if planned.empty:
        st.caption("No campaign is scheduled.")
    else:
        static_table(planned, {"Campaign": ("Campaign", "text"), "List": ("List", "text"),
                               "Scheduled (Rome)": ("Scheduled (Rome)", "minute"), "Text": ("Text", "long"),
                               "Recipients": ("Recipients", "text"), "Credits": ("Credits", "int"),
                               "Recorded": ("Recorded", "int"), "Still reserved": ("Still reserved", "int"),
                               "Status": ("Status", "text")})
    overdue = planned[planned["Status"] == "due, not recorded"]
    for _, r in overdue.iterrows():
        st.warning(f"Campaign {safe_text(r['Campaign'])} ({safe_text(r['List'])}) was due on "
                   f"{r['Scheduled (Rome)']:%d %B %Y %H:%M} and "
                   f"none of its messages is recorded: it still reserves {r['Still reserved']:,} credits. Import its "
                   f"messages, or cancel it below if it did not go out.")
    if read_only():
        st.caption("Read-only view: campaigns cannot be scheduled here.")
    else:
        c1, c2, c3 = st.columns(3)
        lst = c1.selectbox("List", s.list_ids, key="sc_list", format_func=lambda x: f"{s.list_name(x)} ({x})")
        day = c2.date_input("Day (Rome)", value=rome_today() + timedelta(days=7), min_value=rome_today(),
                            key="sc_day")
        hour = c3.time_input("Time (Rome)", value=time(10, 0), key="sc_time")
        text = st.text_area("Text", "Promo weekend: sconto del 20% sugli accessori.", key="sc_text")
        c4, c5 = st.columns(2)
        rate_table = rates()
        country_names = dict(zip(rate_table["country"], rate_table["name"]))
        codes = list(country_names)
        country = c4.selectbox("Country", codes, index=codes.index("IT") if "IT" in codes else 0, key="sc_country",
                               format_func=lambda c: f"{country_names[c]} ({c})")
        recipients = c5.number_input("Recipients", min_value=1, value=1000, step=100, key="sc_recipients")
        edit_id = st.text_input("Campaign id to replace (leave empty for a new one)", "", key="sc_id")
        try:  # the cost, before anything is scheduled
            send_at = rome_instant(datetime.combine(day, hour), "the send time")
            q = campaign_quote(s, lst, text, {country: int(recipients)}, at=send_at)
            m = st.columns(4)
            m[0].metric("Parts per message", q.parts, help=f"{q.encoding}" + (
                f"; Unicode because of {q.unicode_char!r}" if q.unicode_char else ""))
            m[1].metric("Credits", n(q.credits))
            m[2].metric("Value", eur(q.eur) if q.eur is not None else "no price",
                        help="The credits it would use, valued at the price of the lots they come from")
            m[3].metric(f"Available on {safe_text(q.bucket, 60)}", n(q.available))
            if q.unicode_char:
                st.caption(f"The text is sent as Unicode (UCS-2, 70 characters a part) because of {q.unicode_char!r}.")
            (st.success if q.fits else st.warning)(  # a preview of what is typed, not an error
                f"{safe_text(q.bucket.capitalize())} " + ("can hold it now." if q.fits else
                                               f"cannot hold it now: {q.credits:,} needed, {q.available:,} available."))
            if q.projected is not None:
                (st.success if q.fits_then else st.warning)(
                    f"At the current pace, on {day.day} {day:%B %Y} {safe_text(q.bucket)} will hold "
                    f"{q.projected:,} credits: "
                    + ("enough." if q.fits_then else f"{q.credits - q.projected:,} short."))
        except CreditsError as exc:
            st.error(safe_text(str(exc), 2000))
        if st.button("Schedule", key="sc_go"):
            try:
                at = rome_instant(datetime.combine(day, hour), "the send time").astimezone(UTC)
                cid = schedule_campaign(s, lst, at, text, {country: int(recipients)}, edit_id or None)
                st.success(f"Scheduled {cid}: {campaign_cost(text, {country: int(recipients)}):,} credits reserved.")
            except CreditsError as exc:
                st.error(f"Refused: {safe_text(str(exc), 2000)}")
        if "cancelled" in st.session_state:
            st.success(safe_text(st.session_state.pop("cancelled"), 500))
        if len(camp):
            c1, c2 = st.columns([3, 1])
            victim = c1.selectbox("Cancel campaign", camp["campaign_id"], key="cancel_id")
            held = int(planned.loc[planned["Campaign"] == victim, "Still reserved"].iloc[0])
            sure = st.checkbox(f"Yes, cancel campaign {safe_text(victim)}: it releases {held:,} reserved credits "
                               f"and cannot be undone", key="cancel_sure")
            if c2.button("Cancel it", disabled=not sure):
                cancel_campaign(s, victim)
                st.session_state["cancelled"] = f"Campaign {victim} cancelled: {held:,} credits released."
                st.session_state.pop("cancel_sure", None)
                st.rerun()

