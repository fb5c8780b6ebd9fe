"""The Expiry page's parts: the headline, the ways of going on, how long the credits last, the planner's chart,
what expires when and the what-if (the scheduled campaigns: ``expiry_campaigns``). ``expiry.py`` is the page script
that lays them out."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from app_pages.charts import Drop, Trace, file_name, held_over_time
from app_pages.common import (
    W,
    cached,
    db_path,
    error_words,
    eur,
    holders_said,
    n,
    safe_text,
    static_table,
    t,
    tn,
)
from credits_core import CreditsError
from credits_core.exports import frame_to_xlsx
from credits_core.ledger import POOL, ROME, packages, rome_today
from credits_core.planning import (
    Scenario,
    check_scenario,
    compare,
    drops,
    last_day_to_use,
    non_expiring_sent,
    policy_note,
    smallest_package,
)
from credits_core.reporting import WAY_COLOURS


def long_day(d) -> str:
    """A day in full, in the reader's language: 10 February 2027 / 10 febbraio 2027."""
    return W().day(d)


def rome_day(at: pd.Timestamp):
    return at.tz_convert(ROME).date()


def euros(value: Decimal | None) -> str:
    return t("no price") if value is None else eur(value)


def months_on(m: float, start=None):
    """The day ``m`` months of the pace after ``start`` (today)."""
    return (start or rome_today()) + timedelta(days=round(m * 30.44))


def lists_in_words(s, campaigns, assigned: dict) -> str:
    """For a table cell (the table escapes it): each list's name as it is."""
    return "; ".join(t("{name} {credits} (from its spending limit)", name=s.list_name(lid)[:60], credits=int(c))
                     if lid in assigned else
                     t("{name} {credits} (from the unassigned pool)", name=s.list_name(lid)[:60], credits=int(c))
                     for lid, _, c in sorted(campaigns, key=lambda x: -x[2]))


def ways_words() -> dict[str, str]:
    """The ways' names, in the reader's language."""
    return {"nothing": t("As things stand (your pace)"), "idle": t("If nothing more is spent"),
            "buy": t("Buy before each deadline"), "spend": t("Spend them first"), "whatif": t("With your change")}


def headline(nx) -> None:
    """The next deadline, in credits and euros, and what the pace loses of it."""
    if nx is None:
        st.success(t("No credit held expires: nothing is at risk."))
    else:
        at = nx.at.tz_convert(ROME)
        with st.container(horizontal=True, wrap=True):
            st.metric(t("Last day to use them"), W().day_short(nx.last_day),
                      help=t("They expire at 00:00 Rome the day after"), width=190)
            st.metric(t("Expiring then"), n(nx.held), delta=euros(nx.held_eur), delta_color="off", delta_arrow="off",
                      width=170)
            st.metric(t("Lost at your pace"), n(nx.lost), delta=euros(nx.lost_eur), delta_color="off",
                      delta_arrow="off", width=170)
            st.metric(t("Days left"), n(nx.days), width=130)
        if not nx.lost:
            lost = t("at your pace you use all of them by then.")
        elif nx.lost == nx.held:
            lost = t("at your pace none of them is used by then (the platform spends non-expiring credits first), so "
                     "all {lost} would be lost.", lost=nx.lost)
        else:
            lost = t("at your pace you use {used} of them by then, and {lost} ({euros}) would be lost.",
                     used=nx.held - nx.lost, lost=nx.lost, euros=eur(nx.lost_eur))
        (st.warning if nx.lost else st.info)(
            tn("{credits} credits ({euros}) expire at 00:00 on {day} (Rome): {last} is the last day to use them, in "
               "{count} day; {lost}", "{credits} credits ({euros}) expire at 00:00 on {day} (Rome): {last} is the last "
               "day to use them, in {count} days; {lost}", nx.days, credits=nx.held, euros=eur(nx.held_eur),
               day=long_day(at.date()), last=long_day(nx.last_day), lost=lost)
            + (" " + t("Some of these credits were bought without a price: the euros count only the others.")
               if nx.unpriced else ""))


def ways(s, pl) -> None:
    """What you can do: the ways of going on side by side, each to the last expiry of every credit any of them holds."""
    d, base = pl.decision, pl.decision.nothing.preview
    if d.deadline is None:
        return
    st.subheader(t("What you can do"))
    end = pl.end.astimezone(ZoneInfo(ROME)).date() if pl.end else None
    st.caption(t("Each way is followed to {day}, the last expiry of every credit any of them holds, at your pace "
                 "(each list's average daily spend of the last 90 days, working days and weekends apart, plus the "
                 "scheduled campaigns; a list that runs dry stops). Euros are the credits' purchase price.",
                 day=long_day(end)))
    pkg, price, _ = smallest_package()
    assigned = base.end_state.assigned if base.end_state is not None else {}
    said_ways = ways_words()
    if d.buy.purchases:
        buy_asks = t("Buy {package} ({price}) on {days}.", package=pkg, price=eur(price),
                     days=t(" and on ").join(long_day(day) for _, day in d.buy.purchases))
    elif d.buy.stopped == "too_late":
        buy_asks = t("Too late: the credits expire tonight.")
    elif d.buy.stopped == "keeps_nothing":
        buy_asks = (t("Nothing to buy: a package would move these credits two years on, but your pace spends the "
                      "{credits} non-expiring credits first (until about {month}), so they would expire unused then, "
                      "with the package's own.", credits=pl.non_expiring_now,
                      month=W().month_long(months_on(pl.non_expiring_now / pl.monthly))) if pl.monthly else
                    t("Nothing to buy: a package would move these credits two years on, but your pace spends the "
                      "{credits} non-expiring credits first, so they would expire unused then, with the package's "
                      "own.", credits=pl.non_expiring_now))
    else:
        buy_asks = t("Nothing to buy: a package ({price}) would keep credits worth less than it costs.",
                     price=eur(price))
    extra = sum(c for _, _, c in d.spend.campaigns)
    where = lists_in_words(s, d.spend.campaigns, assigned)
    if not extra:
        spend_asks = t("Nothing to send.")
    elif non_expiring_sent(d):
        spend_asks = t("Send {credits} credits on top of your pace by {day} ({first} of them non-expiring: the "
                       "platform spends those first): {where}.", credits=extra, day=long_day(d.last_day),
                       first=non_expiring_sent(d), where=where)
    else:
        spend_asks = t("Send {credits} credits on top of your pace by {day}: {where}.", credits=extra,
                       day=long_day(d.last_day), where=where)
    rows = []
    for o, label, asks in ((d.nothing, said_ways["nothing"], t("Keep sending as you do.")),
                           (d.buy, t("Buy {package} before each deadline", package=pkg), buy_asks),
                           (d.spend, said_ways["spend"], spend_asks)):
        rows.append({"way": label, "cost": o.cost_eur, "lost": o.lost, "lost_eur": o.lost_eur,
                     "kept": d.nothing.lost - o.lost, "kept_eur": d.nothing.lost_eur - o.lost_eur,
                     "net": d.nothing.lost_eur - o.lost_eur - o.cost_eur, "asks": asks})
    static_table(pd.DataFrame(rows), {
        "way": (t("Way"), "text"), "cost": (t("Packages cost"), "eur"), "lost": (t("Credits lost"), "int"),
        "lost_eur": (t("Lost (€)"), "eur"), "kept": (t("Kept vs as things stand"), "int"),
        "kept_eur": (t("Kept (€)"), "eur"), "net": (t("Kept less cost (€)"), "eur"),
        "asks": (t("What it asks"), "note")})


def lifespan(s, pl) -> None:
    """How long the credits last, expiries counted, and when each bucket runs out at its pace."""
    life, base = pl.lifespan, pl.decision.nothing.preview
    if life.held:
        used = (t("At your pace, of the {held} credits held now, {spent} are spent, {expired} expire unused",
                  held=life.held, spent=life.spent, expired=life.expired) if life.expired else
                t("At your pace, of the {held} credits held now, {spent} are spent", held=life.held,
                  spent=life.spent))
        if life.until is not None:
            text = t("{used}: the account holds nothing from {day}.", used=used, day=long_day(life.until))
        elif life.left and life.months_left is not None:
            until = months_on(life.months_left, life.horizon)
            text = t("{used} by {day}; the other {left} never expire and last until about {month} at that pace.",
                     used=used, day=long_day(life.horizon), left=life.left, month=W().month_long(until))
        elif pl.monthly:
            text = t("{used} by {day}; {left} are still held then.", used=used, day=long_day(life.horizon),
                     left=life.left)
        else:
            text = t("{used} by {day}; {left} are still held then (nothing was spent in the last 90 days).", used=used,
                     day=long_day(life.horizon), left=life.left)
        st.markdown("**" + t("How long the credits last") + "**")
        st.text(text)
    for bucket, day in sorted(base.run_out.items(), key=lambda kv: kv[1]):
        st.caption(t("The unassigned pool runs out on {day} at its pace.", day=long_day(day)) if bucket is POOL else
                   t("List {name} runs out on {day} at its pace.", name=safe_text(s.list_name(bucket), 60),
                     day=long_day(day)))


def chart(pl) -> None:
    """The credits (or euros) held to the last expiry: one line per way and for the change, a drop at each expiry."""
    d, base = pl.decision, pl.decision.nothing.preview
    st.subheader(t("Credits held, to the last expiry"))
    said_ways = ways_words()
    unit = st.segmented_control(t("Show"), ["credits", "euros"], default="credits", key="exp_unit",
                                format_func=lambda u: t(u)) or "credits"
    traces = [Trace("nothing", said_ways["nothing"], WAY_COLOURS["nothing"]),
              Trace("idle", said_ways["idle"], WAY_COLOURS["idle"], "dot")]
    if d.buy.purchases:  # a way that changes nothing would hide the line it lies on
        traces.append(Trace("buy", t("Buy {package} before each deadline", package=smallest_package()[0]),
                            WAY_COLOURS["buy"]))
    if d.spend.campaigns:
        traces.append(Trace("spend", said_ways["spend"], WAY_COLOURS["spend"], "dash"))
    if pl.change is not None:
        traces.append(Trace("whatif", said_ways["whatif"], WAY_COLOURS["whatif"]))
    marks = [Drop(at, c, int(e * 100)) for at, c, e in drops(base)]
    held_over_time(pl.path, traces, marks, "credits" if unit == "credits" else "eur",
                   file_name("credits-held", Path(db_path()).stem, rome_today().isoformat()), key="exp_chart",
                   w=W())
    st.caption(t("A click on a line's name hides it, a double click shows it alone; drag the bar under the dates to "
                 "zoom. The dotted lines mark the expiries as things stand."))


def expiry_tables(s, pl) -> None:
    """What expires when, who loses what, and (when opened) what the other consumption order would lose."""
    st.subheader(t("What expires when"))
    static_table(pl.plan, {"expires_at_rome": (t("Expires at (Rome)"), "minute"),
                           "if_nothing_spent": (t("If nothing more is spent"), "int"),
                           "at_current_pace": (t("At your pace"), "int")})
    idle = pl.idle.preview
    if not idle.expiries.empty:
        who = idle.expiries.assign(
            expires_at=idle.expiries["expires_at"].dt.tz_convert(ROME).dt.tz_localize(None),
            holder=holders_said(s.holder_name(h) for h in idle.expiries["holder"]))
        st.markdown("**" + t("Who loses what (if nothing more is spent)") + "**")
        static_table(who, {"expires_at": (t("Expires at (Rome)"), "minute"), "holder": (t("Who loses"), "text"),
                           "credits": (t("Credits"), "int")})
        st.download_button(t("Download {name}", name="expiry.xlsx"),
                           frame_to_xlsx(who, t("Expiry"), {"expires_at": "datetime", "credits": "int"}, W()),
                           "expiry.xlsx")

    # the other order replays the whole history again (1.7 s at 10M messages): computed when someone opens it
    other = st.expander(t("What would the other consumption order lose?"), key="exp_policy", on_change="rerun")
    if other.open:
        with other:
            note = cached(policy_note)()
            st.caption(W().say(note) if note else t("The platform spends expiring credits first already."))


def whatif_form(s) -> None:
    """A change to compare with things as they stand (a purchase, a limit, an extra campaign); nothing is recorded."""
    st.subheader(t("What if ..."))
    st.caption(t("A change is compared with things as they stand to the last expiry of every credit either way holds, "
                 "in credits and euros. Nothing is recorded."))
    # its widgets are drawn when it is opened: they were a sixth of the page's first load in a browser (bench/README)
    st.session_state.setdefault("exp_whatif", "wi_scenario" in st.session_state)
    box = st.expander(t("Compare a change: a package bought, a spending limit, an extra campaign"), key="exp_whatif",
                      on_change="rerun")
    if not box.open:
        return
    none = t("(none)")
    day_format = "DD/MM/YYYY" if W().lang == "it" else "YYYY/MM/DD"
    with box, st.form("whatif"):
        c1, c2 = st.columns(2)
        buy = c1.selectbox(t("Buy a package"), ["(none)"] + list(packages()["package"]), key="wi_pkg",
                           format_func=lambda x: none if x == "(none)" else x)
        buy_day = c1.date_input(t("on (Rome date)"), value=rome_today(), min_value=rome_today(), key="wi_day",
                                format=day_format)
        limit_list = c1.selectbox(t("Set the limit of list"), ["(none)"] + s.list_ids, key="wi_limit_list",
                                  format_func=lambda x: none if x == "(none)" else s.list_name(x))
        limit = c1.number_input(t("to credits"), min_value=0, value=0, step=100, key="wi_limit")
        camp_list = c2.selectbox(t("Plan an extra campaign on list"), ["(none)"] + s.list_ids, key="wi_list",
                                 format_func=lambda x: none if x == "(none)" else s.list_name(x))
        camp_credits = c2.number_input(t("of credits"), min_value=0, value=0, step=100, key="wi_credits")
        camp_day = c2.date_input(t("on"), value=rome_today() + timedelta(days=14), min_value=rome_today(),
                                 key="wi_cday", format=day_format)
        run = st.form_submit_button(t("Compare with things as they stand"))
    if run:
        new = Scenario(
            "what-if",
            purchases=((buy, buy_day),) if buy != "(none)" else (),
            limits=((limit_list, int(limit)),) if limit_list != "(none)" else (),
            campaigns=((camp_list, camp_day, int(camp_credits)),) if camp_list != "(none)" and camp_credits else (),
        )
        if not (new.purchases or new.limits or new.campaigns):
            st.info(t("Choose a package, a limit or a campaign to compare."))
            st.session_state.pop("wi_scenario", None)
        else:
            try:
                st.session_state["wi_notes"] = check_scenario(s, new)
                st.session_state["wi_scenario"] = new
                st.rerun()  # the chart above draws the change too
            except CreditsError as exc:
                st.error(safe_text(error_words(exc), 2000))


def whatif_result(s, pl) -> None:
    """The change compared with things as they stand, in credits and euros, with why it keeps what it keeps."""
    w = pl.change
    if w is None:
        return
    for note in st.session_state.get("wi_notes", []):
        st.info(safe_text(W().say(note), 2000))
    until = long_day(pl.end.astimezone(ZoneInfo(ROME)).date()) if pl.end else t("the end")
    with st.container(horizontal=True, wrap=True):
        st.metric(t("Lost as things stand"), n(w.before.lost), delta=eur(w.before.lost_eur), delta_color="off",
                  delta_arrow="off", width=190)
        st.metric(t("Lost with the change"), n(w.after.lost), delta=eur(w.after.lost_eur), delta_color="off",
                  delta_arrow="off", width=190)
        st.metric(t("Package cost"), eur(w.after.cost_eur) if w.after.cost_eur else "—", width=150)
        st.metric(t("Kept less cost"), eur(w.kept_eur - w.after.cost_eur), width=170,
                  help=t("The euros of the credits no longer lost, less what the packages cost"))
    for line in change_sentences(s, pl, until):
        st.text(line)
    cmp = compare(w.before.preview, w.after.preview)
    shown = cmp.assign(holder=holders_said(s.holder_name(h) for h in cmp["holder"]),
                       expires_on=[long_day(x) for x in cmp["expires_on"]])
    static_table(shown, {"expires_on": (t("Expires on (Rome)"), "text"), "holder": (t("Who"), "text"),
                         "lost today": (t("Lost as things stand"), "int"),
                         "lost with this change": (t("Lost with the change"), "int"),
                         "difference": (t("Difference"), "delta")})
    if st.button(t("Clear the change"), key="wi_clear"):
        st.session_state.pop("wi_scenario", None)
        st.rerun()


def change_sentences(s, pl, until: str) -> list[str]:
    """Why the change keeps what it keeps: the totals, where postponed credits go, and each reason in words."""
    w = pl.change
    both = dict(until=until, before=w.before.lost, before_eur=eur(w.before.lost_eur), after=w.after.lost,
                after_eur=eur(w.after.lost_eur))
    if w.kept > 0:
        said = [t("Up to {until}: {before} credits ({before_eur}) are lost as things stand, {after} ({after_eur}) "
                  "with this change: {kept} fewer.", kept=w.kept, **both)]
    elif w.kept < 0:
        said = [t("Up to {until}: {before} credits ({before_eur}) are lost as things stand, {after} ({after_eur}) "
                  "with this change: {more} more.", more=-w.kept, **both)]
    else:
        said = [t("Up to {until}: {before} credits ({before_eur}) are lost as things stand, {after} ({after_eur}) "
                  "with this change: the same.", **both)]
    if w.postponed and w.first_deadline is not None:
        later = w.after.preview.expiries
        later = later[later["expires_at"] > w.first_deadline]["expires_at"]
        moved = dict(credits=w.postponed, day=long_day(rome_day(w.first_deadline)))
        if len(later) and w.kept <= 0:
            said.append(t("{credits} credits no longer expire on {day}: they move to {later}, where your pace still "
                          "does not reach them.", later=long_day(rome_day(later.min())), **moved))
        elif len(later):
            said.append(t("{credits} credits no longer expire on {day}: they move to {later}.",
                          later=long_day(rome_day(later.min())), **moved))
        else:
            said.append(t("{credits} credits no longer expire on {day}: they move.", **moved))
    if "too_late" in w.reasons:
        said.append(t("The purchase comes after the credits expire on {day}: it cannot postpone them (buy on {last} "
                      "at the latest).", day=long_day(rome_day(w.first_deadline)),
                      last=long_day(last_day_to_use(w.first_deadline))))
    if "pool_first" in w.reasons:
        said.append(t("A limit only moves credits between the pool and a list: an expiry takes the whole amount "
                      "anyway, from the pool first, so the account loses as much."))
    if "non_expiring_first" in w.reasons:
        said.append(t("The campaign is paid from the {credits} non-expiring credits first (the platform spends those "
                      "first), so it does not reach the credits that expire.", credits=pl.non_expiring_now))
    for lid, at_utc, c in w.after.preview.unpaid:
        said.append(t("A campaign of {credits} credits on {name} on {day} is not sent: its bucket cannot pay it then.",
                      credits=int(c), name=safe_text(s.list_name(lid), 60),
                      day=long_day(at_utc.astimezone(ZoneInfo(ROME)).date())))
    return said
