"""The Expiry page's scheduled campaigns: what they reserve, and (for a manager) scheduling and cancelling one.
``expiry.py`` lays the page out; ``expiry_parts`` holds its other parts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import streamlit as st

from app_pages.common import W, error_words, eur, n, read_only, safe_text, static_table, t
from app_pages.expiry_parts import long_day
from credits_core import CreditsError
from credits_core.ledger import rates, rome_instant, rome_today
from credits_core.planning import (
    campaign_cost,
    campaign_quote,
    campaign_table,
    campaigns,
    cancel_campaign,
    schedule_campaign,
)


def campaigns_section(s) -> None:
    """Scheduled campaigns, what they still reserve, and (for a manager) scheduling and cancelling."""
    st.subheader(t("Scheduled campaigns (reserve credits)"))
    st.caption(t("A campaign reserves its estimated cost in its bucket (its list if it has a spending limit, else the "
                 "unassigned pool) until its messages are recorded; cancelling it releases all of it."))
    camp = campaigns(s)
    planned = campaign_table(s)
    if planned.empty:
        st.caption(t("No campaign is scheduled."))
    else:
        statuses = {"scheduled": t("scheduled"), "due, not recorded": t("due, not recorded"),
                    "partly recorded": t("partly recorded"), "recorded": t("recorded")}
        static_table(planned.assign(Status=[statuses.get(x, x) for x in planned["Status"]],
                                    Recipients=[W().say(x) for x in planned["Recipients"]]),
                     {"Campaign": (t("Campaign"), "text"), "List": (t("List"), "text"),
                      "Scheduled (Rome)": (t("Scheduled (Rome)"), "minute"), "Text": (t("Text"), "long"),
                      "Recipients": (t("Recipients"), "text"), "Credits": (t("Credits"), "int"),
                      "Recorded": (t("Recorded"), "int"), "Still reserved": (t("Still reserved"), "int"),
                      "Status": (t("Status"), "text")})
    overdue = planned[planned["Status"] == "due, not recorded"]
    for _, r in overdue.iterrows():
        st.warning(t("Campaign {campaign} ({list}) was due on {when} and none of its messages is recorded: it still "
                     "reserves {credits} credits. Import its messages, or cancel it below if it did not go out.",
                     campaign=safe_text(r["Campaign"]), list=safe_text(r["List"]),
                     when=W().moment(r["Scheduled (Rome)"]), credits=int(r["Still reserved"])))
    if read_only():
        st.caption(t("Read-only view: campaigns cannot be scheduled here."))
    else:  # drawn when opened, as the what-if above
        # one label whatever is scheduled: a label that changed with the campaigns closed it after each one
        box = st.expander(t("Schedule or cancel a campaign"), key="exp_schedule", on_change="rerun")
        if "cancelled" in st.session_state:
            st.success(safe_text(st.session_state.pop("cancelled"), 500))
        if box.open:
            with box:
                schedule_form(s)
                cancel_form(s, camp, planned)


def schedule_form(s) -> None:
    """A campaign to schedule, its cost previewed before anything is recorded."""
    c1, c2, c3 = st.columns(3)
    lst = c1.selectbox(t("List"), s.list_ids, key="sc_list", format_func=lambda x: f"{s.list_name(x)} ({x})")
    day = c2.date_input(t("Day (Rome)"), value=rome_today() + timedelta(days=7), min_value=rome_today(),
                        key="sc_day", format="DD/MM/YYYY" if W().lang == "it" else "YYYY/MM/DD")
    hour = c3.time_input(t("Time (Rome)"), value=time(10, 0), key="sc_time")
    text = st.text_area(t("Text"), "Promo weekend: sconto del 20% sugli accessori.", key="sc_text")
    c4, c5 = st.columns(2)
    rate_table = rates()
    country_names = dict(zip(rate_table["country"], rate_table["name"]))
    codes = list(country_names)
    country = c4.selectbox(t("Country"), codes, index=codes.index("IT") if "IT" in codes else 0, key="sc_country",
                           format_func=lambda c: f"{country_names[c]} ({c})")
    recipients = c5.number_input(t("Recipients"), min_value=1, value=1000, step=100, key="sc_recipients")
    edit_id = st.text_input(t("Campaign id to replace (leave empty for a new one)"), "", key="sc_id")
    try:  # the cost, before anything is scheduled
        send_at = rome_instant(datetime.combine(day, hour), "the send time")
        q = campaign_quote(s, lst, text, {country: int(recipients)}, at=send_at)
        m = st.columns(4)
        bucket = W().say(q.bucket)
        m[0].metric(t("Parts per message"), q.parts, help=t("{encoding}; Unicode because of {char}",
                                                            encoding=q.encoding, char=repr(q.unicode_char))
                    if q.unicode_char else q.encoding)
        m[1].metric(t("Credits"), n(q.credits))
        m[2].metric(t("Value"), eur(q.eur) if q.eur is not None else t("no price"),
                    help=t("The credits it would use, valued at the price of the lots they come from"))
        m[3].metric(t("Available on {bucket}", bucket=safe_text(bucket, 60)), n(q.available))
        if q.unicode_char:
            st.caption(t("The text is sent as Unicode (UCS-2, 70 characters a part) because of {char}.",
                         char=repr(q.unicode_char)))
        (st.success if q.fits else st.warning)(  # a preview of what is typed, not an error
            t("{bucket} can hold it now.", bucket=safe_text(bucket[:1].upper() + bucket[1:])) if q.fits else
            t("{bucket} cannot hold it now: {needed} needed, {available} available.",
              bucket=safe_text(bucket[:1].upper() + bucket[1:]), needed=q.credits, available=q.available))
        if q.projected is not None:
            then = dict(day=long_day(day), bucket=safe_text(bucket), credits=q.projected)
            (st.success if q.fits_then else st.warning)(
                t("At the current pace, on {day} {bucket} will hold {credits} credits: enough.", **then)
                if q.fits_then else
                t("At the current pace, on {day} {bucket} will hold {credits} credits: {short} short.",
                  short=q.credits - q.projected, **then))
    except CreditsError as exc:
        st.error(safe_text(error_words(exc), 2000))
    if st.button(t("Schedule"), key="sc_go"):
        try:
            at = rome_instant(datetime.combine(day, hour), "the send time").astimezone(UTC)
            cid = schedule_campaign(s, lst, at, text, {country: int(recipients)}, edit_id or None)
            st.success(t("Scheduled {campaign}: {credits} credits reserved.", campaign=cid,
                         credits=campaign_cost(text, {country: int(recipients)})))
        except CreditsError as exc:
            st.error(t("Refused: {why}", why=safe_text(error_words(exc), 2000)))


def cancel_form(s, camp, planned) -> None:
    """Cancelling a scheduled campaign, after a confirmation."""
    if len(camp):
        c1, c2 = st.columns([3, 1])
        victim = c1.selectbox(t("Cancel campaign"), camp["campaign_id"], key="cancel_id")
        held = int(planned.loc[planned["Campaign"] == victim, "Still reserved"].iloc[0])
        sure = st.checkbox(t("Yes, cancel campaign {campaign}: it releases {credits} reserved credits and cannot be "
                             "undone", campaign=safe_text(victim), credits=held), key="cancel_sure")
        if c2.button(t("Cancel it"), disabled=not sure):
            cancel_campaign(s, victim)
            st.session_state["cancelled"] = t("Campaign {campaign} cancelled: {credits} credits released.",
                                              campaign=victim, credits=held)
            st.session_state.pop("cancel_sure", None)
            st.rerun()
