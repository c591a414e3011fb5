"""The weekly risk report's content for one ISO week (Monday to Sunday), from the marts.

Per account, then the fund, each figure beside the week before and the change:
PnL and its parts (funding, fees), the week's compounded return and deepest drawdown, account
value, gross and net exposure and leverage at the week's last snapshot (and per coin), mean daily
tracking error, execution quality. Then the week's reconciliation breaks and data-health
incidents (failed ingest runs, failed replications, verification mismatches), and two charts over
the trailing twelve weeks: equity with drawdown, and the tracking-error trend.

Exposure: net = Σ signed notional, gross = Σ |notional|, leverage = gross / account value, at the
last position snapshot of the week; the fund adds accounts' notionals and account values.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd

from maicro import settings
from maicro.reports import common
from maicro.reports.marts import MartReader
from maicro.reports.periods import Period

CHART_WEEKS = 12

# (key, label, format) of the weekly summary, in display order.
METRICS = (
    ("total_pnl", "Total PnL", "money"),
    ("realized_gross", "Realized PnL (gross)", "money"),
    ("funding", "Funding", "money"),
    ("fees", "Fees (paid −, rebates +)", "money"),
    ("week_return", "Return (compounded)", "pct"),
    ("max_drawdown", "Deepest drawdown", "pct"),
    ("account_value", "Account value at week end", "level"),
    ("gross_exposure", "Gross exposure", "level"),
    ("net_exposure", "Net exposure", "net"),  # long +, short −: neither gain nor loss
    ("leverage", "Leverage (gross / account value)", "ratio"),
    ("te_half_l1", "Tracking error, mean daily ½L1", "weight"),
    ("fill_ratio", "Fill ratio", "share"),
    ("maker_share", "Maker share", "share"),
    ("slippage_bps", "Slippage", "bps"),
    ("fee_bps", "Fees per volume", "bps"),
    ("recon_breaks", "Reconciliation breaks", "count"),
    ("incidents", "Data-health incidents", "count"),
)


def _exposure(positions: pd.DataFrame) -> dict[str, Any]:
    if positions.empty:
        return {"gross_exposure": None, "net_exposure": None, "leverage": None}
    gross = float(positions["actual_notional"].abs().sum())
    value = float(positions.groupby("account")["account_value"].first().sum())
    return {
        "gross_exposure": gross,
        "net_exposure": float(positions["actual_notional"].sum()),
        "leverage": gross / value if value else None,
    }


def _coin_exposure(positions: pd.DataFrame) -> list[dict[str, Any]]:
    value = (
        float(positions.groupby("account")["account_value"].first().sum()) if len(positions) else 0
    )
    by_coin = positions.groupby("coin")["actual_notional"].sum().reset_index()
    by_coin["gross"] = by_coin["actual_notional"].abs()
    by_coin["weight"] = by_coin["actual_notional"] / value if value else None
    by_coin = by_coin[by_coin["gross"] > 0].sort_values(["gross", "coin"], ascending=[False, True])
    return [
        {"coin": r["coin"], "net": r["actual_notional"], "gross": r["gross"], "weight": r["weight"]}
        for r in common.records(by_coin)
    ]


def _incidents(reader: MartReader, period: Period) -> pd.DataFrame:
    """One row per (kind, what) that went wrong in the week, with how often and when."""
    return reader.df(
        """
        SELECT * FROM (
        SELECT 'ingest failed' AS kind, concat(data_type, if(account = '', '', concat(' ', account))) AS what,
               count() AS n, min(window_start) AS first, max(window_end) AS last
        FROM maicro_monitors.ingest_runs FINAL
        WHERE status = 'failed' AND window_start >= {start:DateTime64(3)} AND window_start < {end:DateTime64(3)}
        GROUP BY what
        UNION ALL
        SELECT 'replication failed', concat(database, '.', table), count(), min(started_at), max(finished_at)
        FROM maicro_monitors.replication_runs
        WHERE status IN ('failed', 'incompatible') AND started_at >= {start:DateTime64(3)} AND started_at < {end:DateTime64(3)}
        GROUP BY database, table
        UNION ALL
        SELECT 'verification mismatch', concat(database, '.', table), count(), min(verified_at), max(verified_at)
        FROM maicro_monitors.verification_results
        WHERE status != 'ok' AND verified_at >= {start:DateTime64(3)} AND verified_at < {end:DateTime64(3)}
        GROUP BY database, table
        ) ORDER BY kind, what
        """,
        start=period.start,
        end=period.end,
    )


def _week_figures(reader: MartReader, period: Period, daily: pd.DataFrame, fund: pd.DataFrame):
    """Per account and for the fund: the METRICS of one week."""
    first, last = period.first, period.last
    pnl = reader.df(common.PNL_BY_ACCOUNT_SQL, first=first, last=last)
    positions = reader.df(common.LAST_POSITIONS_SQL, first=first, last=last)
    execution = reader.df(common.EXECUTION_BY_ACCOUNT_SQL, first=first, last=last)
    execution_fund = common.first_row(reader.df(common.EXECUTION_FUND_SQL, first=first, last=last))
    te = reader.df(
        "SELECT account, avg(te_half_l1) AS te_half_l1 FROM analytics.fct_tracking_error_daily "
        "WHERE day BETWEEN {first:Date} AND {last:Date} GROUP BY account",
        first=first,
        last=last,
    )
    breaks = reader.df(
        "SELECT account, day, residual FROM analytics.fct_reconciliation_daily "
        "WHERE day BETWEEN {first:Date} AND {last:Date} AND NOT is_reconciled "
        "ORDER BY day, account",
        first=first,
        last=last,
    )
    incidents = _incidents(reader, period)
    in_week = daily[(daily["day"] >= first) & (daily["day"] <= last)]
    fund_week = fund[(fund["day"] >= first) & (fund["day"] <= last)]

    def figures(pnl_row, days, positions_, execution_row, te_value, n_breaks):
        pnl_ = common.pnl_figures(pnl_row)
        return {
            "total_pnl": pnl_["total"],
            "realized_gross": pnl_["realized_gross"],
            "funding": pnl_["funding"],
            "fees": pnl_["fees"],
            "week_return": float((1 + days["daily_return"].fillna(0)).prod() - 1)
            if len(days)
            else None,
            "max_drawdown": common.clean(days["drawdown"].min()) if len(days) else None,
            "account_value": common.clean(days["account_value_close"].iloc[-1])
            if len(days)
            else None,
            **_exposure(positions_),
            "te_half_l1": te_value,
            "fill_ratio": execution_row.get("fill_ratio"),
            "maker_share": execution_row.get("maker_share"),
            "slippage_bps": execution_row.get("slippage_bps"),
            "fee_bps": execution_row.get("fee_bps"),
            "recon_breaks": n_breaks,
        }

    accounts = {}
    for account in sorted(
        set(pnl["account"]) | set(in_week["account"]) | set(positions["account"])
    ):
        te_row = common.first_row(te, account)
        accounts[account] = figures(
            common.first_row(pnl, account),
            in_week[in_week["account"] == account].sort_values("day"),
            positions[positions["account"] == account],
            common.first_row(execution, account),
            te_row.get("te_half_l1"),
            int((breaks["account"] == account).sum()),
        )
    fund_days = fund_week.rename(columns={"av_close": "account_value_close"}).sort_values("day")
    fund_figures = figures(
        common.total_row(pnl), fund_days, positions, execution_fund, None, len(breaks)
    )
    del fund_figures["te_half_l1"]  # tracking error is per strategy: no fund figure to show
    fund_figures["incidents"] = int(incidents["n"].sum()) if len(incidents) else 0
    return accounts, fund_figures, positions, breaks, incidents


def _rows(this: dict[str, Any], before: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, label, kind in METRICS:
        if key not in this:
            continue
        now, prev = this.get(key), before.get(key)
        change = now - prev if now is not None and prev is not None else None
        rows.append(
            {"key": key, "label": label, "kind": kind, "this": now, "prev": prev, "change": change}
        )
    return rows


def build(reader: MartReader, period: Period) -> dict[str, Any]:
    previous = period.previous()
    chart_start = period.first - timedelta(weeks=CHART_WEEKS - 1)
    daily = reader.df(
        "SELECT account, day, account_value_close, daily_return, drawdown "
        "FROM analytics.fct_account_daily WHERE day BETWEEN {first:Date} AND {last:Date} "
        "ORDER BY account, day",
        first=min(chart_start, previous.first),
        last=period.last,
    )
    daily["day"] = pd.to_datetime(daily["day"]).dt.date
    fund = common.fund_returns(reader.df(common.FUND_HISTORY_SQL, last=period.last))
    te_trend = reader.df(
        "SELECT account, day, te_half_l1 FROM analytics.fct_tracking_error_daily "
        "WHERE day BETWEEN {first:Date} AND {last:Date} ORDER BY account, day",
        first=chart_start,
        last=period.last,
    )
    te_trend["day"] = pd.to_datetime(te_trend["day"]).dt.date

    accounts, fund_now, positions, breaks, incidents = _week_figures(reader, period, daily, fund)
    accounts_before, fund_before, _, _, _ = _week_figures(reader, previous, daily, fund)
    names = common.account_names(sorted(accounts))
    return {
        "period": period,
        "previous": previous,
        "accounts": [
            {
                "key": account,
                "name": names[account],
                "rows": _rows(figures, accounts_before.get(account, {})),
                "coins": _coin_exposure(positions[positions["account"] == account]),
            }
            for account, figures in accounts.items()
        ],
        "fund": {"rows": _rows(fund_now, fund_before), "coins": _coin_exposure(positions)},
        "breaks": common.records(breaks),
        "incidents": common.records(incidents),
        "charts": {
            "equity": daily[daily["day"] >= chart_start],
            "fund_equity": fund[(fund["day"] >= chart_start) & (fund["day"] <= period.last)],
            "tracking": te_trend,
            "threshold": settings.get().maicro_te_threshold,
            "week": (period.first, period.last),
        },
        "health": common.data_health(reader),
    }
