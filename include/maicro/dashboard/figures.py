"""plotly figures of the dashboard, one function per chart, from the frames `queries` returns.

Pure functions (no Streamlit) so the benchmark times them and tests can build them directly.
Colours follow the reports' gain/loss palette (maicro.formatting) so the same sign looks the same.
"""

from __future__ import annotations

import pandas as pd
import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from maicro.formatting import GAIN_COLOUR, LOSS_COLOUR

TARGET_COLOUR = "#5f6368"
ACTUAL_COLOUR = "#1a73e8"
# d3-format, which plotly uses: the sign goes before the currency and thousands are grouped, so
# an axis reads −$5,000 as the page and the reports do (tickprefix="$" gave "$-5k").
MONEY_TICKS = "$,.0f"
# The fund first, then one colour per account, the same in the equity and the drawdown panel.
SERIES_COLOURS = plotly.colors.qualitative.Plotly


def _layout(fig: go.Figure, title: str, height: int = 360) -> go.Figure:
    fig.update_layout(
        title=title,
        height=height,
        margin={"l": 40, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.2},
        template="plotly_white",
        # Upright along the right edge: across the top it covered the titles of half-width charts.
        modebar={"orientation": "v"},
    )
    return fig


def equity_curve(daily: pd.DataFrame) -> go.Figure:
    """Account value per account (and the fund total) above each account's drawdown.

    Each account keeps one colour in both panels and one legend entry (clicking it hides both
    lines), and its drawdown is shaded from its own line up to 0%, translucent, so one account's
    area never hides another's."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35])
    fund = daily.groupby("day", as_index=False)["account_value_close"].sum()
    colours = iter(SERIES_COLOURS)
    if daily["account"].nunique() > 1:
        fig.add_trace(
            go.Scatter(
                x=fund["day"],
                y=fund["account_value_close"],
                name="Fund",
                line={"width": 3, "color": next(colours)},
            ),
            row=1,
            col=1,
        )
    for account, rows in daily.groupby("account"):
        short = f"{str(account)[:6]}…{str(account)[-4:]}"
        colour = next(colours)
        fig.add_trace(
            go.Scatter(
                x=rows["day"],
                y=rows["account_value_close"],
                name=short,
                legendgroup=short,
                line={"color": colour},
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=rows["day"],
                y=rows["drawdown"],
                name=f"{short} drawdown",
                legendgroup=short,
                fill="tozeroy",
                fillcolor=_translucent(colour),
                line={"color": colour, "width": 1},
                showlegend=False,
            ),
            row=2,
            col=1,
        )
    fig.update_yaxes(title_text="Account value (USD)", tickformat=MONEY_TICKS, row=1, col=1)
    fig.update_yaxes(title_text="Drawdown", tickformat=".1%", rangemode="tozero", row=2, col=1)
    return _layout(fig, "Equity curve and drawdown", height=480)


def _translucent(colour: str, alpha: float = 0.25) -> str:
    """`#rrggbb` as an rgba() with `alpha`, for shaded areas that overlap."""
    red, green, blue = plotly.colors.hex_to_rgb(colour)
    return f"rgba({red}, {green}, {blue}, {alpha})"


def daily_pnl(daily: pd.DataFrame) -> go.Figure:
    fund = daily.groupby("day", as_index=False)["total_pnl"].sum()
    colours = [GAIN_COLOUR if v >= 0 else LOSS_COLOUR for v in fund["total_pnl"]]
    fig = go.Figure(go.Bar(x=fund["day"], y=fund["total_pnl"], marker_color=colours, name="PnL"))
    fig.update_yaxes(tickformat=MONEY_TICKS)
    return _layout(fig, "Daily total PnL (selected accounts)", height=300)


def weight_diff_history(history: pd.DataFrame, coin: str) -> go.Figure:
    fig = go.Figure()
    for (strategy, account), rows in history.groupby(["strategy", "account"]):
        fig.add_trace(
            go.Scatter(
                x=rows["at"], y=rows["weight_diff"], name=f"{strategy} · {str(account)[:6]}…"
            )
        )
    fig.add_hline(y=0, line={"color": TARGET_COLOUR, "dash": "dot"})
    fig.update_yaxes(title_text="target − actual weight", tickformat=".1%")
    return _layout(fig, f"Weight difference over time: {coin}")


def tracking_error(daily: pd.DataFrame, threshold: float) -> go.Figure:
    """½L1, RMS and annualised 7d/30d per (strategy, account), with the alert threshold."""
    fig = go.Figure()
    measures = {
        "te_half_l1": "½L1",
        "te_rms": "RMS",
        "te_ann_7d": "annualised 7d",
        "te_ann_30d": "annualised 30d",
    }
    for (strategy, account), rows in daily.groupby(["strategy", "account"]):
        for column, label in measures.items():
            fig.add_trace(
                go.Scatter(
                    x=rows["day"],
                    y=rows[column],
                    name=f"{label} · {strategy} · {str(account)[:6]}…",
                    visible=True if column == "te_half_l1" else "legendonly",
                )
            )
    fig.add_hline(
        y=threshold,
        line={"color": LOSS_COLOUR, "dash": "dash"},
        annotation_text=f"alert threshold {threshold:.1%}",
        annotation_position="top left",
    )
    fig.update_yaxes(tickformat=".1%")
    return _layout(fig, "Tracking error (daily)", height=400)


def contribution(latest: pd.DataFrame, whose: str) -> go.Figure:
    """Each coin's share of the latest ½L1 of one (strategy, account): ½|target − actual|.
    One account per chart: weights of different accounts are shares of different AUMs and
    summed would describe no portfolio."""
    rows = (
        latest.assign(contribution=latest["weight_diff"].abs() / 2)
        .groupby("coin", as_index=False)[["contribution"]]
        .sum()
        .sort_values("contribution", ascending=False)
    )
    fig = go.Figure(
        go.Bar(x=rows["coin"], y=rows["contribution"], marker_color=LOSS_COLOUR, name="½|diff|")
    )
    fig.update_yaxes(tickformat=".2%")
    return _layout(fig, f"Contribution to the latest ½L1 · {whose}", height=320)


def targets_vs_actual(latest: pd.DataFrame, whose: str) -> go.Figure:
    """Target and actual weight per coin of one (strategy, account)'s latest snapshot."""
    rows = latest.groupby("coin", as_index=False)[["target_weight", "actual_weight"]].sum()
    fig = go.Figure(
        [
            go.Bar(
                x=rows["coin"], y=rows["target_weight"], name="target", marker_color=TARGET_COLOUR
            ),
            go.Bar(
                x=rows["coin"], y=rows["actual_weight"], name="actual", marker_color=ACTUAL_COLOUR
            ),
        ]
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".1%")
    return _layout(fig, f"Target vs actual weights · {whose}", height=320)


def latency(frame: pd.DataFrame) -> go.Figure:
    label = frame["endpoint"].astype(str) + " " + frame["request_type"].astype(str)
    fig = go.Figure(
        [
            go.Bar(x=label, y=frame["last_p50_ms"], name="p50", marker_color=ACTUAL_COLOUR),
            go.Bar(x=label, y=frame["last_p95_ms"], name="p95", marker_color=TARGET_COLOUR),
        ]
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text="ms")
    return _layout(fig, "Data-feed latency (latest hour)", height=300)
