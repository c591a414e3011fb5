"""Benchmark of the analytics build: one simulated year, two accounts, ten coins.

Data: the simulator's own model (bulk `records()`, no HTTP) through ingestion's parsers into the
cloud raw tables of a throwaway embedded ClickHouse pair: >= 500k fills, 5-minute account and
position snapshots, hourly funding, 1m candles, target sets every 4 hours.

Figures printed (targets in brackets):
  * full build (`dbt build --full-refresh`, models only) over 364 days       [< 60 s]
  * incremental build after loading one more day                             [< 10 s]
  * tracking error: fct_tracking_error_daily (every column) in ClickHouse vs the same
    computation in pandas on the same data, in this run (ratio)              [>= 10x]
    Both start from the deduplicated raw snapshots and target weights (plus the daily account
    and coin returns, which both read as built); pandas reads the long position_snapshots rows,
    its natural shape. ClickHouse is timed two ways: (a) the SQL of the models
    fct_tracking_error_daily needs from the staged data (target sets, snapshots compared to
    targets, the daily mart): their compiled full-refresh SELECTs run in dependency order and
    streamed to `FORMAT Null` (the embedded server has no system.query_log), each reading its
    parents as materialised, and the same SELECTs' `EXPLAIN` alone (query analysis and
    planning, the part that does not grow with the data); (b) the same models' execution time
    in dbt's run_results (adds writing the tables, mostly the per-snapshot arrays into month
    partitions, and dbt-clickhouse's create, exchange and drop). pandas is timed on the
    compute alone (inputs already in memory) and on reading its inputs from ClickHouse with
    clickhouse-connect's fastest pandas path (Arrow); best of 5 each. The bench checks that
    pandas and the mart agree on every column.

Usage: .venv/bin/python bench/analytics_bench.py [--days 365] [--fills-per-day 820]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

T = TypeVar("T")

ORIGIN = 1_735_689_600_000  # 2025-01-01 00:00 UTC
DAY_MS = 86_400_000
SNAPSHOT_MS = 300_000
COINS = ("BTC", "ETH", "SOL", "HYPE", "AVAX", "DOGE", "XRP", "LINK", "ARB", "SUI")
FILLS_PER_DAY = 820.0  # per account: the fund's measured trade rate

# Exported for the other benches (report_bench, dashboard_bench), which time their work on this
# bench's data: start_pair/stop_pair, simulator, load, best_of.


def simulator(days: int, fills_per_day: float = FILLS_PER_DAY):
    """The bench's fund: two accounts trading COINS for `days` days from ORIGIN (seed 2025)."""
    from maicro.hyperliquid.simulator import SimConfig, Simulator

    config = SimConfig(seed=2025, start_ms=ORIGIN, now_ms=ORIGIN + days * DAY_MS, coins=COINS,
                       fills_per_day=fills_per_day)  # fmt: skip
    return Simulator(config)


def best_of(repeat: int, fn: Callable[[], T]) -> tuple[float, T]:
    """The fastest of `repeat` calls of `fn` (seconds) and the last call's result."""
    best, result = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, cast(T, result)


def start_pair(state: Path) -> None:
    os.environ.update(
        {
            "MAICRO_ENV_FILE": str(state / "none.env"),
            "MAICRO_STATE_DIR": str(state),
            "MAICRO_LOCAL_HTTP_PORT": "0",
            "MAICRO_LOCAL_TCP_PORT": "0",
            "MAICRO_CLOUD_HTTP_PORT": "0",
            "MAICRO_CLOUD_TCP_PORT": "0",
        }
    )
    os.environ.pop("MAICRO_LOCAL_CLICKHOUSE_URL", None)
    os.environ.pop("MAICRO_CLOUD_CLICKHOUSE_URL", None)
    from maicro import settings

    for role in settings.ROLES:
        os.environ[f"MAICRO_{role.upper()}_PASSWORD"] = secrets.token_urlsafe(12)
    from maicro.clickhouse import embedded, migrations

    for name in ("local", "cloud"):
        embedded.up(name, log=lambda *_: None)
    for name in ("local", "cloud"):
        migrations.migrate(name, log=lambda *_: None)


def stop_pair() -> None:
    from maicro.clickhouse import embedded

    for name in ("local", "cloud"):
        embedded.down(name, log=lambda *_: None)


def load(sim, client, start_day: int, end_day: int) -> dict:
    """Days [start_day, end_day), stamped as if ingested live (ingested_at = record time + 1 min):
    the history looks ingested over the year (not all within the incremental lookback) and a
    day loaded later is always the newest ingestion. Stamping it with the wall clock instead
    made it older than the history whenever the simulated period ends after today (--days 730
    in 2026): the incremental build then skipped it."""
    from maicro.devtools import sim_load

    start, end = ORIGIN + start_day * DAY_MS, ORIGIN + end_day * DAY_MS
    counts = sim_load.load_history(sim, client, start, end, as_if_live=True)
    # the exchange's account-value history as a run at the end of these days would store it
    counts["hyperliquid.portfolio_history"] = sim_load.load_portfolio(
        sim, client, end - 1, start, end, as_if_live=True
    )
    times = list(range(start + SNAPSHOT_MS, end + 1, SNAPSHOT_MS))
    for begin in range(0, len(times), 20_000):
        for table, n in sim_load.load_snapshots(
            sim, client, times[begin : begin + 20_000], as_if_live=True
        ).items():
            counts[table] = counts.get(table, 0) + n
    return counts


def check_incremental_caught_up(client) -> None:
    """The incremental figure must time a build that took the new day in: every daily mart
    reaches the day of the newest snapshot (a build that skipped it would look fast)."""
    newest = client.query(
        "SELECT toDate(max(snapshot_at)) FROM hyperliquid.account_snapshots"
    ).result_rows[0][0]
    for mart in ("fct_pnl_daily", "fct_account_daily", "fct_tracking_error_daily"):
        reached = client.query(f"SELECT max(day) FROM analytics.{mart}").result_rows[0][0]
        if reached != newest:
            raise SystemExit(
                f"incremental build did not take the new day in: {mart} ends {reached}, "
                f"the newest snapshot is of {newest}"
            )


def dbt_seconds(models: tuple[str, ...]) -> float:
    from maicro.transform.dbt_env import project_dir

    results = json.loads((project_dir() / "target" / "run_results.json").read_text())["results"]
    return sum(r["execution_time"] for r in results if r["unique_id"].split(".")[-1] in models)


def clickhouse_sql_seconds(
    client, models: tuple[str, ...], repeat: int = 5, *, plan_only: bool = False
) -> float:
    """Best-of-`repeat` time of the models' compiled SQL (the SELECT each model materialises),
    results streamed to FORMAT Null, run in dependency order. `plan_only` times `EXPLAIN` of
    the same SQL instead: query analysis and planning, a fixed cost that does not grow with the
    data (about a third of the SQL figure at one year on 2 cores)."""
    from maicro.transform.dbt_env import project_dir

    compiled = project_dir() / "target" / "compiled" / "maicro_analytics" / "models"
    sqls = [next(compiled.rglob(f"{model}.sql")).read_text() for model in models]
    settings = {"join_use_nulls": 0, "prefer_column_name_to_alias": 1}
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        for sql in sqls:
            client.raw_query(
                f"EXPLAIN {sql}" if plan_only else f"{sql}\nFORMAT Null", settings=settings
            )
        best = min(best, time.perf_counter() - started)
    return best


PANDAS_INPUTS = {
    "snaps": "SELECT account, snapshot_at, account_value FROM hyperliquid.account_snapshots FINAL",
    # the long position rows: pandas' natural input (exploding the snapshot arrays costs more)
    "pos": "SELECT account, snapshot_at, coin, szi, mark_px FROM hyperliquid.position_snapshots FINAL WHERE szi != 0",
    "targets": "SELECT strategy, ts, coin, target_weight FROM maicro_logs.target_weights FINAL",
    "strategies": "SELECT account, strategy, valid_from FROM maicro_logs.account_strategies FINAL",
    "account_daily": "SELECT account, day, daily_return FROM analytics.fct_account_daily",
    "coin_returns": "SELECT coin, day, coin_return FROM analytics.int_coin_returns_daily",
}


def pandas_tracking_error(client, repeat: int = 5):
    """fct_tracking_error_daily in pandas, every column, from the inputs the marts start from:
    the deduplicated raw snapshots and targets, plus fct_account_daily's daily returns and the
    coins' daily returns (int_coin_returns_daily), which both sides read as built. Read with
    clickhouse-connect's fastest pandas path (Arrow, pyarrow-backed dtypes, which also make
    pandas' own compute faster than numpy-backed frames). Returns (best compute seconds, best
    read seconds, positions-vs-targets rows, daily frame)."""
    fetch = compute = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        inputs = {name: client.query_df_arrow(sql) for name, sql in PANDAS_INPUTS.items()}
        fetch = min(fetch, time.perf_counter() - started)
        started = time.perf_counter()
        n_rows, daily = _pandas_tracking_error(**inputs)
        compute = min(compute, time.perf_counter() - started)
    return compute, fetch, n_rows, daily


def _pandas_tracking_error(snaps, pos, targets, strategies, account_daily, coin_returns):
    import numpy as np
    import pandas as pd

    keys = ["strategy", "account"]
    # each snapshot and day with the strategy its account ran then (the strategy history)
    periods = strategies.sort_values("valid_from")

    def with_strategy(rows, time_column):
        periods_ = periods.assign(valid_from=periods["valid_from"].astype(rows[time_column].dtype))
        return pd.merge_asof(
            rows.sort_values(time_column),
            periods_,
            left_on=time_column,
            right_on="valid_from",
            by="account",
        ).dropna(subset=["strategy"])

    # weights: positions vs the latest target set at or before each snapshot, union of coins
    snaps = with_strategy(snaps, "snapshot_at")
    sets = targets[["strategy", "ts"]].drop_duplicates().sort_values("ts")
    matched = pd.merge_asof(snaps, sets, left_on="snapshot_at", right_on="ts", by="strategy")
    targeted = matched.merge(targets, on=["strategy", "ts"])[
        ["account", "snapshot_at", "coin", "target_weight"]
    ]
    held = pos.assign(actual_notional=pos["szi"] * pos["mark_px"])[
        ["account", "snapshot_at", "coin", "actual_notional"]
    ]
    both = held.merge(targeted, on=["account", "snapshot_at", "coin"], how="outer")
    both = both.merge(
        matched[["account", "snapshot_at", "account_value", "strategy"]],
        on=["account", "snapshot_at"],
    )
    both["target_weight"] = both["target_weight"].fillna(0.0)
    value = both["account_value"]
    both["actual_weight"] = np.where(value > 0, both["actual_notional"].fillna(0.0) / value, 0.0)
    both["diff"] = both["target_weight"] - both["actual_weight"]
    both["abs"] = both["diff"].abs()
    both["sq"] = both["diff"] ** 2
    both["day"] = both["snapshot_at"].dt.normalize()
    by_snapshot = both.groupby(keys + ["day", "snapshot_at"])
    per_snap = by_snapshot.agg(l1=("abs", "sum"), ms=("sq", "mean"), mx=("abs", "max"))
    per_snap["max_coin"] = both.loc[by_snapshot["abs"].idxmax().values, "coin"].values
    per_snap = per_snap.reset_index()
    per_snap["rms"] = per_snap["ms"] ** 0.5
    by_day = per_snap.groupby(keys + ["day"])
    weights = by_day.agg(
        te_l1=("l1", "mean"),
        te_rms=("rms", "mean"),
        max_abs_diff=("mx", "max"),
        n_snapshots=("l1", "size"),
    )
    weights["max_abs_diff_coin"] = per_snap.loc[by_day["mx"].idxmax().values, "max_coin"].values
    weights["n_coins"] = both.groupby(keys + ["day"])["coin"].nunique()
    weights["te_half_l1"] = weights["te_l1"] / 2
    # returns: r_target from the set in force at the start of the day, rolling stdev of active
    days = account_daily.assign(day=pd.to_datetime(account_daily["day"]).astype(sets["ts"].dtype))
    days = with_strategy(days, "day").drop(columns="valid_from")
    day_sets = pd.merge_asof(
        days.sort_values("day"), sets, left_on="day", right_on="ts", by="strategy"
    )
    legs = day_sets.dropna(subset=["ts"]).merge(targets, on=["strategy", "ts"])
    returns = coin_returns.assign(day=pd.to_datetime(coin_returns["day"]).astype(days["day"].dtype))
    legs = legs.merge(returns, on=["coin", "day"], how="left")
    legs["leg"] = legs["target_weight"] * legs["coin_return"].fillna(0.0)
    legs["missing"] = legs["coin_return"].isna() & (legs["target_weight"] != 0)
    r_target = legs.groupby(keys + ["day"]).agg(r_target=("leg", "sum"), missing=("missing", "any"))
    r_target.loc[r_target["missing"], "r_target"] = np.nan
    daily = days.merge(r_target["r_target"].reset_index(), on=keys + ["day"], how="left")
    daily = daily.rename(columns={"daily_return": "r_actual"})
    daily["active_return"] = daily["r_actual"] - daily["r_target"]
    daily = daily.sort_values(keys + ["day"]).set_index("day")
    for n in (7, 30):
        rolling = daily.groupby(keys)["active_return"].rolling(f"{n}D", min_periods=2)
        daily[f"te_ann_{n}d"] = (rolling.std() * math.sqrt(365)).values
    daily = daily.reset_index().merge(weights.reset_index(), on=keys + ["day"], how="left")
    return len(both), daily


def compare_with_mart(client, daily) -> tuple[float, int]:
    """Largest |pandas - mart| over every numeric column, and how many days name another
    max_abs_diff_coin (only possible on an exact tie)."""
    import numpy as np
    import pandas as pd

    mart = client.query_df("SELECT * FROM analytics.fct_tracking_error_daily")
    mart["day"] = pd.to_datetime(mart["day"]).astype(daily["day"].dtype)
    both = daily.merge(mart, on=["strategy", "account", "day"], suffixes=("_pandas", ""))
    assert len(both) == len(mart) == len(daily), (len(both), len(mart), len(daily))
    worst = 0.0
    for column in (
        "te_l1",
        "te_half_l1",
        "te_rms",
        "max_abs_diff",
        "n_coins",
        "n_snapshots",
        "r_actual",
        "r_target",
        "active_return",
        "te_ann_7d",
        "te_ann_30d",
    ):
        ours = pd.to_numeric(both[f"{column}_pandas"], errors="coerce").astype(float).fillna(0.0)
        theirs = pd.to_numeric(both[column], errors="coerce").astype(float).fillna(0.0)
        worst = max(worst, float(np.abs(ours - theirs).max()))
    coins = both["max_abs_diff_coin_pandas"].fillna("").astype(str) != both[
        "max_abs_diff_coin"
    ].fillna("").astype(str)
    return worst, int(coins.sum())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--fills-per-day", type=float, default=FILLS_PER_DAY)
    args = parser.parse_args()

    from maicro.clickhouse.client import connect
    from maicro.transform import runner

    with tempfile.TemporaryDirectory(prefix="maicro-bench-") as tmp:
        start_pair(Path(tmp))
        try:
            client = connect("cloud", "admin")
            sim = simulator(args.days, args.fills_per_day)
            t0 = time.perf_counter()
            counts = load(sim, client, 0, args.days - 1)
            print(
                f"loaded {args.days - 1} days in {time.perf_counter() - t0:.0f} s: "
                + ", ".join(f"{k.split('.')[-1]}={v:,}" for k, v in counts.items()),
                flush=True,
            )

            t0 = time.perf_counter()
            runner.build(full_refresh=True, models_only=True)
            full = time.perf_counter() - t0
            full_exec = json.loads(
                (runner.project_dir() / "target" / "run_results.json").read_text()
            )["elapsed_time"]

            # the new day arrives after the build, like a real incremental run
            load(sim, client, args.days - 1, args.days)
            t0 = time.perf_counter()
            runner.build(models_only=True)
            incremental = time.perf_counter() - t0
            inc_exec = json.loads(
                (runner.project_dir() / "target" / "run_results.json").read_text()
            )["elapsed_time"]
            check_incremental_caught_up(client)

            # tracking error: everything fct_tracking_error_daily needs from the staged raw data
            te_models = (
                "int_target_sets_listed",
                "int_snapshots_compared_to_targets",
                "fct_tracking_error_daily",
            )
            runner.build(full_refresh=True, models_only=True, select=list(te_models))
            clickhouse_te = dbt_seconds(te_models)
            clickhouse_sql = clickhouse_sql_seconds(client, te_models)
            clickhouse_plan = clickhouse_sql_seconds(client, te_models, plan_only=True)
            pandas_te, pandas_fetch, n_rows, daily = pandas_tracking_error(client)
            worst, coin_ties = compare_with_mart(client, daily)
            n_fills = client.query("SELECT count() FROM hyperliquid.fills FINAL").result_rows[0][0]
            print(f"fills: {n_fills:,}; positions-vs-targets rows: {n_rows:,}")
            print(
                f"full build (models only, --full-refresh): {full:.1f} s wall, dbt {full_exec:.1f} s  [target < 60 s]"
            )
            print(
                f"incremental build, one new day:           {incremental:.1f} s wall, dbt {inc_exec:.1f} s  [target < 10 s]"
            )
            print(
                f"tracking error (every column of fct_tracking_error_daily; pandas vs mart: max |diff| "
                f"{worst:.1e}, {coin_ties} day(s) naming another max coin):"
            )
            print(
                f"  pandas: compute {pandas_te:.2f} s; reading its inputs from ClickHouse {pandas_fetch:.2f} s; "
                f"together {pandas_te + pandas_fetch:.2f} s"
            )
            sql_label = (
                f"the models' SQL from the staged data (FORMAT Null; of which "
                f"analysis and planning {clickhouse_plan:.2f} s)"
            )
            for label, seconds in (
                (sql_label, clickhouse_sql),
                ("the models through dbt (run_results, incl. DDL)", clickhouse_te),
            ):
                print(
                    f"  ClickHouse, {label}: {seconds:.2f} s -> "
                    f"{pandas_te / seconds:.1f}x pandas' compute, "
                    f"{(pandas_te + pandas_fetch) / seconds:.1f}x pandas' read + compute  [target >= 10x]"
                )
            client.close()
        finally:
            stop_pair()
    return 0


if __name__ == "__main__":
    sys.exit(main())
