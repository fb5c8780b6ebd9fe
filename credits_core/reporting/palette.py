"""Colours: one per list, the same on every page and in the workbook's charts, and one per way of going on.

Twelve list colours that stay apart for readers with the common colour-vision deficiencies: Paul Tol's "muted"
scheme (nine colours chosen to be told apart by them) with three of Okabe and Ito's (blue, orange, vermilion), in an
order where neighbours differ in lightness too. A list keeps its colour by its place among all lists (never among
those a filter shows); past twelve lists the colours repeat. The unassigned pool is grey.
"""

from __future__ import annotations

LIST_COLOURS = ("#332288", "#DDCC77", "#117733", "#CC6677", "#88CCEE", "#882255", "#44AA99", "#E69F00", "#AA4499",
                "#0072B2", "#999933", "#D55E00")
POOL_COLOUR = "#9E9E9E"
# the expiry planner: things as they stand, and the ways a manager can choose
WAY_COLOURS = {"nothing": "#222222", "idle": "#777777", "buy": "#0072B2", "spend": "#009E73", "whatif": "#D55E00"}


def list_colour(index: int) -> str:
    """The colour of the list at ``index`` among all lists."""
    return LIST_COLOURS[index % len(LIST_COLOURS)]
