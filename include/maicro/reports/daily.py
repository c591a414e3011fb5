"""The daily PnL report's content for one UTC day, read from the marts (docs/analytics.md).

Per account, then the fund (all accounts together):
* the day's PnL: realized gross, fees (rebates shown apart), funding, unrealized change, total;
* account value open -> close, deposits, withdrawals, daily and cumulative return, drawdown;
* per coin, sorted by |total PnL|; positions vs targets at the day's last snapshot, largest
  |weight difference| first; tracking error against MAICRO_TE_THRESHOLD; reconciliation;
  execution quality; one line of data health.

Account-level execution figures aggregate the per-coin mart: fill ratio weighted by orders,
maker share, slippage and fee bps weighted by traded volume. Fund returns compound the fund's
flow-adjusted daily returns (Σ close − Σ open − Σ flows) / Σ open over every day up to this one.
"""

from __future__ import annotations

from typing import Any

from maicro import settings
from maicro.reports import common
from maicro.reports.marts import MartReader
from maicro.reports.periods import Period


def build(reader: MartReader, period: Period) -> dict[str, Any]:
    day = period.first
    pnl = reader.df(common.PNL_BY_ACCOUNT_SQL, first=day, last=day)
    coins = reader.df(
        "SELECT account, coin, realized_pnl_gross, fees, funding, unrealized_pnl_change, "
        "total_pnl, volume_usd, n_fills FROM analytics.fct_pnl_daily WHERE day = {day:Date} "
        "ORDER BY account, abs(total_pnl) DESC, coin",
        day=day,
    )
    accounts_daily = reader.df(
        "SELECT account, account_value_open, account_value_close, deposits, withdrawals, "
        "net_flows, daily_return, cumulative_return, drawdown "
        "FROM analytics.fct_account_daily WHERE day = {day:Date}",
        day=day,
    )
    fund_history = reader.df(common.FUND_HISTORY_SQL, last=day)
    positions = reader.df(common.LAST_POSITIONS_SQL, first=day, last=day)
    te = reader.df(
        "SELECT account, strategy, te_half_l1, te_rms, te_ann_7d, te_ann_30d "
        "FROM analytics.fct_tracking_error_daily WHERE day = {day:Date}",
        day=day,
    )
    recon = reader.df(
        "SELECT account, residual, is_reconciled FROM analytics.fct_reconciliation_daily "
        "WHERE day = {day:Date}",
        day=day,
    )
    execution = reader.df(common.EXECUTION_BY_ACCOUNT_SQL, first=day, last=day)
    threshold = settings.get().maicro_te_threshold

    names = common.account_names(
        sorted(set(pnl["account"]) | set(accounts_daily["account"]) | set(positions["account"]))
    )
    accounts = []
    for account, name in names.items():
        te_row = common.first_row(te, account)
        accounts.append(
            {
                "key": account,
                "name": name,
                "pnl": common.pnl_figures(common.first_row(pnl, account)),
                "account": common.account_figures(common.first_row(accounts_daily, account)),
                "coins": common.records(coins[coins["account"] == account]),
                "positions": common.records(positions[positions["account"] == account]),
                "snapshot_at": common.snapshot_time(positions, account),
                "te": {
                    "half_l1": te_row.get("te_half_l1"),
                    "rms": te_row.get("te_rms"),
                    "ann_7d": te_row.get("te_ann_7d"),
                    "ann_30d": te_row.get("te_ann_30d"),
                    "threshold": threshold,
                    "breached": (te_row.get("te_half_l1") or 0) > threshold,
                    "strategy": te_row.get("strategy"),
                },
                "recon": common.recon_figures(recon[recon["account"] == account]),
                "execution": common.first_row(execution, account),
            }
        )
    fund = {
        "pnl": common.pnl_figures(common.total_row(pnl)),
        "account": common.fund_account_figures(fund_history, day),
        "recon": common.recon_figures(recon),
        "execution": common.first_row(reader.df(common.EXECUTION_FUND_SQL, first=day, last=day)),
    }
    return {
        "period": period,
        "accounts": accounts,
        "fund": fund,
        "health": common.data_health(reader),
    }
