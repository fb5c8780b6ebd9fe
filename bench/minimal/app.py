"""The floor of any page: a title, three metrics, one small chart (bench/browser.py measures it beside ours)."""

import pandas as pd
import streamlit as st

st.title("Minimal page")
a, b, c = st.columns(3)
a.metric("One", "1,234")
b.metric("Two", "5,678")
c.metric("Three", "9,012")
st.bar_chart(pd.DataFrame({"x": list("abcdef"), "y": [3, 1, 4, 1, 5, 9]}).set_index("x"))
