import streamlit as st

from app_pages.common import W, error_words, eur, gate, n, read_only, t, table, tn
from credits_core import CreditsError
from credits_core.ledger import message_cost, packages, rates, rome_today, sms_per_package
from credits_core.planning import purchase_instant, purchase_preview, value_of_next

st.title("🛒 " + t("Buy credits"))
s = gate()  # every write of this page goes through the role check
w = W()
policy = s.policy
st.info((t("Credits are paid in advance and valid for **{years} years**; buying a package moves the expiry of all "
           "your remaining expiring credits to the new package's date.", years=policy.validity_years)
         if policy.extend_on_purchase else
         t("Credits are paid in advance and valid for **{years} years**.", years=policy.validity_years))
        + " " + t("**Credits are not transferable to third parties, nor refundable or transferable to different "
                  "platforms.**"))
pk = packages()
st.subheader(t("Packages"))
table(pk.assign(price_eur=pk["price_eur"].astype(float), eur_per_1000=pk["eur_per_1000"].astype(float)),
      hide_index=True, column_config={
          "package": t("Package"), "credits": st.column_config.NumberColumn(t("Credits"), format="localized"),
          "price_eur": st.column_config.NumberColumn(t("Price"), format="euro"),
          "eur_per_1000": st.column_config.NumberColumn(t("Price per {count} credits", count=1000), format="euro")})

st.subheader(t("How many SMS each package buys"))
r = rates()
names = dict(zip(r["country"], r["name"]))
countries = st.multiselect(t("Destination countries"), list(names), default=["IT", "FR", "DE", "ES", "GB"],
                           format_func=lambda c: f"{names[c]} ({c})")
if countries:
    table(sms_per_package(countries).rename(columns=names).rename_axis(t("Package")), column_config={
        names[c]: st.column_config.NumberColumn(format="localized") for c in countries})

st.subheader(t("Message cost calculator"))
c1, c2, c3 = st.columns([3, 1, 1])
text = c1.text_area(t("Text"), "Ciao! Solo per oggi spedizione gratuita su tutti gli ordini.", key="calc_text")
codes = list(names)
country = c2.selectbox(t("Country"), codes, index=codes.index("IT") if "IT" in codes else 0,
                       format_func=lambda c: f"{names[c]} ({c})", key="calc_country")
recipients = c3.number_input(t("Recipients"), min_value=1, value=1, step=1, key="calc_recipients")
cost = message_cost(text, country, int(recipients))
value = value_of_next(s, cost.credits) if s.controls else None
with st.container(horizontal=True, wrap=True):  # five figures in a row that wraps: never cut at 800 px
    st.metric(t("Parts"), cost.text.parts, width=120)
    st.metric(t("Encoding"), cost.text.encoding, width=130)
    st.metric(t("Credits"), n(cost.credits), width=130)
    st.metric(t("Cost"), eur(value) if value is not None else t("no price"), width=150,
              help=t("The credits it would use, at the price of the lots they would come from (non-expiring first)"))
    st.metric(t("Forced Unicode by"), repr(cost.text.unicode_char) if cost.text.unicode_char else "—", width=170)

st.subheader(t("Record a purchase"))
if read_only():
    st.caption(t("Read-only view: purchases cannot be recorded here."))
else:
    done = st.session_state.pop("bought", None)
    if done:
        st.success(done)
    c1, c2, c3 = st.columns(3)
    name = c1.selectbox(t("Package"), pk["package"], index=2, key="buy_package")
    day = c2.date_input(t("Purchase date (Rome)"), value=rome_today(), max_value=rome_today(), key="buy_day",
                        format="DD/MM/YYYY" if w.lang == "it" else "YYYY/MM/DD")
    expiring = c3.checkbox(t("Expiring ({years} years)", years=policy.validity_years), value=True,
                           key="buy_expiring")
    row = pk[pk["package"] == name].iloc[0]
    try:
        at = purchase_instant(day)
    except CreditsError as exc:
        st.error(error_words(exc))
        st.stop()
    pv = purchase_preview(s, at, expiring)
    bought = dict(name=name, credits=int(row["credits"]), price=eur(row["price_eur"]))
    if day == rome_today():
        said = t("**{name}**: {credits} credits for {price}, recorded now.", **bought)
    else:
        said = t("**{name}**: {credits} credits for {price}, recorded on {day} at 12:00 Rome time.", day=w.day(day),
                 **bought)
    st.write(said + " " + (t("They expire at 00:00 on **{day}** (Rome time).", day=w.day(pv.expires_on))
                           if pv.expires_on else t("They never expire.")))
    if pv.extended_credits:
        st.write(tn("It moves the expiry of {credits} credits held in {count} older lot from {old} to {new}.",
                    "It moves the expiry of {credits} credits held in {count} older lots from {old} to {new}.",
                    pv.extended_lots, credits=pv.extended_credits, old=w.day(pv.extended_from),
                    new=w.day(pv.expires_on)))
    # the confirmation belongs to exactly these values, and to one record: it resets when either changes
    nonce = st.session_state.setdefault("buy_nonce", 0)
    confirm = st.checkbox(t("I have checked the package, the date and the new expiry above"),
                          key=f"buy_confirm_{name}_{day}_{expiring}_{nonce}")
    if st.button(t("Record purchase"), disabled=not confirm, key="buy_go"):
        try:
            lot_id = s.purchase(int(row["credits"]), at, expiring=expiring, price=row["price_eur"])
            st.session_state["buy_nonce"] = nonce + 1
            st.session_state["bought"] = t("Recorded lot {lot}: {credits} credits. New total: {total}.", lot=lot_id,
                                           credits=int(row["credits"]), total=s.balance().total)
            st.rerun()
        except CreditsError as exc:
            st.error(error_words(exc))
