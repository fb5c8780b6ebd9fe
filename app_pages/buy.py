import streamlit as st

from app_pages.common import eur, gate, n, read_only, table
from credits_core import CreditsError
from credits_core.ledger import message_cost, packages, rates, rome_today, sms_per_package
from credits_core.planning import purchase_instant, purchase_preview, value_of_next

st.title("🛒 Buy credits")
s = gate()  # every write of this page goes through the role check
policy = s.policy
st.info(f"Credits are paid in advance and valid for **{policy.validity_years} years**"
        + ("; buying a package moves the expiry of all your remaining expiring credits to the new package's date"
           if policy.extend_on_purchase else "")
        + ". **Credits are not transferable to third parties, nor refundable or transferable to different "
          "platforms.**")
pk = packages()
st.subheader("Packages")
table(pk.assign(price_eur=pk["price_eur"].astype(float), eur_per_1000=pk["eur_per_1000"].astype(float)),
             hide_index=True, column_config={
                 "package": "Package", "credits": st.column_config.NumberColumn("Credits", format="localized"),
                 "price_eur": st.column_config.NumberColumn("Price", format="euro"),
                 "eur_per_1000": st.column_config.NumberColumn("Price per 1,000 credits", format="euro")})

st.subheader("How many SMS each package buys")
r = rates()
names = dict(zip(r["country"], r["name"]))
countries = st.multiselect("Destination countries", list(names), default=["IT", "FR", "DE", "ES", "GB"],
                           format_func=lambda c: f"{names[c]} ({c})")
if countries:
    table(sms_per_package(countries).rename(columns=names), column_config={
        names[c]: st.column_config.NumberColumn(format="localized") for c in countries})

st.subheader("Message cost calculator")
c1, c2, c3 = st.columns([3, 1, 1])
text = c1.text_area("Text", "Ciao! Solo per oggi spedizione gratuita su tutti gli ordini.", key="calc_text")
codes = list(names)
country = c2.selectbox("Country", codes, index=codes.index("IT") if "IT" in codes else 0,
                       format_func=lambda c: f"{names[c]} ({c})", key="calc_country")
recipients = c3.number_input("Recipients", min_value=1, value=1, step=1, key="calc_recipients")
cost = message_cost(text, country, int(recipients))
value = value_of_next(s, cost.credits) if s.controls else None
m = st.columns(5)
m[0].metric("Parts", cost.text.parts)
m[1].metric("Encoding", cost.text.encoding)
m[2].metric("Credits", n(cost.credits))
m[3].metric("Cost", eur(value) if value is not None else "no price",
            help="The credits it would use, at the price of the lots they would come from (non-expiring first)")
m[4].metric("Forced Unicode by", repr(cost.text.unicode_char) if cost.text.unicode_char else "—")

st.subheader("Record a purchase")
if read_only():
    st.caption("Read-only view: purchases cannot be recorded here.")
else:
    done = st.session_state.pop("bought", None)
    if done:
        st.success(done)
    c1, c2, c3 = st.columns(3)
    name = c1.selectbox("Package", pk["package"], index=2, key="buy_package")
    day = c2.date_input("Purchase date (Rome)", value=rome_today(), max_value=rome_today(), key="buy_day")
    expiring = c3.checkbox(f"Expiring ({policy.validity_years} years)", value=True, key="buy_expiring")
    row = pk[pk["package"] == name].iloc[0]
    try:
        at = purchase_instant(day)
    except CreditsError as exc:
        st.error(str(exc))
        st.stop()
    pv = purchase_preview(s, at, expiring)
    when = "now" if day == rome_today() else f"on {day:%d %B %Y} at 12:00 Rome time"
    st.write(f"**{name}**: {n(row['credits'])} credits for {eur(row['price_eur'])}, recorded {when}. "
             + (f"They expire at 00:00 on **{pv.expires_on:%d %B %Y}** (Rome time)." if pv.expires_on
                else "They never expire."))
    if pv.extended_credits:
        st.write(f"It moves the expiry of {n(pv.extended_credits)} credits held in {pv.extended_lots} older "
                 f"lot(s) from {pv.extended_from:%d %B %Y} to {pv.expires_on:%d %B %Y}.")
    # the confirmation belongs to exactly these values, and to one record: it resets when either changes
    nonce = st.session_state.setdefault("buy_nonce", 0)
    confirm = st.checkbox("I have checked the package, the date and the new expiry above",
                          key=f"buy_confirm_{name}_{day}_{expiring}_{nonce}")
    if st.button("Record purchase", disabled=not confirm, key="buy_go"):
        try:
            lot_id = s.purchase(int(row["credits"]), at, expiring=expiring, price=row["price_eur"])
            st.session_state["buy_nonce"] = nonce + 1
            st.session_state["bought"] = (f"Recorded lot {lot_id}: {n(row['credits'])} credits. "
                                          f"New total: {n(s.balance().total)}.")
            st.rerun()
        except CreditsError as exc:
            st.error(str(exc))
