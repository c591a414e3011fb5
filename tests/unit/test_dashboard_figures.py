"""The dashboard's charts as a reader sees them: money axes signed like the page (−$5,000, never
$-5k) and each account's drawdown in its own colour, shaded from its line to 0%."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from maicro.dashboard import figures

ACCOUNTS = (
    "0xaaaa000000000000000000000000000000001111",
    "0xbbbb000000000000000000000000000000002222",
)


def account_days() -> pd.DataFrame:
    days = [date(2025, 11, d) for d in (25, 26, 27, 28)]
    rows = []
    for account, values, drawdowns, pnls in (
        (
            ACCOUNTS[0],
            (1.30e6, 1.25e6, 1.28e6, 1.20e6),
            (0.0, -0.038, -0.015, -0.077),
            (0, -5e4, 3e4, -8e4),
        ),
        (
            ACCOUNTS[1],
            (1.40e6, 1.39e6, 1.42e6, 1.41e6),
            (0.0, -0.007, 0.0, -0.007),
            (0, -1e4, 3e4, -1e4),
        ),
    ):
        for day, value, drawdown, pnl in zip(days, values, drawdowns, pnls, strict=True):
            rows.append(
                {
                    "day": day,
                    "account": account,
                    "account_value_close": value,
                    "drawdown": drawdown,
                    "total_pnl": pnl,
                }
            )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("build", [figures.equity_curve, figures.daily_pnl])
def test_money_axes_put_the_sign_before_the_currency(build):
    """d3-format `$,.0f` draws −5000 as −$5,000; plotly's tickprefix drew $-5k."""
    axis = build(account_days()).layout.yaxis  # the money axis (the equity panel's, on top)
    assert axis.tickprefix is None
    assert axis.tickformat == "$,.0f"


def test_each_account_keeps_its_colour_and_its_own_drawdown_area():
    fig = figures.equity_curve(account_days())
    by_name = {trace.name: trace for trace in fig.data}
    assert by_name["Fund"].yaxis == "y"
    colours = set()
    for account in ACCOUNTS:
        short = f"{account[:6]}…{account[-4:]}"
        equity, drawdown = by_name[short], by_name[f"{short} drawdown"]
        assert equity.yaxis == "y" and drawdown.yaxis == "y2"
        # one colour and one legend entry per account, across both panels
        assert equity.line.color == drawdown.line.color
        assert equity.legendgroup == drawdown.legendgroup == short
        assert drawdown.showlegend is False
        # shaded from its own line up to 0%, translucent so areas that overlap both show
        assert drawdown.fill == "tozeroy"
        assert drawdown.fillcolor.startswith("rgba(") and drawdown.fillcolor.endswith(", 0.25)")
        colours.add(equity.line.color)
    colours.add(by_name["Fund"].line.color)
    assert len(colours) == 3, "the fund and each account need a colour of their own"
    assert fig.layout.yaxis2.tickformat == ".1%"
