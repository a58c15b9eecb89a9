"""Altair charts of the dashboard: pure functions from DataFrames to charts."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

MOVEMENT_ORDER = ["new", "reactivation", "expansion", "contraction", "churn"]
MOVEMENT_COLORS = {
    "opening MRR": "#4c78a8",
    "new": "#54a24b",
    "reactivation": "#88d27a",
    "expansion": "#2ca02c",
    "contraction": "#f58518",
    "churn": "#e45756",
    "closing MRR": "#4c78a8",
}

SEGMENT_COLORS = {
    "orchestrator": "#7b3294",
    "builder": "#4c78a8",
    "validator": "#f58518",
    "inactive": "#bab0ac",
}


def _color_scale(colors: dict[str, str] | None) -> Any:
    return alt.Scale(domain=list(colors), range=list(colors.values())) if colors else alt.Undefined


def stacked_bars(
    frame: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    x_title: str,
    y_title: str,
    colors: dict[str, str] | None = None,
) -> alt.Chart:
    """Monthly stacked bars (x a month), one color per category (fixed colors if given)."""
    scale = alt.Scale(domain=list(colors), range=list(colors.values())) if colors else alt.Undefined
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"yearmonth({x}):T", title=x_title),
            y=alt.Y(f"sum({y}):Q", title=y_title),
            color=alt.Color(f"{color}:N", title=color.replace("_", " "), scale=scale),
            tooltip=[
                alt.Tooltip(f"yearmonth({x}):T", title=x_title),
                alt.Tooltip(f"{color}:N"),
                alt.Tooltip(f"sum({y}):Q", title=y_title, format=",.2f"),
            ],
        )
    )


def waterfall_steps(opening: float, movements: pd.DataFrame, closing: float) -> pd.DataFrame:
    """The bars of an MRR waterfall: opening, each movement type in order, closing.

    `movements` has columns movement_type and amount. Each step floats from the running
    total before it to the total after it.
    """
    amounts = dict(zip(movements["movement_type"], movements["amount"], strict=True))
    rows = [{"step": "opening MRR", "start": 0.0, "end": float(opening), "amount": float(opening)}]
    running = float(opening)
    for movement in MOVEMENT_ORDER:
        amount = float(amounts.get(movement, 0.0))
        rows.append({"step": movement, "start": running, "end": running + amount, "amount": amount})
        running += amount
    rows.append(
        {"step": "closing MRR", "start": 0.0, "end": float(closing), "amount": float(closing)}
    )
    return pd.DataFrame(rows)


def waterfall(steps: pd.DataFrame, y_title: str) -> alt.Chart:
    order = list(steps["step"])
    return (
        alt.Chart(steps)
        .mark_bar()
        .encode(
            x=alt.X(
                "step:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30, labelOverlap=False)
            ),
            y=alt.Y("start:Q", title=y_title),
            y2="end:Q",
            color=alt.Color(
                "step:N",
                scale=alt.Scale(domain=list(MOVEMENT_COLORS), range=list(MOVEMENT_COLORS.values())),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("step:N"),
                alt.Tooltip("amount:Q", format=",.2f"),
                alt.Tooltip("end:Q", title="running MRR", format=",.2f"),
            ],
        )
    )


def lines(
    frame: pd.DataFrame, x: str, series: str, value: str, title: str, value_format: str = ",.2f"
) -> alt.Chart:
    """Values over months as lines, one per series."""
    axis_format = "%" if value_format.endswith("%") else ",.0f"
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"yearmonth({x}):T", title="month"),
            y=alt.Y(
                f"{value}:Q",
                title=title,
                axis=alt.Axis(format=axis_format),
                scale=alt.Scale(zero=False),
            ),
            color=alt.Color(f"{series}:N", title=None),
            tooltip=[
                alt.Tooltip(f"yearmonth({x}):T", title="month"),
                alt.Tooltip(f"{series}:N"),
                alt.Tooltip(f"{value}:Q", format=value_format),
            ],
        )
    )


def ratio_lines(frame: pd.DataFrame, x: str, series: str, value: str, title: str) -> alt.Chart:
    """Ratios over months as lines (1.05 shown as 105 %)."""
    return lines(frame, x, series, value, title, value_format=".1%")


def heatmap(frame: pd.DataFrame, row: str, column: str, value: str, title: str) -> alt.Chart:
    """A cohort heatmap: cohorts down, months since across, the ratio as color and text."""
    base = alt.Chart(frame).encode(
        x=alt.X(f"{column}:O", title="months since first payment"),
        y=alt.Y(f"yearmonth({row}):O", title="cohort"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=title, scale=alt.Scale(scheme="blues")),
        tooltip=[
            alt.Tooltip(f"yearmonth({row}):O", title="cohort"),
            alt.Tooltip(f"{column}:O", title="months since"),
            alt.Tooltip(f"{value}:Q", title=title, format=".1%"),
        ],
    )
    labels = base.mark_text(fontSize=9).encode(
        text=alt.Text(f"{value}:Q", format=".0%"),
        color=alt.condition(f"datum.{value} > 0.6", alt.value("white"), alt.value("black")),
    )
    return cells + labels


def funnel(frame: pd.DataFrame) -> alt.Chart:
    """Customers reaching each stage and converting (grouped bars), stage order kept."""
    long = frame.melt(
        id_vars=["stage"],
        value_vars=["reached", "converted"],
        var_name="outcome",
        value_name="customers",
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(
                "stage:N", sort=list(frame["stage"]), title="stage", axis=alt.Axis(labelAngle=0)
            ),
            xOffset="outcome:N",
            y=alt.Y("customers:Q", title="customer periods"),
            color=alt.Color("outcome:N", title=None),
            tooltip=["stage:N", "outcome:N", "customers:Q"],
        )
    )


def category_bars(
    frame: pd.DataFrame,
    category: str,
    value: str,
    title: str,
    colors: dict[str, str] | None = None,
) -> alt.Chart:
    """Counts per category (whole numbers on the axis)."""
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(f"{category}:N", title=None, sort="-y", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.Color(f"{category}:N", legend=None, scale=_color_scale(colors)),
            tooltip=[f"{category}:N", f"{value}:Q"],
        )
    )


def scatter(
    frame: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    tooltip: list[str],
    colors: dict[str, str] | None = None,
) -> alt.Chart:
    """One point per row; y on a symmetric log scale (request volumes span decades)."""
    return (
        alt.Chart(frame)
        .mark_circle(size=80, opacity=0.8)
        .encode(
            x=alt.X(f"{x}:Q", title=x.replace("_", " ")),
            y=alt.Y(f"{y}:Q", title=y.replace("_", " "), scale=alt.Scale(type="symlog")),
            color=alt.Color(
                f"{color}:N", title=color.replace("_", " "), scale=_color_scale(colors)
            ),
            tooltip=tooltip,
        )
    )
