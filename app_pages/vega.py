"""The Vega-Lite charts of the Overview and the Usage report: one colour per list, the legend below, and links that
save a chart as SVG or PNG (Streamlit hides Vega's own menu)."""

from __future__ import annotations

import re
from html import escape

import altair as alt
import streamlit as st

from app_pages.text import W, safe_label, t
from credits_core.language import chart_locale
from credits_core.reporting import POOL_COLOUR, list_colour


def list_colours(s) -> dict[str, str]:
    """One colour per list, fixed by the list's place among all lists (not among those a filter shows), keyed by the
    label a chart shows; the unassigned pool in grey. The same list has the same colour on every page and filter."""
    colours = {safe_label(s.list_name(lid)): list_colour(i) for i, lid in enumerate(s.list_ids)}
    colours[safe_label(t("Unassigned pool"))] = POOL_COLOUR
    return colours


def colour_scale(s, labels) -> alt.Scale:
    """A chart's colour scale for these holder labels (``safe_label`` of list names, the pool), in their order, in
    the colours of ``list_colours``: the same list has the same colour on every chart."""
    colours = list_colours(s)
    labels = list(dict.fromkeys(labels))
    return alt.Scale(domain=labels, range=[colours.get(x, POOL_COLOUR) for x in labels])


# a chart's legend under it, in columns: at 800 px it no longer takes half the chart's width
LEGEND_BELOW = alt.Legend(orient="bottom", direction="horizontal", columns=3, labelLimit=170, symbolLimit=0,
                          title=None)


def draw_chart(chart, file_name: str = "chart", **kwargs) -> None:
    """A Vega-Lite chart 380 px high across the page, drawn as SVG (every mark an element the browser tests and
    screen readers can find), with links that save it as SVG or PNG named ``file_name`` (the view's name; the
    toolbar's own "Download as PNG" names its file after the time, and Streamlit turns Vega's export menu off)."""
    chart = chart.properties(height=380, usermeta={"embedOptions": {"renderer": "svg"}})
    if W().lang != "en":  # axes, tooltips and legends in the reader's months and number marks (lug 2026, 1.234)
        chart = chart.configure(locale=chart_locale(W().lang))
    st.altair_chart(chart, width="stretch", **kwargs)
    name = re.sub(r"[^A-Za-z0-9.\-]+", "-", file_name)[:120] or "chart"
    st.html(CHART_SAVE.replace("{name}", escape(name)).replace("{save}", escape(t("Save the chart:"))),
            unsafe_allow_javascript=True)


# a fixed script (nothing from data or the URL in it; the name is an attribute of letters, digits, dots and dashes):
# the links save the chart just above them, the SVG the page draws, as SVG or as a PNG drawn from it
CHART_SAVE = """<style>.cs {font-size: 0.8rem; color: rgba(49, 51, 63, 0.7); margin-top: -0.5rem;}
.cs a {color: inherit; margin-right: 0.8rem; cursor: pointer;}</style>
<div class="cs" data-name="{name}">{save} <a data-kind="svg" role="button">SVG</a><a data-kind="png"
role="button">PNG</a></div>
<script>
(() => {
  const boxes = [...document.querySelectorAll('div.cs[data-name]')].filter(b => !b.dataset.ready);
  for (const box of boxes) {
    box.dataset.ready = "1";
    const chart = () => [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg.marks')]
      .filter(s => s.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING).pop();
    const save = (href, ext) => {
      const a = document.createElement('a');
      a.href = href; a.download = box.dataset.name + '.' + ext; document.body.appendChild(a); a.click(); a.remove();
    };
    box.querySelectorAll('a[data-kind]').forEach(link => link.addEventListener('click', () => {
      const svg = chart();
      if (!svg) return;
      const copy = svg.cloneNode(true);
      copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
      const text = new XMLSerializer().serializeToString(copy);
      const url = URL.createObjectURL(new Blob([text], {type: 'image/svg+xml'}));
      if (link.dataset.kind === 'svg') { save(url, 'svg'); return; }
      const img = new Image();
      img.onload = () => {
        const c = document.createElement('canvas'), k = 2, r = svg.getBoundingClientRect();
        c.width = r.width * k; c.height = r.height * k;
        const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
        g.drawImage(img, 0, 0, c.width, c.height);
        save(c.toDataURL('image/png'), 'png');
      };
      img.src = url;
    }));
  }
})();
</script>"""
