"""The Expiry page's parts: the headline, the ways of going on, how long the credits last, the planner's chart,
what expires when, the what-if and the scheduled campaigns. ``expiry.py`` is the page script that lays them out."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from app_pages.charts import Drop, Trace, file_name, held_over_time
from app_pages.common import cached, db_path, eur, n, read_only, safe_text, static_table
from credits_core import CreditsError
from credits_core.exports import frame_to_xlsx
from credits_core.ledger import POOL, ROME, packages, rates, rome_instant, rome_today
from credits_core.planning import (
    Scenario,
    campaign_cost,
    campaign_quote,
    campaign_table,
    campaigns,
    cancel_campaign,
    check_scenario,
    compare,
    drops,
    last_day_to_use,
    non_expiring_sent,
    policy_note,
    schedule_campaign,
    smallest_package,
)
from credits_core.reporting import WAY_COLOURS


def long_day(d) -> str:
    return f"{d.day} {d:%B %Y}"


def rome_day(at: pd.Timestamp):
    return at.tz_convert(ROME).date()


def euros(value: Decimal | None) -> str:
    return "no price" if value is None else eur(value)


def months_on(m: float, start=None):
    """The day ``m`` months of the pace after ``start`` (today)."""
    return (start or rome_today()) + timedelta(days=round(m * 30.44))


def lists_in_words(s, campaigns, assigned: dict) -> str:
    """For a table cell (the table escapes it): each list's name as it is."""
    return "; ".join(f"{s.list_name(lid)[:60]} {c:,} ("
                     + ("from its spending limit" if lid in assigned else "from the unassigned pool") + ")"
                     for lid, _, c in sorted(campaigns, key=lambda x: -x[2]))


WAYS = {"nothing": "As things stand (your pace)", "idle": "If nothing more is spent", "buy": "Buy before each deadline",
        "spend": "Spend them first", "whatif": "With your change"}


def headline(nx) -> None:
    """The next deadline, in credits and euros, and what the pace loses of it."""
    if nx is None:
        st.success("No credit held expires: nothing is at risk.")
    else:
        at = nx.at.tz_convert(ROME)
        with st.container(horizontal=True, wrap=True):
            st.metric("Last day to use them", f"{nx.last_day.day} {nx.last_day:%b %Y}",
                      help="They expire at 00:00 Rome the day after", width=190)
            st.metric("Expiring then", n(nx.held), delta=euros(nx.held_eur), delta_color="off", delta_arrow="off",
                      width=170)
            st.metric("Lost at your pace", n(nx.lost), delta=euros(nx.lost_eur), delta_color="off",
                      delta_arrow="off", width=170)
            st.metric("Days left", n(nx.days), width=130)
        if not nx.lost:
            lost = "at your pace you use all of them by then."
        elif nx.lost == nx.held:
            lost = (f"at your pace none of them is used by then (the platform spends non-expiring credits first), so "
                    f"all {nx.lost:,} would be lost.")
        else:
            lost = (f"at your pace you use {nx.held - nx.lost:,} of them by then, and {nx.lost:,} ({eur(nx.lost_eur)}) "
                    f"would be lost.")
        (st.warning if nx.lost else st.info)(
            f"{nx.held:,} credits ({eur(nx.held_eur)}) expire at 00:00 on {long_day(at.date())} (Rome): "
            f"{long_day(nx.last_day)} is the last day to use them, in {nx.days:,} days; {lost}"
            + (" Some of these credits were bought without a price: the euros count only the others."
               if nx.unpriced else ""))


def ways(s, pl) -> None:
    """What you can do: the ways of going on side by side, each to the last expiry of every credit any of them holds."""
    d, base = pl.decision, pl.decision.nothing.preview
    if d.deadline is None:
        return
    st.subheader("What you can do")
    end = pl.end.astimezone(ZoneInfo(ROME)).date() if pl.end else None
    st.caption(f"Each way is followed to {long_day(end)}, the last expiry of every credit any of them holds, at "
               "your pace (each list's average daily spend of the last 90 days, working days and weekends apart, "
               "plus the scheduled campaigns; a list that runs dry stops). Euros are the credits' purchase price.")
    pkg, price, _ = smallest_package()
    assigned = base.end_state.assigned if base.end_state is not None else {}
    if d.buy.purchases:
        buy_asks = f"Buy {pkg} ({eur(price)}) on " + " and on ".join(
            long_day(day) for _, day in d.buy.purchases) + "."
    elif d.buy.stopped == "too_late":
        buy_asks = "Too late: the credits expire tonight."
    elif d.buy.stopped == "keeps_nothing":
        buy_asks = (f"Nothing to buy: a package would move these credits two years on, but your pace spends the "
                    f"{pl.non_expiring_now:,} non-expiring credits first"
                    + (f" (until about {months_on(pl.non_expiring_now / pl.monthly):%B %Y})" if pl.monthly else "")
                    + ", so they would expire unused then, with the package's own.")
    else:
        buy_asks = (f"Nothing to buy: a package ({eur(price)}) would keep credits worth less than it costs.")
    extra = sum(c for _, _, c in d.spend.campaigns)
    spend_asks = (f"Send {extra:,} credits on top of your pace by {long_day(d.last_day)}"
                  + (f" ({non_expiring_sent(d):,} of them non-expiring: the platform spends those first)"
                     if non_expiring_sent(d) else "")
                  + f": {lists_in_words(s, d.spend.campaigns, assigned)}.") if extra else "Nothing to send."
    rows = []
    for o, label, asks in ((d.nothing, WAYS["nothing"], "Keep sending as you do."),
                           (d.buy, f"Buy {pkg} before each deadline", buy_asks),
                           (d.spend, WAYS["spend"], spend_asks)):
        rows.append({"way": label, "cost": o.cost_eur, "lost": o.lost, "lost_eur": o.lost_eur,
                     "kept": d.nothing.lost - o.lost, "kept_eur": d.nothing.lost_eur - o.lost_eur,
                     "net": d.nothing.lost_eur - o.lost_eur - o.cost_eur, "asks": asks})
    static_table(pd.DataFrame(rows), {
        "way": ("Way", "text"), "cost": ("Packages cost", "eur"), "lost": ("Credits lost", "int"),
        "lost_eur": ("Lost (€)", "eur"), "kept": ("Kept vs as things stand", "int"),
        "kept_eur": ("Kept (€)", "eur"), "net": ("Kept less cost (€)", "eur"), "asks": ("What it asks", "note")})


def lifespan(s, pl) -> None:
    """How long the credits last, expiries counted, and when each bucket runs out at its pace."""
    life, base = pl.lifespan, pl.decision.nothing.preview
    if life.held:
        parts = [f"At your pace, of the {life.held:,} credits held now, {life.spent:,} are spent"]
        if life.expired:
            parts.append(f"{life.expired:,} expire unused")
        if life.until is not None:
            text = ", ".join(parts) + f": the account holds nothing from {long_day(life.until)}."
        elif life.left and life.months_left is not None:
            until = months_on(life.months_left, life.horizon)
            text = (", ".join(parts) + f" by {long_day(life.horizon)}; the other {life.left:,} never expire and last "
                    f"until about {until:%B %Y} at that pace.")
        else:
            text = (", ".join(parts) + f" by {long_day(life.horizon)}; {life.left:,} are still held then"
                    + (" (nothing was spent in the last 90 days)." if not pl.monthly else "."))
        st.markdown("**How long the credits last**")
        st.text(text)
    for bucket, day in sorted(base.run_out.items(), key=lambda kv: kv[1]):
        who = "The unassigned pool" if bucket is POOL else f"List {safe_text(s.list_name(bucket), 60)}"
        st.caption(f"{who} runs out on {long_day(day)} at its pace.")


def chart(pl) -> None:
    """The credits (or euros) held to the last expiry: one line per way and for the change, a drop at each expiry."""
    d, base = pl.decision, pl.decision.nothing.preview
    st.subheader("Credits held, to the last expiry")
    unit = st.segmented_control("Show", ["credits", "euros"], default="credits", key="exp_unit") or "credits"
    traces = [Trace("nothing", WAYS["nothing"], WAY_COLOURS["nothing"]),
              Trace("idle", WAYS["idle"], WAY_COLOURS["idle"], "dot")]
    if d.buy.purchases:  # a way that changes nothing would hide the line it lies on
        traces.append(Trace("buy", f"Buy {smallest_package()[0]} before each deadline", WAY_COLOURS["buy"]))
    if d.spend.campaigns:
        traces.append(Trace("spend", WAYS["spend"], WAY_COLOURS["spend"], "dash"))
    if pl.change is not None:
        traces.append(Trace("whatif", WAYS["whatif"], WAY_COLOURS["whatif"]))
    marks = [Drop(at, c, int(e * 100)) for at, c, e in drops(base)]
    held_over_time(pl.path, traces, marks, "credits" if unit == "credits" else "eur",
                   file_name("credits-held", Path(db_path()).stem, rome_today().isoformat()), key="exp_chart")
    st.caption("A click on a line's name hides it, a double click shows it alone; drag the bar under the dates to "
               "zoom. The dotted lines mark the expiries as things stand.")


def expiry_tables(s, pl) -> None:
    """What expires when, who loses what, and (when opened) what the other consumption order would lose."""
    st.subheader("What expires when")
    static_table(pl.plan, {"expires_at_rome": ("Expires at (Rome)", "minute"),
                           "if_nothing_spent": ("If nothing more is spent", "int"),
                           "at_current_pace": ("At your pace", "int")})
    idle = pl.idle.preview
    if not idle.expiries.empty:
        who = idle.expiries.assign(
            expires_at=idle.expiries["expires_at"].dt.tz_convert(ROME).dt.tz_localize(None),
            holder=[s.holder_name(h) for h in idle.expiries["holder"]])
        st.markdown("**Who loses what (if nothing more is spent)**")
        static_table(who, {"expires_at": ("Expires at (Rome)", "minute"), "holder": ("Who loses", "text"),
                           "credits": ("Credits", "int")})
        st.download_button("Download expiry.xlsx", frame_to_xlsx(who, "Expiry", {"expires_at": "datetime",
                                                                                  "credits": "int"}), "expiry.xlsx")

    # the other order replays the whole history again (1.7 s at 10M messages): computed when someone opens it
    other = st.expander("What would the other consumption order lose?", key="exp_policy", on_change="rerun")
    if other.open:
        with other:
            st.caption(cached(policy_note)() or "The platform spends expiring credits first already.")


def whatif_form(s) -> None:
    """A change to compare with things as they stand (a purchase, a limit, an extra campaign); nothing is recorded."""
    st.subheader("What if ...")
    st.caption("A change is compared with things as they stand to the last expiry of every credit either way holds, "
               "in credits and euros. Nothing is recorded.")
    # its widgets are drawn when it is opened: they were a sixth of the page's first load in a browser (bench/README)
    st.session_state.setdefault("exp_whatif", "wi_scenario" in st.session_state)
    box = st.expander("Compare a change: a package bought, a spending limit, an extra campaign", key="exp_whatif",
                      on_change="rerun")
    if not box.open:
        return
    with box, st.form("whatif"):
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
        new = Scenario(
            "what-if",
            purchases=((buy, buy_day),) if buy != "(none)" else (),
            limits=((limit_list, int(limit)),) if limit_list != "(none)" else (),
            campaigns=((camp_list, camp_day, int(camp_credits)),) if camp_list != "(none)" and camp_credits else (),
        )
        if not (new.purchases or new.limits or new.campaigns):
            st.info("Choose a package, a limit or a campaign to compare.")
            st.session_state.pop("wi_scenario", None)
        else:
            try:
                st.session_state["wi_notes"] = check_scenario(s, new)
                st.session_state["wi_scenario"] = new
                st.rerun()  # the chart above draws the change too
            except CreditsError as exc:
                st.error(safe_text(str(exc), 2000))


def whatif_result(s, pl) -> None:
    """The change compared with things as they stand, in credits and euros, with why it keeps what it keeps."""
    w = pl.change
    if w is None:
        return
    for note in st.session_state.get("wi_notes", []):
        st.info(safe_text(note, 2000))
    until = long_day(pl.end.astimezone(ZoneInfo(ROME)).date()) if pl.end else "the end"
    with st.container(horizontal=True, wrap=True):
        st.metric("Lost as things stand", n(w.before.lost), delta=eur(w.before.lost_eur), delta_color="off",
                  delta_arrow="off", width=190)
        st.metric("Lost with the change", n(w.after.lost), delta=eur(w.after.lost_eur), delta_color="off",
                  delta_arrow="off", width=190)
        st.metric("Package cost", eur(w.after.cost_eur) if w.after.cost_eur else "—", width=150)
        st.metric("Kept less cost", eur(w.kept_eur - w.after.cost_eur), width=170,
                  help="The euros of the credits no longer lost, less what the packages cost")
    said = [f"Up to {until}: {w.before.lost:,} credits ({eur(w.before.lost_eur)}) are lost as things stand, "
            f"{w.after.lost:,} ({eur(w.after.lost_eur)}) with this change"
            + (f": {w.kept:,} fewer." if w.kept > 0 else f": {-w.kept:,} more." if w.kept < 0 else
               ": the same.")]
    if w.postponed and w.first_deadline is not None:
        later = w.after.preview.expiries
        later = later[later["expires_at"] > w.first_deadline]["expires_at"]
        to = f" to {long_day(rome_day(later.min()))}" if len(later) else ""
        said.append(f"{w.postponed:,} credits no longer expire on {long_day(rome_day(w.first_deadline))}: they "
                    f"move{to}" + (", where your pace still does not reach them." if w.kept <= 0 else "."))
    if "too_late" in w.reasons:
        said.append(f"The purchase comes after the credits expire on {long_day(rome_day(w.first_deadline))}: "
                    f"it cannot postpone them (buy on {long_day(last_day_to_use(w.first_deadline))} at the "
                    f"latest).")
    if "pool_first" in w.reasons:
        said.append("A limit only moves credits between the pool and a list: an expiry takes the whole amount "
                    "anyway, from the pool first, so the account loses as much.")
    if "non_expiring_first" in w.reasons:
        said.append(f"The campaign is paid from the {pl.non_expiring_now:,} non-expiring credits first (the "
                    f"platform spends those first), so it does not reach the credits that expire.")
    for lid, at_utc, c in w.after.preview.unpaid:
        said.append(f"A campaign of {c:,} credits on {safe_text(s.list_name(lid), 60)} on "
                    f"{long_day(at_utc.astimezone(ZoneInfo(ROME)).date())} is not sent: its bucket cannot pay it "
                    f"then.")
    for line in said:
        st.text(line)
    cmp = compare(w.before.preview, w.after.preview)
    shown = cmp.assign(holder=[s.holder_name(h) for h in cmp["holder"]],
                       expires_on=[long_day(x) for x in cmp["expires_on"]])
    static_table(shown, {"expires_on": ("Expires on (Rome)", "text"), "holder": ("Who", "text"),
                         "lost today": ("Lost as things stand", "int"),
                         "lost with this change": ("Lost with the change", "int"),
                         "difference": ("Difference", "delta")})
    if st.button("Clear the change", key="wi_clear"):
        st.session_state.pop("wi_scenario", None)
        st.rerun()


def campaigns_section(s) -> None:
    """Scheduled campaigns, what they still reserve, and (for a manager) scheduling and cancelling."""
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
    else:  # drawn when opened, as the what-if above
        # one label whatever is scheduled: a label that changed with the campaigns closed it after each one
        box = st.expander("Schedule or cancel a campaign", key="exp_schedule", on_change="rerun")
        if "cancelled" in st.session_state:
            st.success(safe_text(st.session_state.pop("cancelled"), 500))
        if box.open:
            with box:
                schedule_form(s)
                cancel_form(s, camp, planned)


def schedule_form(s) -> None:
    """A campaign to schedule, its cost previewed before anything is recorded."""
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


def cancel_form(s, camp, planned) -> None:
    """Cancelling a scheduled campaign, after a confirmation."""
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
