"""The floor of a page with a Plotly chart: a title, three metrics, one small Plotly line chart (bench/browser.py
measures the Expiry page, the one page with a Plotly chart, beside it)."""

import plotly.graph_objects as go
import streamlit as st

st.title("Minimal Plotly page")
a, b, c = st.columns(3)
a.metric("One", "1,234")
b.metric("Two", "5,678")
c.metric("Three", "9,012")
st.plotly_chart(go.Figure(go.Scatter(x=list("abcdef"), y=[3, 1, 4, 1, 5, 9], mode="lines")), width="stretch")
