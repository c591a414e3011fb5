"""The dashboard's reads: one function per tab, marts and maicro_monitors only, parameterised.

Plain functions of a clickhouse-connect client and the sidebar's `Filters`, returning pandas
frames, so that tests and the benchmark run them without Streamlit. User input only ever reaches
ClickHouse as query parameters (`{name:Type}` placeholders), never formatted into SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from clickhouse_connect.driver.exceptions import DatabaseError

UNKNOWN_TABLE = 60  # ClickHouse error code: the table does not exist (not built / not run yet)
WINDOWS = {"Today": 1, "7 days": 7, "30 days": 30}


@dataclass(frozen=True)
class Filters:
    """What the sidebar chose; shared by every tab. `accounts` is never empty."""

    accounts: tuple[str, ...]
    start: date
    end: date
    strategy: str | None = None  # None = every strategy

    def params(self, **extra) -> dict:
        return {"accounts": list(self.accounts), "start": self.start, "end": self.end, **extra}


@dataclass
class Choices:
    """What the sidebar can offer: accounts, their strategies and the days with data."""

    accounts: list[str] = field(default_factory=list)
    strategies: dict[str, list[str]] = field(default_factory=dict)  # strategy -> accounts
    first_day: date | None = None
    last_day: date | None = None


class MissingTable(Exception):
    """A table the page reads does not exist yet (mart not built, monitor never ran)."""

    def __init__(self, table: str):
        super().__init__(table)
        self.table = table


def as_date(value) -> date:
    """A ClickHouse Date as it comes back in a frame (Timestamp or date) as a `date`."""
    return pd.Timestamp(value).date()


def frame(client, sql: str, params: dict | None = None, *, table: str = "") -> pd.DataFrame:
    """Run one parameterised query; a missing table becomes `MissingTable(table)`."""
    try:
        return client.query_df(sql, parameters=params or {})
    except DatabaseError as exc:
        if f"Code: {UNKNOWN_TABLE}." in str(exc) or "UNKNOWN_TABLE" in str(exc):
            raise MissingTable(table or "a table") from exc
        raise


def choices(client) -> Choices:
    days = frame(
        client,
        "SELECT account, min(day) AS first_day, max(day) AS last_day "
        "FROM analytics.fct_account_daily GROUP BY account ORDER BY account",
        table="analytics.fct_account_daily",
    )
    pairs = frame(
        client,
        "SELECT DISTINCT strategy, account FROM analytics.fct_tracking_error_daily "
        "ORDER BY strategy, account",
        table="analytics.fct_tracking_error_daily",
    )
    if days.empty:
        return Choices()
    strategies: dict[str, list[str]] = {}
    for strategy, account in pairs.itertuples(index=False):
        strategies.setdefault(strategy, []).append(account)
    return Choices(
        accounts=list(days["account"]),
        strategies=strategies,
        first_day=as_date(days["first_day"].min()),
        last_day=as_date(days["last_day"].max()),
    )


# --- Overview ---------------------------------------------------------------------------------

PNL_DAILY_SQL = """
SELECT
    day,
    sum(realized_pnl_gross) AS realized_gross,
    sum(fees) AS fees,
    sum(funding) AS funding,
    sum(unrealized_pnl_change) AS unrealized_change,
    sum(total_pnl) AS total_pnl
FROM analytics.fct_pnl_daily
WHERE account IN {accounts:Array(String)} AND day BETWEEN {start:Date} AND {end:Date}
GROUP BY day
"""

ACCOUNT_DAILY_SQL = """
SELECT account, day, account_value_close, account_value_source, deposits, withdrawals, net_flows, total_pnl,
       daily_return, cumulative_return, drawdown
FROM analytics.fct_account_daily
WHERE account IN {accounts:Array(String)} AND day BETWEEN {start:Date} AND {end:Date}
ORDER BY account, day
"""

LATEST_EXPOSURE_SQL = """
SELECT account, snapshot_at, any(account_value) AS account_value,
       sum(abs(notional_usd)) AS gross_exposure, sum(notional_usd) AS net_exposure,
       sum(unrealized_pnl) AS unrealized_pnl
FROM analytics.fct_exposure
WHERE account IN {accounts:Array(String)} AND snapshot_at >= {start:Date}
  AND snapshot_at < addDays({end:Date}, 1)
  AND (account, snapshot_at) IN (
      SELECT account, max(snapshot_at) FROM analytics.fct_exposure
      WHERE account IN {accounts:Array(String)} AND snapshot_at >= {start:Date}
        AND snapshot_at < addDays({end:Date}, 1)
      GROUP BY account)
GROUP BY account, snapshot_at
ORDER BY account
"""


def overview(client, f: Filters) -> dict:
    """PnL windows, account values, flows and exposure; `today` = the newest day in range."""
    daily = frame(client, ACCOUNT_DAILY_SQL, f.params(), table="analytics.fct_account_daily")
    if daily.empty:
        return {"daily": daily}
    today, first = as_date(daily["day"].max()), as_date(daily["day"].min())
    # One round trip: PnL per day back to the oldest window's start (the fixed windows reach
    # before the range; "Since start" is the range), summed into the windows here.
    since = min(first, today - timedelta(days=max(WINDOWS.values()) - 1))
    by_day = frame(
        client, PNL_DAILY_SQL, f.params(start=since, end=today), table="analytics.fct_pnl_daily"
    )
    days = by_day["day"].map(as_date)
    columns = ["realized_gross", "fees", "funding", "unrealized_change", "total_pnl"]
    windows = {
        label: by_day.loc[days > today - timedelta(days=n), columns].sum()
        for label, n in {**WINDOWS, "Since start": (today - first).days + 1}.items()
    }
    pnl = pd.DataFrame(windows).T.rename_axis("window").reset_index()
    exposure = frame(client, LATEST_EXPOSURE_SQL, f.params(), table="analytics.fct_exposure")
    return {"daily": daily, "today": today, "pnl": pnl, "exposure": exposure}


# --- Positions --------------------------------------------------------------------------------

LATEST_POSITIONS_SQL = """
WITH latest AS (
    SELECT strategy, account, max(snapshot_at) AS latest_at
    FROM analytics.fct_positions_vs_targets
    WHERE account IN {accounts:Array(String)} AND ({strategy:String} = '' OR strategy = {strategy:String})
      AND snapshot_at >= {start:Date} AND snapshot_at < addDays({end:Date}, 1)
    GROUP BY strategy, account
)
SELECT p.strategy AS strategy, p.account AS account, p.coin AS coin, p.snapshot_at AS snapshot_at,
       p.target_weight AS target_weight, p.actual_weight AS actual_weight,
       p.weight_diff AS weight_diff, p.target_notional AS target_notional,
       p.actual_notional AS actual_notional, p.mark_px AS mark_px,
       e.unrealized_pnl AS unrealized_pnl, e.liquidation_distance AS liquidation_distance
FROM analytics.fct_positions_vs_targets AS p
INNER JOIN latest AS l
    ON p.strategy = l.strategy AND p.account = l.account AND p.snapshot_at = l.latest_at
LEFT JOIN (
    SELECT account, snapshot_at, coin, unrealized_pnl, liquidation_distance
    FROM analytics.fct_exposure
    WHERE (account, snapshot_at) IN (SELECT account, latest_at FROM latest)
) AS e ON p.account = e.account AND p.snapshot_at = e.snapshot_at AND p.coin = e.coin
ORDER BY strategy, account, abs(weight_diff) DESC
"""

WEIGHT_DIFF_SQL = """
SELECT strategy, account, toStartOfInterval(snapshot_at, toIntervalMinute({bucket_minutes:UInt32})) AS at,
       avg(target_weight) AS target_weight, avg(actual_weight) AS actual_weight,
       avg(weight_diff) AS weight_diff
FROM analytics.fct_positions_vs_targets
WHERE account IN {accounts:Array(String)} AND ({strategy:String} = '' OR strategy = {strategy:String})
  AND coin = {coin:String} AND toDate(snapshot_at) BETWEEN {start:Date} AND {end:Date}
GROUP BY strategy, account, at
ORDER BY strategy, account, at
"""


def bucket_minutes(f: Filters) -> int:
    """Chart resolution: 5-minute points for a day, hourly up to a week, daily beyond."""
    days = (f.end - f.start).days + 1
    return 5 if days <= 1 else 60 if days <= 7 else 1440


def positions(client, f: Filters, coin: str | None = None) -> dict:
    params = f.params(strategy=f.strategy or "")
    latest = frame(client, LATEST_POSITIONS_SQL, params, table="analytics.fct_positions_vs_targets")
    coins = sorted(latest["coin"].unique()) if not latest.empty else []
    coin = coin if coin in coins else (coins[0] if coins else None)
    history = pd.DataFrame()
    if coin:
        history = frame(
            client,
            WEIGHT_DIFF_SQL,
            {**params, "coin": coin, "bucket_minutes": bucket_minutes(f)},
            table="analytics.fct_positions_vs_targets",
        )
    return {"latest": latest, "coins": coins, "coin": coin, "history": history}


# --- Trades -----------------------------------------------------------------------------------

TRADE_WHERE = """
account IN {accounts:Array(String)} AND day BETWEEN {start:Date} AND {end:Date}
  AND (empty({coins:Array(String)}) OR coin IN {coins:Array(String)})
  AND ({side:String} = '' OR side = {side:String})
  AND ({liquidity:String} = '' OR liquidity = {liquidity:String})
"""

TRADES_SQL = f"""
SELECT filled_at, account, coin, side, dir, px, sz, notional_usd, liquidity, fee, closed_pnl,
       mid_px, slippage_bps, order_fill_ratio, oid, tid
FROM analytics.fct_trades
WHERE {TRADE_WHERE}
ORDER BY filled_at DESC, tid DESC
LIMIT {{limit:UInt32}}
"""

TRADE_SUMMARY_SQL = f"""
SELECT count() AS n_fills,
       sum(notional_usd) AS volume_usd,
       sumIf(fee, fee > 0) AS fees_paid,
       -sumIf(fee, fee < 0) AS rebates,
       sumIf(slippage_bps * notional_usd, slippage_bps IS NOT NULL)
           / nullIf(sumIf(notional_usd, slippage_bps IS NOT NULL), 0) AS slippage_bps,
       sumIf(notional_usd, liquidity = 'maker') / nullIf(sum(notional_usd), 0) AS maker_share,
       avg(order_fill_ratio) AS order_fill_ratio,
       max(filled_at) AS newest
FROM analytics.fct_trades
WHERE {TRADE_WHERE}
"""

TRADE_COINS_SQL = """
SELECT DISTINCT coin FROM analytics.fct_trades
WHERE account IN {accounts:Array(String)} AND day BETWEEN {start:Date} AND {end:Date}
ORDER BY coin
"""

SIDES = {"Both": "", "Buy": "B", "Sell": "A"}
LIQUIDITY = {"Both": "", "Maker": "maker", "Taker": "taker"}


def trades(
    client,
    f: Filters,
    coins: tuple[str, ...] = (),
    side: str = "",
    liquidity: str = "",
    limit: int = 5000,
) -> dict:
    params = f.params(coins=list(coins), side=side, liquidity=liquidity, limit=limit)
    table = "analytics.fct_trades"
    return {
        "coins": list(frame(client, TRADE_COINS_SQL, f.params(), table=table)["coin"]),
        "summary": frame(client, TRADE_SUMMARY_SQL, params, table=table),
        "rows": frame(client, TRADES_SQL, params, table=table),
        "limit": limit,
    }


# --- Tracking error ---------------------------------------------------------------------------

TE_SQL = """
SELECT strategy, account, day, te_half_l1, te_rms, te_ann_7d, te_ann_30d, max_abs_diff,
       max_abs_diff_coin, n_coins
FROM analytics.fct_tracking_error_daily
WHERE account IN {accounts:Array(String)} AND ({strategy:String} = '' OR strategy = {strategy:String})
  AND day BETWEEN {start:Date} AND {end:Date}
ORDER BY strategy, account, day
"""


def tracking_error(client, f: Filters) -> dict:
    params = f.params(strategy=f.strategy or "")
    daily = frame(client, TE_SQL, params, table="analytics.fct_tracking_error_daily")
    latest = frame(client, LATEST_POSITIONS_SQL, params, table="analytics.fct_positions_vs_targets")
    return {"daily": daily, "latest": latest}


# --- System health ----------------------------------------------------------------------------
# The monitors' logs grow every minute and have no TTL: each section reads a recent window,
# counted back from the table's newest row (not from now(), so a stopped pipeline still shows
# its last state): checks of the monitor's last day, runs of the last 7 days. The sort keys
# end in the time column, so ClickHouse skips the older granules instead of reading a year.

RESOLVED_ALERTS_SHOWN = 50  # the health tab lists every open alert, then this many resolved

HEALTH_QUERIES = {
    "checks": (
        "maicro_monitors.health_checks",
        """
        SELECT check_name, subject, argMax(status, checked_at) AS last_status,
               argMax(value, checked_at) AS last_value, argMax(threshold, checked_at) AS last_threshold,
               argMax(unit, checked_at) AS last_unit, argMax(message, checked_at) AS last_message,
               max(checked_at) AS last_checked_at
        FROM maicro_monitors.health_checks
        WHERE checked_at >= (SELECT max(checked_at) FROM maicro_monitors.health_checks)
                            - INTERVAL 1 DAY
        GROUP BY check_name, subject
        ORDER BY multiIf(last_status = 'fail', 0, last_status = 'warn', 1, 2), check_name, subject
        """,
    ),
    "heartbeat": (
        "maicro_monitors.ingest_runs",
        """
        SELECT data_type, max(finished_at) AS last_run,
               if(countIf(status = 'ok') = 0, NULL, maxIf(finished_at, status = 'ok')) AS last_ok,
               argMax(status, finished_at) AS last_status,
               argMax(error, finished_at) AS last_error
        FROM maicro_monitors.ingest_runs
        WHERE (account = '' OR account IN {accounts:Array(String)})
          AND started_at >= (SELECT max(started_at) FROM maicro_monitors.ingest_runs)
                            - INTERVAL 7 DAY
        GROUP BY data_type
        ORDER BY data_type
        """,
    ),
    "latency": (
        "analytics.fct_api_latency_hourly",
        """
        SELECT endpoint, request_type, sum(requests) AS requests_24h,
               argMax(p50_ms, hour) AS last_p50_ms, argMax(p95_ms, hour) AS last_p95_ms,
               argMax(error_rate, hour) AS last_error_rate, max(hour) AS last_hour
        FROM analytics.fct_api_latency_hourly
        WHERE hour >= (SELECT max(hour) FROM analytics.fct_api_latency_hourly) - INTERVAL 1 DAY
        GROUP BY endpoint, request_type
        ORDER BY endpoint, request_type
        """,
    ),
    "replication": (
        "maicro_monitors.replication_runs",
        """
        SELECT database, table, argMax(status, finished_at) AS last_status,
               argMax(lag_seconds, finished_at) AS last_lag_seconds,
               argMax(rows_sent, finished_at) AS last_rows_sent, max(finished_at) AS last_finished_at,
               argMax(error, finished_at) AS last_error
        FROM maicro_monitors.replication_runs
        WHERE started_at >= (SELECT max(started_at) FROM maicro_monitors.replication_runs)
                            - INTERVAL 7 DAY
        GROUP BY database, table
        ORDER BY last_status = 'ok', database, table
        """,
    ),
    "verification": (
        "maicro_monitors.verification_results",
        """
        SELECT database, table, argMax(status, verified_at) AS last_status,
               max(verified_at) AS last_verified_at
        FROM maicro_monitors.verification_results
        GROUP BY database, table
        ORDER BY last_status = 'ok', database, table
        """,
    ),
    "dag_runs": (
        "maicro_monitors.dag_runs",
        """
        SELECT dag_id, argMax(run_id, recorded_at) AS last_run_id, argMax(state, recorded_at) AS last_state,
               argMax(start_date, recorded_at) AS last_start_date,
               argMax(end_date, recorded_at) AS last_end_date, max(recorded_at) AS last_recorded_at,
               countIf(state = 'failed' AND recorded_at > now() - INTERVAL 1 DAY) AS failed_24h
        FROM maicro_monitors.dag_runs
        WHERE recorded_at >= (SELECT max(recorded_at) FROM maicro_monitors.dag_runs)
                             - INTERVAL 7 DAY
        GROUP BY dag_id
        ORDER BY last_state != 'failed', dag_id
        """,
    ),
    "alerts": (
        "maicro_monitors.alerts",
        f"""
        SELECT alert_key, last_check, last_subject, last_event, last_status, last_message,
               first_at, last_at
        FROM (
            SELECT alert_key, argMax(check_name, event_at) AS last_check,
                   argMax(subject, event_at) AS last_subject,
                   argMax(event, event_at) AS last_event,
                   argMax(status, event_at) AS last_status,
                   argMax(message, event_at) AS last_message,
                   min(event_at) AS first_at, max(event_at) AS last_at,
                   row_number() OVER (PARTITION BY last_event = 'resolved'
                                      ORDER BY last_at DESC, alert_key) AS nth
            FROM maicro_monitors.alerts
            GROUP BY alert_key
        )
        -- Every open alert (a burst of failing dbt tests must not hide the one that matters),
        -- then the newest resolved ones.
        WHERE last_event != 'resolved' OR nth <= {RESOLVED_ALERTS_SHOWN}
        ORDER BY last_event = 'resolved', last_at DESC, alert_key
        """,
    ),
}


def health(client, f: Filters) -> dict:
    """Each section's frame, or None when its table does not exist yet (monitor never ran)."""
    sections: dict[str, pd.DataFrame | None] = {}
    for name, (table, sql) in HEALTH_QUERIES.items():
        try:
            sections[name] = frame(client, sql, f.params(), table=table)
        except MissingTable:
            sections[name] = None
    return sections
