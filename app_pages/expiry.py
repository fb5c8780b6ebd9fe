"""Expiry: the manager's decision over the whole life of the credits, in credits and euros."""

import streamlit as st

from app_pages.common import cached, empty_state, error_words, gate, safe_text, t
from app_pages.expiry_campaigns import campaigns_section
from app_pages.expiry_parts import (
    chart,
    expiry_tables,
    headline,
    lifespan,
    ways,
    whatif_form,
    whatif_result,
)
from credits_core import CreditsError
from credits_core.planning import planner

st.title("⏳ " + t("Expiry"))
st.caption(t("Credits expire at 00:00 Italian time (Europe/Rome) on their expiry day, so the day before is the last "
             "day to use them. Expired credits are taken from the unassigned pool first, then from the lists with a "
             "spending limit in proportion to what they hold. Buying any package moves every credit held to the new "
             "expiry."))
s = gate()  # every write of this page goes through the role check

if not empty_state():
    sc = st.session_state.get("wi_scenario")
    try:
        with st.spinner(t("Working out what expires and what you can do ...")):  # ~1.5 s at 1M after a write
            pl = cached(planner)(sc)
    except CreditsError as exc:  # a change that is no longer possible (a list renamed away, a package removed)
        st.session_state.pop("wi_scenario", None)
        st.error(safe_text(error_words(exc), 2000))
        pl = cached(planner)(None)
    headline(pl.next)
    ways(s, pl)
    lifespan(s, pl)
    chart(pl)
    expiry_tables(s, pl)
    whatif_form(s)
    whatif_result(s, pl)
    campaigns_section(s)
