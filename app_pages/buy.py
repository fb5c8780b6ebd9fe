from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import streamlit as st

from app_pages.common import n, read_only, store
from credits_core import CreditsError
from credits_core.calendar import ROME, expires_on, utc_us
from credits_core.pricing import message_cost, packages, rates, sms_per_package

st.title("🛒 Buy credits")
st.info("Credits are paid in advance and valid for **2 years**; buying a package moves the expiry of all your "
        "remaining expiring credits to the new package's date. **Credits are not transferable to third parties, "
        "nor refundable or transferable to different platforms.**")
s = store()
pk = packages()
st.subheader("Packages")
st.dataframe(pk.assign(price_eur=pk["price_eur"].astype(float), eur_per_1000=pk["eur_per_1000"].astype(float)),
             hide_index=True, column_config={
                 "credits": st.column_config.NumberColumn(format="localized"),
                 "price_eur": st.column_config.NumberColumn("price (EUR)", format="euro"),
                 "eur_per_1000": st.column_config.NumberColumn("EUR per 1,000 credits", format="euro")})

st.subheader("How many SMS each package buys")
r = rates()
names = dict(zip(r["country"], r["name"]))
countries = st.multiselect("Destination countries", list(names), default=["IT", "FR", "DE", "ES", "GB"],
                           format_func=lambda c: f"{names[c]} ({c})")
if countries:
    st.dataframe(sms_per_package(countries).rename(columns=names), column_config={
        names[c]: st.column_config.NumberColumn(format="localized") for c in countries})

st.subheader("Message cost calculator")
c1, c2, c3 = st.columns([3, 1, 1])
text = c1.text_area("Text", "Ciao! Solo per oggi spedizione gratuita su tutti gli ordini.", key="calc_text")
country = c2.selectbox("Country", list(names), format_func=lambda c: f"{names[c]} ({c})", key="calc_country")
recipients = c3.number_input("Recipients", min_value=1, value=1, step=1, key="calc_recipients")
cost = message_cost(text, country, int(recipients))
m = st.columns(4)
m[0].metric("Parts", cost.text.parts)
m[1].metric("Encoding", cost.text.encoding)
m[2].metric("Credits", n(cost.credits))
m[3].metric("Forced Unicode by", repr(cost.text.unicode_char) if cost.text.unicode_char else "—")

st.subheader("Record a purchase")
if read_only():
    st.caption("Read-only view: purchases cannot be recorded here.")
else:
    with st.form("purchase"):
        c1, c2, c3 = st.columns(3)
        name = c1.selectbox("Package", pk["package"], index=2)
        day = c2.date_input("Purchase date (Rome)", value=datetime.now(ZoneInfo(ROME)).date())
        expiring = c3.checkbox("Expiring (2 years)", value=True)
        confirm = st.checkbox("I have checked the new expiry below")
        submitted = st.form_submit_button("Record purchase")
    row = pk[pk["package"] == name].iloc[0]
    at = datetime.combine(day, time(12, 0), ZoneInfo(ROME))
    if at > datetime.now(UTC):
        at = datetime.now(UTC)
    new_exp = expires_on(utc_us(at)) if expiring else None
    lots = s.lots(at)
    extended = lots[lots["expiring"] & (lots["remaining"] > 0) & (lots["expires_on"] < new_exp)] if new_exp else \
        lots.iloc[0:0]
    st.write(f"**{name}**: {n(row['credits'])} credits for EUR {row['price_eur']:,}. "
             + (f"New expiry: **{new_exp:%d %B %Y}** (00:00 Rome time)." if new_exp else "Non-expiring."))
    if len(extended):
        st.write(f"It extends {n(extended['remaining'].sum())} credits of {len(extended)} older lot(s) to that date.")
    if submitted:
        if not confirm:
            st.error("Tick the confirmation box first: nothing was recorded.")
        else:
            try:
                lot_id = s.purchase(int(row["credits"]), at, expiring=expiring, price=row["price_eur"])
                st.success(f"Recorded lot {lot_id}: {n(row['credits'])} credits. New total: {n(s.balance().total)}.")
            except CreditsError as exc:
                st.error(str(exc))
