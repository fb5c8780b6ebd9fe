"""The product in Italian and English (issue 35): catalogs complete and consistent, formats from CLDR, the engine's
sentences as facts, every page with ?lang=it free of English, the workbook in Italian cell by cell."""

from __future__ import annotations

import pickle
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from credits_core import CreditStore
from credits_core.language import Said, Words, chart_locale, pick, placeholders, said, said_n, words
from credits_core.language.catalogs import extracted, mismatched, missing
from credits_core.reporting import ReportFilter, describe

from .conftest import demo_store

# words of the app's English that Italian never uses (Italian shares "in", "a", "non", "come", ...): any of them in a
# page's text in Italian is an English sentence left over
_WORDS = ("the credits spent expire expires expired lists with and of you your pool limit messages from to what is are "
          "cost period page buy purchase total available reserved lost way days month year week none not show see "
          "this that which will would can cannot here there by at as for or be been has have it its nothing every "
          "sync never yet only all each than more less before after when who").split()
# any case for the first letter, not all capitals (IT, OR), and not before an apostrophe (all', dell')
ENGLISH = re.compile(r"\b(" + "|".join(f"[{w[0].upper()}{w[0]}]{w[1:]}" for w in _WORDS) + r")\b(?!['’])")
# the names of a file's columns are the file format's, in every language (the README documents them)
FILE_COLUMNS = re.compile(r"\b(lot_id|purchased_at|credits|expiring|price_eur|list_id|message_id|sent_at)\b")


def english_in(text: str) -> list[str]:
    """English words in ``text``, but for a file's column names and a command or path in backticks."""
    return ENGLISH.findall(FILE_COLUMNS.sub("", re.sub(r"`[^`]*`|python -m credits_core [a-z-]+", "", text)))


# -- catalogs ----------------------------------------------------------------------------------------------------


def test_every_message_of_the_code_has_an_italian_translation():
    messages = extracted()
    assert len(messages) > 400  # the pages, the workbook, the engine's sentences
    assert missing("it", messages) == []


def test_the_completeness_check_fails_on_a_message_without_translation(tmp_path):
    (tmp_path / "app_pages").mkdir()
    (tmp_path / "app_pages" / "new.py").write_text('t("A sentence nobody translated yet")\n'
                                                   'tn("{count} new thing", "{count} new things", 2)\n')
    (tmp_path / "credits_core").mkdir()
    (tmp_path / "credits_core" / "x.py").write_text('said("Another, from the engine: {n}", n=1)\n')
    found = extracted(tmp_path)
    assert set(missing("it", found)) == {"A sentence nobody translated yet", "{count} new thing",
                                         "Another, from the engine: {n}"}


def test_every_translation_keeps_the_placeholders_of_its_original():
    assert mismatched("it") == []


def test_the_placeholder_check_fails_on_a_lost_or_renamed_placeholder():
    cat = Catalog(locale="it")
    cat.add("{credits} credits expire on {day}", "{crediti} crediti scadono")
    cat.add(("{count} list", "{count} lists"), ("{count} lista", "liste"))
    cat.add("Fine", "Bene")
    bad = mismatched("it", cat)
    assert len(bad) == 2 and "crediti" in bad[0] and "liste" in bad[1]
    assert placeholders("{a} and {b:,}") == {"a", "b"}


# -- formats and language choice ---------------------------------------------------------------------------------


def test_figures_and_days_are_written_as_cldr_writes_them_in_each_language():
    it, en = Words("it"), Words("en")
    assert it.number(1234567) == "1.234.567" and en.number(1234567) == "1,234,567"
    assert it.money(Decimal("1234.5")) == "1.234,50\xa0€" and en.money(Decimal("1234.5")) == "€1,234.50"
    assert it.money_fine("0.075") == "0,075\xa0€" and en.money_fine("0.05") == "€0.05"
    assert it.day(date(2027, 2, 10)) == "10 febbraio 2027" and en.day(date(2027, 2, 10)) == "10 February 2027"
    assert it.month(date(2026, 7, 1)) == "lug 2026" and en.month(date(2026, 7, 1)) == "Jul 2026"
    assert it.quarter(date(2026, 8, 1)) == "T3 2026" and it.percent(0.125) == "12,5%"
    assert it.moment(datetime(2027, 2, 10, 14, 30)) == "10 feb 2027, 14:30"
    assert describe(date(2026, 1, 1), date(2026, 3, 31), it) == "T1 2026"
    assert describe(date(2026, 11, 1), date(2026, 11, 28), it) == "1-28 nov 2026"
    loc = chart_locale("it")
    assert loc["number"]["decimal"] == "," and loc["time"]["shortMonths"][6] == "lug"


def test_plural_forms_follow_the_count():
    it = Words("it")
    assert it.tn("{count} list", "{count} lists", 1) == "1 lista"
    assert it.tn("{count} list", "{count} lists", 1200) == "1.200 liste"
    assert Words("en").tn("{count} list", "{count} lists", 1) == "1 list"


def test_the_language_is_the_link_s_then_the_choice_then_the_browser_s():
    from app_pages.text import reader_language

    assert reader_language("it", "en", "en-US") == "it"
    assert reader_language(None, "it", "en-US") == "it"
    assert reader_language(None, None, "it-IT") == "it"
    assert reader_language("xx", None, "fr-FR") == "en"  # a language we do not speak: English
    assert pick("it_IT.UTF-8") == "it" and pick("") == "en"


def test_a_sentence_of_the_engine_is_a_fact_worded_in_each_language():
    s = said("{credits} credits of this lot expired (counted in the expiry rows above)", credits=1200)
    assert isinstance(s, str) and str(s) == "1,200 credits of this lot expired (counted in the expiry rows above)"
    assert words("it").say(s) == ("1.200 crediti di questo lotto sono scaduti (contati nelle righe di scadenza qui "
                                  "sopra)")
    moved = said("{credits} credits now expire on {new} instead of {old}: the purchase moved them (no change to the "
                 "balance)", credits=5, new=date(2028, 12, 6), old=date(2027, 2, 10))
    assert words("it").say(moved).startswith("5 crediti ora scadono il 6 dicembre 2028 invece del 10 febbraio 2027")
    again = pickle.loads(pickle.dumps(s))  # answers are cached as they are
    assert isinstance(again, Said) and again.values == s.values and again == s
    n = said_n("{count} list", "{count} lists", 3)
    assert str(n) == "3 lists" and words("it").say(n) == "3 liste"
    assert words("it").say("plain text") == "plain text"
    price = said("non-expiring, price {price}", price=Decimal("1625"))
    assert str(price) == "non-expiring, price €1,625.00" and words("it").say(price) == \
        "senza scadenza, prezzo 1.625,00\xa0€"


def test_an_engine_refusal_is_worded_in_the_reader_s_language(tmp_path):
    from credits_core import CreditsError
    from credits_core.planning import LimitChange, apply_limits

    with CreditStore.open(tmp_path / "x.duckdb") as s:
        s.add_list("a", "Alpha")
        bought = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # fixed instants: the refusal is the same on any day
        s.purchase(100, bought, expiring=False)
        with pytest.raises(CreditsError) as exc:
            apply_limits(s, [LimitChange("a", 500)], bought + timedelta(days=1))
    fact = exc.value.args[0]
    assert "these limits need 500 more credits" in str(exc.value)
    assert words("it").say(fact) == ("questi limiti richiedono altri 500 crediti dai crediti non assegnati, che "
                                     "sono solo 100; non è stato scritto nulla")


# -- the workbook ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    return demo_store(tmp_path_factory.mktemp("lang"), 3_000)


def test_the_workbook_in_italian_cell_by_cell(demo_db, tmp_path):
    from credits_core.exports import write_workbook

    out = tmp_path / "it.xlsx"
    with CreditStore.open(demo_db, read_only=True) as s:
        f = ReportFilter(date(2026, 1, 1), date(2026, 12, 31), period="month")
        write_workbook(s, f, out, w=words("it"))
        write_workbook(s, f, tmp_path / "en.xlsx")
    wb, en = load_workbook(out), load_workbook(tmp_path / "en.xlsx")
    assert wb.sheetnames[:6] == ["Riepilogo", "Utilizzo", "Per lista", "Costo per periodo", "Per campagna",
                                 "Per paese"]
    assert en.sheetnames[:6] == ["Summary", "Usage", "By list", "Cost by period", "By campaign", "By country"]
    assert set(wb.sheetnames[6:]) >= {"Messaggi", "Storico", "Scadenze"}
    summary = {r[0].value: r[1].value for r in wb["Riepilogo"].iter_rows() if r[0].value}
    english = {r[0].value: r[1].value for r in en["Summary"].iter_rows() if r[0].value}
    assert summary["Periodo"] == "dal 1 gennaio 2026 al 31 dicembre 2026 (date di Roma, incluse)"
    assert summary["Raggruppato per"] == "mese" and summary["Liste"] == "tutti"
    assert summary["Crediti spesi"] == english["Credits spent"] > 0  # numbers stay numbers
    assert [c.value for c in wb["Per paese"][1]] == ["Paese", "Messaggi", "Parti", "Crediti", "Costo (EUR)",
                                                     "Crediti senza prezzo"]
    assert [c.value for c in wb["Storico"][1]][:6] == ["Quando (Roma)", "Evento", "Lotto", "Lista", "Crediti",
                                                       "Dettaglio"]
    events = {r[1].value for r in wb["Storico"].iter_rows(min_row=2)}
    assert "acquisto" in events and "purchase" not in events
    details = [r[5].value for r in wb["Storico"].iter_rows(min_row=2) if r[1].value == "acquisto"]
    assert details and all(d.startswith(("in scadenza, scade il", "senza scadenza")) for d in details)
    for ws in wb.worksheets:  # no English left in any text cell but the data's own (names, texts, ids)
        if ws.title.startswith("Messaggi"):
            continue
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.column == 1 or (ws.title in ("Riepilogo", "Storico")
                                                                  and isinstance(c.value, str)
                                                                  and c.column in (2, 6)):
                    assert english_in(c.value) == [], (ws.title, c.coordinate, c.value)


# -- the pages ---------------------------------------------------------------------------------------------------

PAGES = ["app_pages/overview.py", "app_pages/buy.py", "app_pages/assign.py", "app_pages/usage.py",
         "app_pages/expiry.py", "app_pages/imports.py", "app_pages/history.py"]


def texts_of(at: AppTest) -> list[str]:
    """Every text a page shows: titles, Markdown, captions, alerts, metrics, widget labels and options, tables."""
    out = []
    for kind in ("title", "subheader", "markdown", "caption", "text", "info", "warning", "error", "success"):
        out += [str(el.value) for el in at.get(kind)]
    for m in at.metric:
        out += [m.label, str(m.value), str(m.proto.delta), m.proto.help]
    for kind in ("selectbox", "multiselect", "button", "checkbox", "number_input", "text_input", "date_input",
                 "radio", "toggle", "expander", "tab", "text_area", "segmented_control", "pills"):
        for el in at.get(kind):
            out.append(str(getattr(el, "label", "")))
            out.append(str(getattr(getattr(el, "proto", None), "help", "") or ""))
            opts = getattr(el, "options", None)
            if opts:
                out += [str(o) for o in opts]
    for h in at.get("html"):
        body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", h.proto.body, flags=re.S)
        out.append(re.sub(r"<[^>]+>", " ", body))
    for frame in at.dataframe:  # column labels are the config's; words in cells (modes, kinds) are checked here
        df = frame.value
        out += [str(v) for col in df.columns if df[col].dtype.kind not in "iufbmM" for v in df[col].head(50)
                if v is not None and v == v]
    return [x for x in out if x not in ("", "None")]  # a help or delta not set reads None here, not on the page


def italian(monkeypatch, db, page, **params) -> AppTest:
    monkeypatch.setenv("CREDITS_DB", str(db))
    at = AppTest.from_file("../app.py", default_timeout=90)
    at.query_params["lang"] = "it"
    at.run()
    at.switch_page(page)
    at.query_params["lang"] = "it"
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


DATA_WORDS = re.compile(r"Promo weekend|Starter|Small|Medium|Large|Enterprise|Corporate|checkout|FREESHIP|"
                        r"Partner B2B", re.I)  # the demo's own names and texts


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_italian_has_no_english_sentence(monkeypatch, demo_db, page):
    at = italian(monkeypatch, demo_db, page)
    shown = texts_of(at)
    assert len(" ".join(shown)) > 300  # the page said something to check
    left = [(t[:160], english_in(DATA_WORDS.sub("", t))) for t in shown if english_in(DATA_WORDS.sub("", t))]
    assert left == [], left
    assert at.title[0].value.split(" ", 1)[1] in {"Panoramica", "Acquista crediti", "Assegna crediti",
                                                  "Report di utilizzo", "Scadenze", "Importa", "Storico"}


@pytest.mark.parametrize("params", [{"tab": "messages", "drill": "campaign"}, {"tab": "periods", "by": "week"},
                                    {"tab": "messages", "drill": "country", "from": "2026-13-01"}])
def test_the_usage_report_s_tabs_and_notices_in_italian(monkeypatch, demo_db, params):
    at = italian(monkeypatch, demo_db, "app_pages/usage.py", **params)
    shown = texts_of(at)
    left = [(t[:160], english_in(DATA_WORDS.sub("", t))) for t in shown if english_in(DATA_WORDS.sub("", t))]
    assert left == [], left
    if "from" in params:
        assert any("non è una data" in w.value for w in at.warning)


def test_the_expiry_page_s_what_if_and_scheduling_in_italian(monkeypatch, demo_db):
    at = italian(monkeypatch, demo_db, "app_pages/expiry.py")
    at.session_state["exp_whatif"] = True
    at.session_state["exp_schedule"] = True
    at.session_state["exp_policy"] = True
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="wi_pkg").select_index(1)
    at.button[[b.label for b in at.button].index("Confronta con la situazione attuale")].click()
    at.run()
    assert not at.exception, at.exception
    shown = texts_of(at)
    assert any("Persi con la modifica" in t for t in shown)
    assert any("Pianifica" == b.label for b in at.button)
    left = [(t[:160], english_in(DATA_WORDS.sub("", t))) for t in shown if english_in(DATA_WORDS.sub("", t))]
    assert left == [], left


def test_an_empty_database_in_italian(monkeypatch, tmp_path):
    at = italian(monkeypatch, tmp_path / "empty.duckdb", "app_pages/overview.py")
    assert any("Questo database è vuoto" in i.value for i in at.info)
    assert [t for t in texts_of(at) if english_in(t)] == []


# -- the CLI -----------------------------------------------------------------------------------------------------


def test_the_cli_speaks_the_language_it_is_asked_or_lang_s(demo_db, tmp_path):
    import os
    import subprocess
    import sys

    def cli(*args: str, lang: str = "C.UTF-8") -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITS_")} | {"LANG": lang}
        return subprocess.run([sys.executable, "-m", "credits_core", *args], capture_output=True, text=True,
                              env=env, timeout=120, cwd=Path(__file__).resolve().parents[1])

    help_it = cli("--lang", "it", "import", "--help").stdout
    assert help_it.startswith("uso: python -m credits_core import") and "argomenti posizionali" in help_it
    assert "cosa contiene il file" in help_it and "verifica soltanto; non scrive nulla" in help_it
    # option names, choices (it, en), metavars and the command are the CLI's, in every language
    cli_words = r"--[a-z-]+|\{[^}]*\}|[A-Z_]{3,}|python -m credits_core|\b(it|en)(?=:)"
    assert english_in(re.sub(cli_words, "", help_it)) == []
    assert cli("import", "--help").stdout.startswith("usage: ")  # C.UTF-8: English
    balance = cli("balance", "--db", str(demo_db), lang="it_IT.UTF-8").stdout  # LANG alone is enough
    assert balance.startswith("Saldo al ") and "crediti non assegnati" in balance
    assert re.search(r"totale\s+\d{1,3}(\.\d{3})+\n", balance)  # 1.234.567: the Italian grouping
    bad = tmp_path / "p.csv"
    bad.write_text("lot_id,purchased_at,credits\nL1,31/02/2026,5.000\n")
    out = cli("--lang", "it", "import", "purchases", str(bad), "--db", str(tmp_path / "x.duckdb"), "--dry-run")
    assert out.returncode == 1 and "RIFIUTATO, non è stato scritto nulla" in out.stdout
    assert "riga 2, colonna purchased_at, valore '31/02/2026'" in out.stdout
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"lot_id,purchased_at,credits\nL1,\x00,5\n")
    out = cli("--lang", "it", "import", "purchases", str(nul), "--db", str(tmp_path / "x.duckdb"), "--dry-run")
    assert out.returncode == 1 and "nul.csv contiene byte NUL: non è un file CSV di testo" in out.stdout + out.stderr


def test_a_mailup_sync_and_its_reconciliation_in_italian(monkeypatch, tmp_path, httpserver):
    """The connector's problems (a number that cannot be placed), the sync's summary, MailUp against this ledger
    and the assignments that match, in Italian: the engine's sentences are facts the page words."""
    from .test_mailup import ledger_store, serve_account

    serve_account(monkeypatch, httpserver)
    path = tmp_path / "mu.duckdb"
    with ledger_store(path):
        pass
    at = italian(monkeypatch, path, "app_pages/imports.py")
    at.button(key="mailup_sync").click().run()
    assert not at.exception, at.exception
    summary = "\n".join(t.value for t in at.text)
    assert "8 nuovi registrati" in summary and "non si può attribuire a un paese" in summary
    at.switch_page("app_pages/assign.py").run()
    assert any("Per allinearsi a MailUp: Avvisi: accesso libero -> un limite di 100" in t.value for t in at.text)
    shown = texts_of(at)
    assert any("MailUp e questo registro coincidono" in x or "in più in MailUp" in x or "in meno in MailUp" in x
               for x in shown)
    left = [(x[:160], english_in(DATA_WORDS.sub("", x))) for x in shown if english_in(DATA_WORDS.sub("", x))]
    assert left == [], left
