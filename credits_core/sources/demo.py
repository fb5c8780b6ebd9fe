"""A realistic demo account, deterministic for a seed.

Twelve mailing lists (four with a spending limit), 30 months of history ending at ``end`` (default now):
campaign bursts on Rome working days and office hours, transactional traffic (OTP, alerts) around the clock,
destination countries weighted (mostly Italy), GSM and Unicode texts. Purchases: a non-expiring legacy lot, expiring
packages in the first months, then non-expiring top-ups. The last expiring package was bought about 22 months before
``end``; by R4 every expiring credit now expires with it, about two months after ``end``, so the expiry preview has
something to show (and, under the default policy, the non-expiring top-ups were spent first, R5).

Everything is generated with numpy in bulk and recorded with one ``record_messages`` call. The account builds for
every ``end`` instant and size: each limited list gets its credits at the very instant of the purchase it comes from
(recorded after the purchase, before any message at that instant, R9), and every list's credits cover the messages of
the window that follows with room to spare. Each recipient's number belongs to the message's country (its country
code and a mobile range of that country), so a country read from the number is the country charged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import phonenumbers

from credits_core.ledger import packages, rates, text_parts
from credits_core.store import CreditStore

LISTS = [
    # list_id, name, weight, kind, limited
    ("newsletter", "Newsletter Italia", 0.22, "campaign", False),
    ("promo-retail", "Promo negozi", 0.16, "campaign", True),
    ("promo-online", "Promo e-commerce", 0.12, "campaign", False),
    ("loyalty", "Clienti fedeltà", 0.08, "campaign", True),
    ("events", "Eventi e fiere", 0.04, "campaign", False),
    ("b2b", "Partner B2B", 0.03, "campaign", True),
    ("export-eu", "Clienti Europa", 0.05, "campaign", False),
    ("surveys", "Sondaggi", 0.02, "campaign", False),
    ("otp", "Codici OTP", 0.12, "transactional", False),
    ("alerts", "Avvisi consegna", 0.10, "transactional", True),
    ("reminders", "Promemoria appuntamenti", 0.05, "transactional", False),
    ("hr", "Comunicazioni interne", 0.01, "campaign", False),
]

CAMPAIGN_TEXTS = [
    "Saldi di fine stagione: -30% su tutto il catalogo fino a domenica. Scopri di più su negozio.example/saldi",
    "Ciao! Solo per oggi spedizione gratuita su tutti gli ordini. Usa il codice FREESHIP al checkout.",
    "Nuova collezione disponibile in negozio e online. Ti aspettiamo! Info: negozio.example",
    "Offerta speciale 🎉 per i nostri clienti: 2x1 su una selezione di prodotti. Valida fino a esaurimento scorte.",
    "Il tuo punteggio fedeltà è cresciuto: ritira il tuo buono da 10€ nel punto vendita più vicino.",
    "Invito: fiera di primavera, padiglione 4, stand 12. Registrati gratis su eventi.example/fiera e ricevi il pass.",
    "Dear customer, our summer sale starts today with up to 40% off. Shop now at shop.example/summer",
    "Aiutaci a migliorare: rispondi a 3 domande su sondaggi.example/s (2 minuti). Grazie!",
    "Promo weekend ✨ sconto del 20% sugli accessori, solo sabato e domenica. Mostra questo SMS alla cassa.",
    "Gentile cliente, la informiamo che il nuovo orario di apertura è 9:00-19:30 dal lunedì al sabato. "
    "Per appuntamenti chiami lo 02 1234567 oppure prenoti online su negozio.example/appuntamenti.",
    "Comunicazione interna: la riunione trimestrale si terrà venerdì alle 10:00 in sala conferenze.",
    "Black Friday: fino al 50% di sconto — solo 24 ore! Approfitta ora su shop.example/bf",
]
CAMPAIGN_NAMES = ["Saldi di fine stagione", "Spedizione gratuita", "Nuova collezione", "2x1 clienti",
                  "Buono fedeltà", "Fiera di primavera", "Summer sale", "Sondaggio soddisfazione", "Promo weekend",
                  "Nuovi orari", "Riunione trimestrale", "Black Friday"]
TRANSACTIONAL_TEXTS = {
    "otp": "Il tuo codice di verifica è 482913. Non condividerlo con nessuno.",
    "alerts": "Il tuo ordine è stato spedito ed arriverà entro 2 giorni lavorativi. Traccia: track.example/x",
    "reminders": "Promemoria: appuntamento domani alle 15:30. Rispondi NO per disdire.",
}
COUNTRY_WEIGHTS = {"IT": 0.86, "SM": 0.01, "FR": 0.025, "DE": 0.025, "ES": 0.02, "CH": 0.015, "GB": 0.01,
                   "AT": 0.008, "NL": 0.007, "BE": 0.005, "US": 0.005, "PL": 0.005, "RO": 0.005, "GR": 0.005,
                   "PT": 0.005}
HOLIDAYS = {(1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26)}


def _months(n: float) -> timedelta:
    return timedelta(days=30.44 * n)


def _package_for(credits: int) -> tuple[int, Decimal]:
    """The smallest number of catalogue packages' credits covering ``credits``: (credits, price)."""
    p = packages()
    big = p.iloc[-1]
    for row in p.itertuples():
        if row.credits >= credits:
            return int(row.credits), row.price_eur
    n = -(-credits // int(big["credits"]))
    return n * int(big["credits"]), n * big["price_eur"]


COLUMNS = ["message_id", "list_id", "sent_at", "credits", "country", "parts", "campaign_id", "recipient", "text"]


def mobile_numbers(countries: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A mobile number of each country, in international form (``+39312...``): the country's example mobile number
    (libphonenumber's data) with its last six digits drawn at random, which stays in that country's mobile range."""
    out = np.empty(len(countries), dtype=object)
    for country in np.unique(countries):
        example = phonenumbers.example_number_for_type(str(country), phonenumbers.PhoneNumberType.MOBILE)
        national = phonenumbers.national_significant_number(example)
        where = countries == country
        tail = pd.Series(rng.integers(0, 1_000_000, int(where.sum()))).astype(str).str.zfill(6)
        out[where] = (f"+{example.country_code}{national[:-6]}" + tail).to_numpy()
    return out


# Long: one vectorised draw per column of the demo's messages (lists, bursts, times, countries, numbers, texts); each
# line is one column.
def generate_messages(n: int, start: datetime, end: datetime, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` messages between ``start`` and ``end``, sorted by time (fewer when some fall outside: a Rome time that
    does not exist, or a burst running past ``end``)."""
    list_ids = np.array([x[0] for x in LISTS])
    weights = np.array([x[2] for x in LISTS])
    weights = weights / weights.sum()
    kinds = {x[0]: x[3] for x in LISTS}
    per_list = rng.multinomial(n, weights)

    days = pd.date_range(start.date(), end.date(), freq="D")
    working = days[(days.day_of_week < 5) & ~pd.Index([(d.month, d.day) in HOLIDAYS for d in days])]
    rates_ = rates().set_index("country")["credits_per_part"]
    countries = np.array(list(COUNTRY_WEIGHTS))
    cweights = np.array(list(COUNTRY_WEIGHTS.values()))
    cweights = cweights / cweights.sum()
    camp_parts = np.array([text_parts(t).parts for t in CAMPAIGN_TEXTS])

    frames = []
    campaign_no = 0
    for list_id, count in zip(list_ids, per_list):
        if count == 0:
            continue
        if kinds[list_id] == "transactional":
            # around the clock, busier by day
            t_days = rng.integers(0, len(days), count)
            hours = np.clip(rng.normal(13, 4.5, count), 0, 23.99)
            local = days[t_days] + pd.to_timedelta(hours * 3600, unit="s")
            text_idx = np.full(count, -1)
            campaign = np.full(count, None, dtype=object)
            parts = np.full(count, text_parts(TRANSACTIONAL_TEXTS[list_id]).parts)
            texts = np.full(count, TRANSACTIONAL_TEXTS[list_id], dtype=object)
        else:
            n_camp = max(1, count // 2500 + 1)
            sizes = rng.multinomial(count, rng.dirichlet(np.ones(n_camp) * 2))
            starts_day = working[rng.integers(0, len(working), n_camp)]
            starts = starts_day + pd.to_timedelta(rng.integers(9 * 60, 18 * 60, n_camp), unit="m")
            camp_of = np.repeat(np.arange(n_camp), sizes)
            offset_s = np.concatenate([np.sort(rng.uniform(0, max(60.0, s / 120 * 60), s)) for s in sizes])
            local = starts[camp_of] + pd.to_timedelta(offset_s, unit="s")
            text_idx = rng.integers(0, len(CAMPAIGN_TEXTS), n_camp)[camp_of]
            campaign = np.array([f"C{campaign_no + i:05d}" for i in range(n_camp)], dtype=object)[camp_of]
            campaign_no += n_camp
            parts = camp_parts[text_idx]
            texts = np.array(CAMPAIGN_TEXTS, dtype=object)[text_idx]
        country = rng.choice(countries, count, p=cweights) if list_id != "export-eu" else rng.choice(
            countries[1:], count)
        credits = parts * rates_.reindex(country).to_numpy()
        sent = pd.DatetimeIndex(local).tz_localize("Europe/Rome", ambiguous="NaT", nonexistent="shift_forward")
        frames.append(pd.DataFrame({
            "list_id": list_id, "sent_at": sent, "credits": credits.astype(np.int64), "country": country,
            "parts": parts.astype(np.int32), "campaign_id": campaign, "text": texts,
        }))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(COLUMNS, [
            "string", "string", "datetime64[us, UTC]", "int64", "string", "int32", "string", "string", "string"])})
    df = pd.concat(frames, ignore_index=True)
    df = df[df["sent_at"].notna()]
    df["sent_at"] = df["sent_at"].dt.tz_convert("UTC")
    df = df[(df["sent_at"] > pd.Timestamp(start)) & (df["sent_at"] <= pd.Timestamp(end))]
    df = df.sort_values("sent_at", kind="stable", ignore_index=True)
    df["recipient"] = mobile_numbers(df["country"].to_numpy(), rng)
    df["message_id"] = "M" + pd.Series(np.arange(1, len(df) + 1)).astype(str).str.zfill(9)
    df["campaign_id"] = df["campaign_id"].astype("string")
    return df[COLUMNS]


def build_demo(store: CreditStore, messages: int = 200_000, seed: int = 7, end: datetime | None = None) -> dict:
    """Fill an empty store with the demo account. Returns a small summary."""
    if store.message_count or store.controls:
        raise ValueError(f"the demo needs an empty database; {store.path} already holds data")
    rng = np.random.default_rng(seed)
    end = (end or datetime.now(UTC)).replace(microsecond=0)
    start = end - _months(30)
    msgs = generate_messages(messages, start, end, rng)

    for list_id, name, *_ in LISTS:
        store.add_list(list_id, name)
    limited = [x[0] for x in LISTS if x[4]]

    # purchase instants: expiring packages first, non-expiring top-ups after (see the module docstring)
    plan = [(0.0, True), (3.0, True), (6.0, True), (8.2, True), (14.0, False), (20.0, False), (25.0, False),
            (28.5, False)]
    times = [start + _months(m) for m, _ in plan] + [end + timedelta(days=1)]
    t_sent = msgs["sent_at"]
    legacy = int(msgs["credits"].sum() * 0.04) + 500
    # credits carried over from the previous platform: their price is not known (valued apart, never as free)
    store.purchase(legacy, start - timedelta(days=20), expiring=False, price=None, lot_id="LEGACY")
    # Each window (times[i], times[i + 1]] is paid by the purchase at times[i] and the assignments made at that same
    # instant (recorded after it, R9): a message can never fall between a purchase and the limits it funds.
    for i, (_, expiring) in enumerate(plan):
        window = msgs[(t_sent > pd.Timestamp(times[i])) & (t_sent <= pd.Timestamp(times[i + 1]))]
        need = int(window["credits"].sum())
        surplus = 1.6 if i == 3 else 1.3  # the last expiring package leaves credits to expire
        credits, price = _package_for(int(need * surplus) + 1000)
        lot_id = f"P{times[i]:%Y%m}"
        store.purchase(credits, times[i], expiring=expiring, price=price, lot_id=lot_id)
        by_list = window.groupby("list_id")["credits"].sum()
        for list_id in limited:
            store.assign(list_id, int(by_list.get(list_id, 0) * 1.2) + 20, times[i])
        if i == 2:  # one list moved from a spending limit back to free access along the way, at times[4]
            both = msgs[(t_sent > pd.Timestamp(times[2])) & (t_sent <= pd.Timestamp(times[4]))]
            store.assign("events", int(both.loc[both["list_id"] == "events", "credits"].sum() * 1.2) + 20, times[2])
        if i == 4:
            store.set_shared("events", times[4])

    stored = store.record_messages(msgs)
    if len(msgs):
        store.describe_campaigns(campaign_catalogue(msgs))
    return {"messages": stored, "lists": len(LISTS), "lots": len(store.lots(end)), "from": start, "to": end}


def campaign_catalogue(msgs: pd.DataFrame) -> pd.DataFrame:
    """The demo campaigns named as a marketing team would: the offer and the day it went out."""
    named = dict(zip(CAMPAIGN_TEXTS, CAMPAIGN_NAMES))
    first = msgs.dropna(subset=["campaign_id"]).groupby("campaign_id", sort=True).agg(
        list_id=("list_id", "first"), sent_at=("sent_at", "min"), text=("text", "first")).reset_index()
    local = first["sent_at"].dt.tz_convert("Europe/Rome")
    first["name"] = [f"{named.get(t, 'Campagna')} {d:%d/%m/%Y}" for t, d in zip(first["text"], local)]
    return first[["campaign_id", "name", "list_id", "sent_at", "text"]]
