"""Queries and figure shapes shared by the daily and weekly reports (one definition each)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pandas as pd

from maicro import settings
from maicro.reports.marts import MartReader

PNL_BY_ACCOUNT_SQL = """
SELECT p.account AS account,
       sum(p.realized_pnl_gross) AS realized_gross,
       sum(p.fees) AS fees,
       -sumIf(p.fees, p.fees < 0) AS rebates,
       sum(p.funding) AS funding,
       sum(p.unrealized_pnl_change) AS upnl_change,
       sum(p.total_pnl) AS total,
       sum(p.volume_usd) AS volume
FROM analytics.fct_pnl_daily AS p
WHERE p.day BETWEEN {first:Date} AND {last:Date}
GROUP BY account ORDER BY account
"""

FUND_HISTORY_SQL = """
SELECT day,
       sum(account_value_open) AS av_open,
       sum(account_value_close) AS av_close,
       sum(deposits) AS deposits,
       sum(withdrawals) AS withdrawals,
       sum(net_flows) AS net_flows
FROM analytics.fct_account_daily
WHERE day <= {last:Date}
GROUP BY day ORDER BY day
"""

# Every account's positions at its last snapshot within [first, last].
LAST_POSITIONS_SQL = """
SELECT account, strategy, snapshot_at, coin, target_weight, actual_weight, weight_diff,
       target_notional, actual_notional, account_value
FROM analytics.fct_positions_vs_targets
WHERE day BETWEEN {first:Date} AND {last:Date}
  AND (account, snapshot_at) IN (
      SELECT account, max(snapshot_at) FROM analytics.fct_positions_vs_targets
      WHERE day BETWEEN {first:Date} AND {last:Date} GROUP BY account)
ORDER BY account, abs(weight_diff) DESC, coin
"""

_EXECUTION = """
SELECT {keys}
       sum(ifNull(e.n_orders, 0)) AS n_orders,
       sumIf(e.fill_ratio * e.n_orders, e.fill_ratio IS NOT NULL)
           / nullIf(sumIf(e.n_orders, e.fill_ratio IS NOT NULL), 0) AS fill_ratio,
       sumIf(e.maker_share * e.volume_usd, e.maker_share IS NOT NULL)
           / nullIf(sumIf(e.volume_usd, e.maker_share IS NOT NULL), 0) AS maker_share,
       sumIf(e.slippage_bps * e.volume_usd, e.slippage_bps IS NOT NULL)
           / nullIf(sumIf(e.volume_usd, e.slippage_bps IS NOT NULL), 0) AS slippage_bps,
       sumIf(e.fee_bps * e.volume_usd, e.fee_bps IS NOT NULL)
           / nullIf(sumIf(e.volume_usd, e.fee_bps IS NOT NULL), 0) AS fee_bps
FROM analytics.fct_execution_quality_daily AS e
WHERE e.day BETWEEN {{first:Date}} AND {{last:Date}}
{group}
"""
EXECUTION_BY_ACCOUNT_SQL = _EXECUTION.format(keys="e.account AS account,", group="GROUP BY account")
EXECUTION_FUND_SQL = _EXECUTION.format(keys="", group="")


def clean(value: Any) -> Any:
    """NaN/NA/NaT -> None, numpy scalars -> Python."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def first_row(frame: pd.DataFrame, account: str | None = None) -> dict[str, Any]:
    if account is not None:
        frame = frame[frame["account"] == account]
    rows = records(frame.head(1))
    return rows[0] if rows else {}


def total_row(frame: pd.DataFrame) -> dict[str, Any]:
    numeric = frame.select_dtypes("number")
    return {str(k): clean(v) for k, v in numeric.sum().items()} if len(frame) else {}


def account_names(accounts: list[str]) -> dict[str, str]:
    """address -> `0x1234…abcd (strategy)` for headings."""
    strategies = {a.address: a.strategy for a in settings.get().accounts}
    names = {}
    for account in accounts:
        short = f"{account[:6]}…{account[-4:]}" if len(account) > 12 else account
        strategy = strategies.get(account)
        names[account] = f"{short} ({strategy})" if strategy else short
    return names


def pnl_figures(row: dict[str, Any]) -> dict[str, Any]:
    """The PnL split as contributions: fees enter with their PnL sign (paid = negative)."""
    fees = row.get("fees")
    return {
        "realized_gross": row.get("realized_gross"),
        "fees": -fees if fees is not None else None,
        "rebates": row.get("rebates"),
        "funding": row.get("funding"),
        "upnl_change": row.get("upnl_change"),
        "total": row.get("total"),
        "volume": row.get("volume"),
    }


def account_figures(row: dict[str, Any]) -> dict[str, Any]:
    keys: tuple[str, ...] = (
        "account_value_open",
        "account_value_close",
        "deposits",
        "withdrawals",
        "net_flows",
    )
    keys += ("daily_return", "cumulative_return", "drawdown")
    return {k: row.get(k) for k in keys}


def fund_returns(history: pd.DataFrame) -> pd.DataFrame:
    """The fund's flow-adjusted daily return, its compounded cumulative return and drawdown."""
    frame = history.copy()
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    frame["daily_return"] = (frame["av_close"] - frame["av_open"] - frame["net_flows"]) / frame[
        "av_open"
    ].where(frame["av_open"] != 0)
    growth = (1 + frame["daily_return"].fillna(0)).cumprod()
    frame["cumulative_return"] = growth - 1
    frame["drawdown"] = growth / growth.cummax() - 1
    return frame


def fund_account_figures(history: pd.DataFrame, last_day: Any) -> dict[str, Any]:
    """The fund's account-level figures on `last_day` (history: FUND_HISTORY_SQL)."""
    frame = fund_returns(history)
    row = first_row(frame[frame["day"] == last_day])
    return {
        "account_value_open": row.get("av_open"),
        "account_value_close": row.get("av_close"),
        "deposits": row.get("deposits"),
        "withdrawals": row.get("withdrawals"),
        "net_flows": row.get("net_flows"),
        "daily_return": row.get("daily_return"),
        "cumulative_return": row.get("cumulative_return"),
        "drawdown": row.get("drawdown"),
    }


def recon_figures(frame: pd.DataFrame) -> dict[str, Any]:
    if frame.empty:
        return {"residual": None, "ok": None, "breaks": 0}
    ok = frame["is_reconciled"].astype(bool)
    return {
        "residual": clean(frame["residual"].sum()),
        "ok": bool(ok.all()),
        "breaks": int((~ok).sum()),
    }


def snapshot_time(positions: pd.DataFrame, account: str) -> datetime | None:
    rows = positions[positions["account"] == account]
    return clean(pd.Timestamp(rows["snapshot_at"].iloc[0]).to_pydatetime()) if len(rows) else None


def data_health(reader: MartReader) -> dict[str, Any]:
    """Newest ingested data per data type and the last verified replication (the footer line)."""
    newest = reader.df(
        "SELECT data_type, max(window_end) AS newest FROM maicro_monitors.ingest_runs "
        "WHERE status IN ('ok', 'partial') GROUP BY data_type ORDER BY data_type"
    )
    verified = reader.df(
        "SELECT max(verified_at) AS verified_at, count() AS n "
        "FROM maicro_monitors.verification_results WHERE status = 'ok'"
    )
    last_verified = verified["verified_at"].iloc[0] if int(verified["n"].iloc[0]) else None
    return {
        "newest": [(r["data_type"], r["newest"]) for r in records(newest)],
        "verified_at": clean(last_verified),
    }
