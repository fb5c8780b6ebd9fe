"""The one helper that draws the expiry planner's chart with Plotly (the Expiry page only: Plotly's script loads in a
tab the first time a Plotly chart is drawn there, about 1.5 s of a 2-core machine's main thread, so the everyday
charts of the Overview and Usage pages stay Vega-Lite: README, Charts).

Every text the chart shows is ours (dates, numbers, the ways' names): no list name or other text from the data goes
into a Plotly label, which reads a subset of HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from credits_core.language import Words, words
from credits_core.ledger import ROME


@dataclass(frozen=True)
class Trace:
    key: str  # the path's key (nothing, idle, buy, spend, whatif)
    label: str  # the legend's words
    colour: str
    dash: str = "solid"


@dataclass(frozen=True)
class Drop:
    """An expiry marked on the chart: when (UTC) and the credits (and cents) lost there."""

    at: pd.Timestamp
    credits: int
    cents: int


def file_name(*parts: str) -> str:
    """A download's name from words: letters, digits and dashes only."""
    words = "-".join(p for p in parts if p)
    return re.sub(r"[^A-Za-z0-9]+", "-", words).strip("-").lower()[:120] or "chart"


def held_over_time(path: pd.DataFrame, traces: list[Trace], drops: list[Drop], unit: str, png_name: str,
                   key: str, w: Words | None = None) -> go.Figure:
    """Credits (``unit`` "credits") or euros ("eur") held from now to the end of ``path`` (key, at UTC, total,
    eur_cents), one line per trace, a vertical drop at each expiry; ``drops`` marked with their date and loss; a
    range slider under the dates (drag its ends to zoom); one hover for every line at a date; the legend under
    the chart (a click hides a line, a double click shows it alone); the camera saves ``png_name``.png. Words,
    number marks and dates in ``w``'s language (Plotly's own month names are English, so its axis and hover show
    dates as numbers in Italian: 10/02/2027)."""
    w = w or words()
    it = w.lang != "en"
    credits_word = w.t("credits")
    fig = go.Figure()
    for t in traces:
        p = path[path["key"] == t.key]
        if p.empty:
            continue
        at = p["at"].dt.tz_convert(ROME).dt.tz_localize(None)
        credits, euros = p["total"].to_numpy(), p["eur_cents"].to_numpy() / 100
        y, other = (credits, euros) if unit == "credits" else (euros, credits)
        if it:  # 1.234 crediti (12,50 €): the separators below turn Plotly's marks the Italian way
            hover = ("%{y:,.0f} " + credits_word + " (%{customdata:,.2f} €)" if unit == "credits"
                     else "%{y:,.2f} € (%{customdata:,.0f} " + credits_word + ")")
        else:
            hover = ("%{y:,.0f} credits (€%{customdata:,.2f})" if unit == "credits"
                     else "€%{y:,.2f} (%{customdata:,.0f} credits)")
        fig.add_trace(go.Scatter(x=at, y=y, customdata=other, name=t.label, legendgroup=t.key, mode="lines",
                                 line={"color": t.colour, "dash": t.dash, "width": 2.5 if t.key == "nothing" else 2},
                                 hovertemplate=hover + "<extra>%{fullData.name}</extra>"))
    top = 0.0
    for tr in fig.data:
        top = max(top, float(max(tr.y, default=0)))
    for d in drops:
        x = d.at.tz_convert(ROME).tz_localize(None)
        lost = (w.t("{credits} credits", credits=d.credits) if unit == "credits" else
                w.money(d.cents / 100))
        fig.add_vline(x=x, line={"color": "#888888", "dash": "dot", "width": 1})
        fig.add_annotation(x=x, y=1, yref="paper", yanchor="bottom", showarrow=False, align="left", xanchor="left",
                           text=w.t("{day}: {lost} lost", day=w.day_short(x), lost=lost), font={"size": 11})
    fig.update_layout(
        height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10}, hovermode="x unified",
        legend={"orientation": "h", "yanchor": "top", "y": -0.32, "xanchor": "left", "x": 0},
        yaxis={"title": w.t("credits held") if unit == "credits" else w.t("value held (€)"), "rangemode": "tozero",
               "tickformat": ",.0f", "tickprefix": "" if unit == "credits" or it else "€",
               "ticksuffix": " €" if unit != "credits" and it else "", "range": [0, top * 1.08 or 1]},
        xaxis={"rangeslider": {"visible": True, "thickness": 0.08},
               "hoverformat": "%d/%m/%Y" if it else "%d %b %Y", "tickformat": "%m/%Y" if it else "%b %Y"},
        separators=",." if it else ".,",
    )
    st.plotly_chart(fig, key=key, width="stretch", config={
        "displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "toImageButtonOptions": {"format": "png", "filename": png_name, "scale": 2}})
    return fig
