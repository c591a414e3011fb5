"""Report charts as PNG bytes, drawn by matplotlib's Agg renderer: no display, no browser, so it
runs on any Airflow worker. `Figure` + `FigureCanvasAgg` (not pyplot) keeps no global state
between reports and is safe in threads.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from maicro import formatting

WIDTH_IN, DPI = 6.4, 100  # 640 px: the width of the email's content column
PALETTE = ("#1a73e8", "#e8710a", "#9334e6", "#12b5cb", "#f9ab00")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def _shade_week(axis, week: tuple[date, date]) -> None:
    axis.axvspan(
        pd.Timestamp(week[0]),
        pd.Timestamp(week[1]) + pd.Timedelta(days=1),
        color="#e8eaed",
        zorder=0,
    )


def equity(
    accounts: pd.DataFrame, fund: pd.DataFrame, names: dict[str, str], week: tuple[date, date]
) -> bytes:
    """Account value at each day's close (accounts and fund) above the fund's drawdown."""
    figure = Figure(figsize=(WIDTH_IN, 3.6), dpi=DPI, layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1.3))
    for colour, (account, rows) in zip(PALETTE, accounts.groupby("account")):
        top.plot(pd.to_datetime(rows["day"]), rows["account_value_close"], color=colour, lw=1.4,
                 label=names.get(str(account), str(account)))  # fmt: skip
    top.plot(pd.to_datetime(fund["day"]), fund["av_close"], color="#202124", lw=2, label="Fund")
    top.yaxis.set_major_formatter(
        FuncFormatter(lambda v, _: formatting.money(v, decimals=0, sign=False))
    )
    top.set_title("Account value at close (USD)", fontsize=10, loc="left")
    top.legend(fontsize=7, frameon=False, loc="upper left")
    bottom.fill_between(
        pd.to_datetime(fund["day"]),
        fund["drawdown"].astype(float),  # an empty week has an object-typed, empty column
        0,
        color=formatting.LOSS_COLOUR,
        alpha=0.35,
        lw=0,
    )
    bottom.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    bottom.set_title("Fund drawdown", fontsize=9, loc="left")
    for axis in (top, bottom):
        _shade_week(axis, week)
        axis.tick_params(labelsize=7)
        axis.grid(alpha=0.3)
    figure.autofmt_xdate()
    return _png(figure)


def tracking(
    te: pd.DataFrame, names: dict[str, str], threshold: float, week: tuple[date, date]
) -> bytes:
    """Daily tracking error (½ L1 of weight differences) per account, with the threshold."""
    figure = Figure(figsize=(WIDTH_IN, 2.6), dpi=DPI, layout="constrained")
    axis = figure.subplots()
    for colour, (account, rows) in zip(PALETTE, te.groupby("account")):
        axis.plot(pd.to_datetime(rows["day"]), rows["te_half_l1"], color=colour, lw=1.4,
                  label=names.get(str(account), str(account)))  # fmt: skip
    axis.axhline(threshold, color=formatting.LOSS_COLOUR, ls="--", lw=1, label="threshold")
    _shade_week(axis, week)
    axis.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    axis.set_title("Tracking error, daily ½ L1", fontsize=10, loc="left")
    axis.legend(fontsize=7, frameon=False, loc="upper left")
    axis.tick_params(labelsize=7)
    axis.grid(alpha=0.3)
    figure.autofmt_xdate()
    return _png(figure)
