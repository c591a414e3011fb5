"""The marts against the simulator's ground truth and against the same definitions in pandas.

Eight simulated days for two accounts are loaded straight into the cloud raw tables (the
simulator's bulk records through ingestion's own parsers, see maicro.devtools.sim_load), with
end-of-day snapshots on six days and none on two (those days use fills-derived positions), plus
intraday snapshots on one day and sparse mids (so both mid sources of execution quality occur).
The second account is re-assigned to the first account's strategy in the middle of day 2.
One real `maicro transform` builds everything; each test reads one mart.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest

from tests.conftest import run_maicro

DAY_MS = 86_400_000
ORIGIN = 1_764_028_800_000  # 2025-11-25 00:00 UTC
N_DAYS = 8
NOW = ORIGIN + N_DAYS * DAY_MS
NO_SNAPSHOT_DAYS = (3, 4)
# the second account is re-assigned to the first one's strategy in the middle of day 2, between
# the day's intraday snapshots (recorded as ingestion records a change)
SWITCH_AT = ORIGIN + 2 * DAY_MS + 12 * 3_600_000 + 1_800_000
CENT = 0.005

RAW_TABLES = (
    "hyperliquid.fills",
    "hyperliquid.funding",
    "hyperliquid.ledger_updates",
    "hyperliquid.orders",
    "hyperliquid.candles",
    "hyperliquid.account_snapshots",
    "hyperliquid.position_snapshots",
    "hyperliquid.portfolio_history",
    "hyperliquid.mids",
    "hyperliquid.asset_contexts",
    "maicro_logs.target_weights",
    "maicro_logs.account_strategies",
)


def reset_cloud(client) -> None:
    """Empty the cloud raw tables and drop every analytics relation (a clean build)."""
    for table in RAW_TABLES:
        client.command(f"TRUNCATE TABLE {table}")
    for (name,) in client.query(
        "SELECT name FROM system.tables WHERE database = 'analytics'"
    ).result_rows:
        client.command(f"DROP TABLE IF EXISTS analytics.`{name}` SYNC")


def snapshot_times(origin: int, n_days: int) -> list[int]:
    from maicro.devtools.sim_load import end_of_day_times

    eod = end_of_day_times(origin, [d for d in range(n_days) if d not in NO_SNAPSHOT_DAYS])
    intraday = [origin + 2 * DAY_MS + h * 3_600_000 for h in range(1, 24, 3)]
    return sorted(eod + intraday)


@pytest.fixture(scope="module")
def sim():
    from maicro.hyperliquid.simulator import SimConfig, Simulator

    return Simulator(SimConfig(seed=7, now_ms=NOW, days=N_DAYS))


@pytest.fixture(scope="module")
def dbt_env(tmp_path_factory) -> dict[str, str]:
    """dbt artifacts of these builds apart from a developer's own dbt_project/target."""
    return {"DBT_TARGET_PATH": str(tmp_path_factory.mktemp("dbt-target"))}


@pytest.fixture(scope="module")
def built(clickhouse_pair, sim, dbt_env):
    from maicro.devtools import sim_load

    client = clickhouse_pair.client("cloud", "admin")
    reset_cloud(client)
    sim_load.load_history(sim, client, sim.origin, NOW)
    sim_load.load_snapshots(sim, client, snapshot_times(sim.origin, N_DAYS))
    reassign(client, sim.accounts[1][0], sim.accounts[0][1], SWITCH_AT)
    run_maicro("transform", env=dbt_env, check=True, timeout=900)
    yield client
    client.close()


def reassign(client, account: str, strategy: str, at_ms: int) -> None:
    """Record `account` running `strategy` from `at_ms` on, the way ingestion records a change."""
    from maicro.ingest import strategies

    added = strategies.record(
        client,
        [(account, strategy)],
        lambda: at_ms,
        lambda table, columns, rows: client.insert(
            table, [list(r) for r in rows], column_names=list(columns)
        ),
    )
    assert added == [(account, strategy, at_ms)]


def frame(client, sql: str) -> pd.DataFrame:
    df = client.query_df(sql)
    if "day" in df.columns:
        df["day"] = pd.to_datetime(df["day"]).dt.date
    return df


def as_float(df: pd.DataFrame, columns) -> pd.DataFrame:
    for col in columns:
        df[col] = df[col].astype(float)
    return df


def test_pnl_components_match_ground_truth_to_the_cent(built, sim):
    truth = as_float(
        sim.ground_truth_daily(sim.origin, NOW - 1),
        ["realized_pnl_gross", "fees", "funding", "unrealized_pnl_eod", "volume_usd"],
    )
    truth["day"] = pd.to_datetime(truth["day"]).dt.date
    mart = frame(built, "SELECT * FROM analytics.fct_pnl_daily")
    joined = truth.merge(
        mart, on=["account", "day", "coin"], how="outer", suffixes=("_truth", ""), indicator=True
    )
    assert (joined["_merge"] == "both").all(), joined[joined["_merge"] != "both"]
    for col in ("realized_pnl_gross", "fees", "funding", "unrealized_pnl_eod", "volume_usd"):
        worst = (joined[f"{col}_truth"] - joined[col]).abs().max()
        assert worst < CENT, f"{col} differs by {worst}"
    assert (joined["n_fills_truth"] == joined["n_fills"]).all()
    # the truth's uPnL change and total, from its own end-of-day values
    truth = truth.sort_values("day")
    truth["prev"] = truth.groupby(["account", "coin"])["unrealized_pnl_eod"].shift(1)
    first_day = truth.groupby(["account", "coin"])["day"].transform("min")
    truth["change"] = truth["unrealized_pnl_eod"] - truth["prev"].fillna(0)
    truth.loc[(truth["prev"].isna()) & (truth["day"] != first_day), "change"] = np.nan
    check = truth.merge(mart, on=["account", "day", "coin"], suffixes=("_truth", ""))
    check = check[check["change"].notna()]
    assert (check["change"] - check["unrealized_pnl_change"]).abs().max() < CENT
    expected_total = (
        check["realized_pnl_gross_truth"]
        - check["fees_truth"]
        + check["funding_truth"]
        + check["change"]
    )
    assert (expected_total - check["total_pnl"]).abs().max() < CENT
    # maker rebates (negative fees) reduce the total, never abs()
    signed, absolute, n_rebates = built.query(
        "SELECT sum(fee), sum(abs(fee)), countIf(fee < 0) FROM hyperliquid.fills FINAL"
    ).result_rows[0]
    assert abs(mart["fees"].sum() - signed) < CENT
    if n_rebates:
        assert abs(mart["fees"].sum() - absolute) > CENT


def test_upnl_source_says_which_path_a_row_used(built, sim):
    mart = frame(built, "SELECT day, upnl_source FROM analytics.fct_pnl_daily")
    no_snapshot = {
        pd.Timestamp(sim.origin + d * DAY_MS, unit="ms").date() for d in NO_SNAPSHOT_DAYS
    }
    derived = mart[mart["day"].isin(no_snapshot)]
    assert len(derived) and set(derived["upnl_source"]) == {"fills"}
    assert set(mart[~mart["day"].isin(no_snapshot)]["upnl_source"]) == {"snapshot"}


ACCOUNT_MONEY = (
    "account_value_open",
    "account_value_close",
    "deposits",
    "withdrawals",
    "net_flows",
)


def assert_account_daily_matches(truth: pd.DataFrame, client) -> pd.DataFrame:
    """fct_account_daily has exactly the ground truth's (account, day) rows, and its values and
    flows equal the truth to the cent; returns the two joined (truth columns suffixed _truth)."""
    return account_rows_match(truth, frame(client, "SELECT * FROM analytics.fct_account_daily"))


def account_rows_match(truth: pd.DataFrame, mart: pd.DataFrame) -> pd.DataFrame:
    """The rows of fct_account_daily (`mart`) against the ground truth, as above."""
    truth = as_float(truth.copy(), list(ACCOUNT_MONEY))
    truth["day"] = pd.to_datetime(truth["day"]).dt.date
    mart = mart.assign(day=pd.to_datetime(mart["day"]).dt.date)
    joined = truth.merge(
        mart, on=["account", "day"], how="outer", suffixes=("_truth", ""), indicator=True
    )
    assert (joined["_merge"] == "both").all()
    for col in ACCOUNT_MONEY:
        worst = (joined[f"{col}_truth"] - joined[col].astype(float)).abs().max()
        assert worst < CENT, f"{col} differs by {worst}"
    return joined


def test_account_values_flows_and_returns_match_ground_truth(built, sim):
    joined = assert_account_daily_matches(
        sim.ground_truth_account_daily(sim.origin, NOW - 1), built
    )
    assert_returns_match(joined)


def assert_returns_match(joined: pd.DataFrame, min_open_usd: float = 1.0) -> float:
    """daily_return, cumulative_return and drawdown equal pandas' computation from the truth's
    values (1e-9): a return is known when the open is at least `min_open_usd` (var
    min_account_value_for_return_usd), cumulative_return and drawdown are NULL on a day whose
    return is unknown and compound the known ones; the start (growth 1) counts as a high.
    Returns the largest difference seen."""
    joined = joined.sort_values(["account", "day"])
    opened = joined["account_value_open_truth"]
    r = (joined["account_value_close_truth"] - opened - joined["net_flows_truth"]) / opened
    r = r.where(opened >= min_open_usd)
    growth = (1 + r.fillna(0)).groupby(joined["account"]).cumprod()
    expected = {
        "daily_return": r,
        "cumulative_return": (growth - 1).where(r.notna()),
        "drawdown": (growth / growth.groupby(joined["account"]).cummax().clip(lower=1) - 1).where(
            r.notna()
        ),
    }
    worst = 0.0
    for col, want in expected.items():
        got = joined[col].astype(float)
        assert (want.isna() == got.isna()).all(), f"{col}: NULL on other days than expected"
        diff = (want - got).abs().fillna(0).max()
        assert diff < 1e-9, f"{col} differs by {diff}"
        worst = max(worst, diff)
    assert (joined["drawdown"].dropna() <= 0).all()
    return worst


def test_every_snapshotted_day_reconciles(built, sim):
    rec = frame(built, "SELECT * FROM analytics.fct_reconciliation_daily")
    # not day 0: its open is derived from its own (first) snapshot, so nothing to check
    assert len(rec) == 2 * (N_DAYS - len(NO_SNAPSHOT_DAYS) - 1)
    assert set(rec["close_source"]) == {"snapshot"}
    assert rec["is_reconciled"].astype(bool).all(), rec[["account", "day", "residual"]]
    assert (rec["residual"] - (rec["av_change"] - rec["explained"])).abs().max() < 1e-9


def _raw(client):
    snaps = client.query_df(
        "SELECT account, snapshot_at, account_value FROM hyperliquid.account_snapshots FINAL"
    )
    pos = client.query_df(
        "SELECT account, snapshot_at, coin, szi, mark_px FROM hyperliquid.position_snapshots FINAL WHERE szi != 0"
    )
    targets = client.query_df(
        "SELECT strategy, ts, coin, target_weight FROM maicro_logs.target_weights FINAL"
    )
    strategies = client.query_df(
        "SELECT account, strategy, valid_from FROM maicro_logs.account_strategies FINAL"
    )
    return snaps, pos, targets, strategies


def with_strategy(rows: pd.DataFrame, time_column: str, strategies: pd.DataFrame) -> pd.DataFrame:
    """`rows` with the strategy their account ran at `time_column` (its latest strategy row
    from at or before then); rows of an account without one are dropped."""
    valid_from = pd.to_datetime(strategies["valid_from"], utc=True)
    dtype = rows[time_column].dtype
    if getattr(dtype, "tz", None) is None:
        valid_from = valid_from.dt.tz_localize(None)
    periods = strategies.assign(valid_from=valid_from.astype(dtype)).sort_values("valid_from")
    matched = pd.merge_asof(
        rows.sort_values(time_column),
        periods,
        left_on=time_column,
        right_on="valid_from",
        by="account",
        direction="backward",
    )
    return matched.dropna(subset=["strategy"]).drop(columns="valid_from")


def expected_positions_vs_targets(client) -> pd.DataFrame:
    """The marts contract (docs/analytics.md) in pandas: as-of target set per snapshot, union of held and targeted coins."""
    snaps, pos, targets, strategies = _raw(client)
    snaps = with_strategy(snaps, "snapshot_at", strategies)
    sets = targets[["strategy", "ts"]].drop_duplicates().sort_values("ts")
    matched = pd.merge_asof(
        snaps, sets, left_on="snapshot_at", right_on="ts", by="strategy", direction="backward"
    )
    targeted = matched.merge(targets, on=["strategy", "ts"])[
        ["account", "snapshot_at", "coin", "target_weight"]
    ]
    held = pos.assign(actual_notional=pos["szi"] * pos["mark_px"])
    both = held.merge(targeted, on=["account", "snapshot_at", "coin"], how="outer")
    both = both.merge(
        matched[["account", "snapshot_at", "account_value", "strategy"]],
        on=["account", "snapshot_at"],
    )
    both["target_weight"] = both["target_weight"].fillna(0.0)
    both["actual_notional"] = both["actual_notional"].fillna(0.0)
    both["actual_weight"] = both["actual_notional"] / both["account_value"]
    both["weight_diff"] = both["target_weight"] - both["actual_weight"]
    both["target_notional"] = both["target_weight"] * both["account_value"]
    return both


def test_positions_vs_targets_match_pandas_asof_join(built):
    expected = expected_positions_vs_targets(built)
    mart = built.query_df("SELECT * FROM analytics.fct_positions_vs_targets")
    keys = ["snapshot_at", "strategy", "account", "coin"]
    joined = expected.merge(mart, on=keys, how="outer", suffixes=("_exp", ""), indicator=True)
    assert (joined["_merge"] == "both").all(), joined[joined["_merge"] != "both"][keys]
    for col in (
        "target_weight",
        "actual_weight",
        "weight_diff",
        "target_notional",
        "actual_notional",
    ):
        assert (joined[f"{col}_exp"] - joined[col]).abs().max() < 1e-9, col
    # coins targeted but not held, and held but not targeted, are both present
    assert ((joined["target_weight"] != 0) & (joined["actual_weight"] == 0)).any()
    assert ((joined["target_weight"] == 0) & (joined["actual_weight"] != 0)).any()


def test_tracking_error_matches_pandas(built):
    pvt = expected_positions_vs_targets(built)
    pvt["day"] = pd.to_datetime(pvt["snapshot_at"]).dt.date
    pvt["abs"] = pvt["weight_diff"].abs()
    per_snap = (
        pvt.groupby(["strategy", "account", "day", "snapshot_at"])
        .agg(
            l1=("abs", "sum"),
            rms=("weight_diff", lambda d: math.sqrt((d**2).mean())),
            mx=("abs", "max"),
        )
        .reset_index()
    )
    daily = (
        per_snap.groupby(["strategy", "account", "day"])
        .agg(te_l1=("l1", "mean"), te_rms=("rms", "mean"), max_abs_diff=("mx", "max"))
        .reset_index()
    )
    mart = frame(built, "SELECT * FROM analytics.fct_tracking_error_daily")
    joined = daily.merge(mart, on=["strategy", "account", "day"], suffixes=("_exp", ""))
    assert len(joined) == len(daily) > 0
    for col in ("te_l1", "te_rms", "max_abs_diff"):
        assert (joined[f"{col}_exp"] - joined[col]).abs().max() < 1e-9, col
    assert (joined["te_half_l1"] - joined["te_l1_exp"] / 2).abs().max() < 1e-9
    # days without snapshots have no weight-based figures
    assert mart.loc[~mart["day"].isin(set(daily["day"])), "te_l1"].isna().all()

    # return-based: r_target from the target set as of the start of the day and the coins'
    # close-to-close returns of the day's last 1m candle
    _snaps, _pos, targets, strategies = _raw(built)
    candles = built.query_df(
        "SELECT coin, open_time, close FROM hyperliquid.candles FINAL WHERE interval = '1m'"
    )
    candles["day"] = pd.to_datetime(candles["open_time"]).dt.date
    closes = candles.sort_values("open_time").groupby(["coin", "day"])["close"].last().reset_index()
    closes["r_coin"] = closes.groupby("coin")["close"].pct_change()
    account = frame(built, "SELECT account, day, daily_return FROM analytics.fct_account_daily")
    account["day_start"] = (
        pd.to_datetime(account["day"]).dt.tz_localize("UTC").astype("datetime64[ms, UTC]")
    )
    account = with_strategy(account, "day_start", strategies)
    targets["ts"] = pd.to_datetime(targets["ts"], utc=True).astype("datetime64[ms, UTC]")
    sets = targets[["strategy", "ts"]].drop_duplicates().sort_values("ts")
    asof = pd.merge_asof(
        account.sort_values("day_start"),
        sets,
        left_on="day_start",
        right_on="ts",
        by="strategy",
        direction="backward",
    )
    contrib = (
        asof.dropna(subset=["ts"])
        .merge(targets, on=["strategy", "ts"])
        .merge(closes[["coin", "day", "r_coin"]], on=["coin", "day"], how="left")
    )
    contrib["x"] = contrib["target_weight"] * contrib["r_coin"]
    r_target = (
        contrib.groupby(["strategy", "account", "day"])["x"]
        .sum(min_count=1)
        .reset_index(name="r_target")
    )
    active = account.merge(r_target, on=["strategy", "account", "day"], how="left")
    active["active"] = active["daily_return"].astype(float) - active["r_target"]
    active = active.sort_values("day")
    for n in (7, 30):
        expected = (
            active.set_index(pd.to_datetime(active["day"]))
            .groupby(["strategy", "account"])["active"]
            .rolling(f"{n}D", min_periods=2)
            .std(ddof=1)
            * math.sqrt(365)
        ).reset_index()
        expected["day"] = expected["day"].dt.date
        check = expected.merge(mart, on=["strategy", "account", "day"])
        got = check[f"te_ann_{n}d"].astype(float)
        assert (check["active"].isna() == got.isna()).all(), n
        assert ((check["active"] - got).abs().fillna(0) < 1e-9).all(), n
        assert got.notna().sum() > 0


def test_a_reassigned_account_keeps_its_history(built, sim):
    """Before the change the account is tracked against its old strategy, after it against the
    new one; on the day of the change both have weights, only the old one the day's return."""
    (_, first_strategy), (account, old_strategy) = sim.accounts[0], sim.accounts[1]
    switch = pd.Timestamp(SWITCH_AT, unit="ms", tz="UTC")
    pvt = built.query_df(
        "SELECT DISTINCT snapshot_at, strategy FROM analytics.fct_positions_vs_targets "
        "WHERE account = {a:String}",
        parameters={"a": account},
    )
    at = pd.to_datetime(pvt["snapshot_at"], utc=True)
    assert set(pvt.loc[at < switch, "strategy"]) == {old_strategy}
    assert set(pvt.loc[at >= switch, "strategy"]) == {first_strategy}
    assert (at < switch).sum() >= 4 and (at >= switch).sum() >= 4  # both sides of the change

    te = frame(built, "SELECT * FROM analytics.fct_tracking_error_daily")
    te = te[te["account"] == account]
    change_day = switch.date()
    days = {name: set(group["day"]) for name, group in te.groupby("strategy")}
    assert max(days[old_strategy]) == change_day == min(days[first_strategy])
    assert len(days[old_strategy] | days[first_strategy]) == N_DAYS
    on_the_day = te[te["day"] == change_day].set_index("strategy")
    assert (
        on_the_day.loc[old_strategy, "n_snapshots"]
        > 0
        < on_the_day.loc[first_strategy, "n_snapshots"]
    )
    assert pd.notna(on_the_day.loc[old_strategy, "r_actual"])
    assert pd.isna(on_the_day.loc[first_strategy, "r_actual"])
    assert pd.isna(on_the_day.loc[first_strategy, "te_ann_7d"])
    # after the change, the new strategy's return-based series starts afresh
    later = te[(te["strategy"] == first_strategy) & (te["day"] > change_day)].sort_values("day")
    assert pd.isna(later["te_ann_7d"].iloc[0])


def test_execution_quality_matches_pandas(built):
    orders = built.query_df(
        "SELECT account, oid, argMax(coin, status_timestamp) AS coin, argMax(side, status_timestamp) AS side, "
        "min(order_timestamp) AS ordered_at, argMax(orig_sz, status_timestamp) AS orig_sz "
        "FROM hyperliquid.orders FINAL GROUP BY account, oid"
    )
    fills = built.query_df(
        "SELECT account, oid, time, coin, px, sz, fee, crossed FROM hyperliquid.fills FINAL"
    )
    mids = built.query_df(
        "SELECT coin, snapshot_at, mid_px FROM hyperliquid.mids FINAL"
    ).sort_values("snapshot_at")
    candles = built.query_df(
        "SELECT coin, open_time, open FROM hyperliquid.candles FINAL WHERE interval = '1m'"
    )
    fills["notional"] = fills["px"] * fills["sz"]
    by_oid = (
        fills.groupby(["account", "oid"])
        .agg(filled=("sz", "sum"), notional=("notional", "sum"))
        .reset_index()
    )
    o = orders.merge(by_oid, on=["account", "oid"], how="left").fillna(
        {"filled": 0.0, "notional": 0.0}
    )
    o = pd.merge_asof(
        o.sort_values("ordered_at"),
        mids,
        left_on="ordered_at",
        right_on="snapshot_at",
        by="coin",
        direction="backward",
    )
    fresh = (o["ordered_at"] - o["snapshot_at"]) <= pd.Timedelta(seconds=60)
    o["minute"] = o["ordered_at"].dt.floor("min")
    o = o.merge(candles.rename(columns={"open_time": "minute"}), on=["coin", "minute"], how="left")
    o["mid"] = o["mid_px"].where(fresh, o["open"])
    assert fresh.any() and (~fresh).any(), "both mid sources should occur"
    o["sign"] = np.where(o["side"] == "B", 1, -1)
    o["avg_px"] = o["notional"] / o["filled"]
    o["day"] = o["ordered_at"].dt.date
    ok = (o["filled"] > 0) & o["mid"].notna()
    o["slip"] = np.where(ok, o["sign"] * (o["avg_px"] - o["mid"]) * o["filled"], 0.0)
    o["mid_ntl"] = np.where(ok, o["mid"] * o["filled"], 0.0)
    g = (
        o.groupby(["account", "day", "coin"])
        .agg(
            n_orders=("oid", "count"),
            filled=("filled", "sum"),
            orig=("orig_sz", "sum"),
            slip=("slip", "sum"),
            mid_ntl=("mid_ntl", "sum"),
        )
        .reset_index()
    )
    g["fill_ratio"] = g["filled"] / g["orig"]
    g["slippage_bps"] = (g["slip"] / g["mid_ntl"] * 1e4).where(g["mid_ntl"] > 0)
    fills["day"] = fills["time"].dt.date
    fills["maker"] = np.where(fills["crossed"], 0.0, fills["notional"])
    f = (
        fills.groupby(["account", "day", "coin"])
        .agg(fee=("fee", "sum"), ntl=("notional", "sum"), maker=("maker", "sum"))
        .reset_index()
    )
    f["fee_bps"] = f["fee"] / f["ntl"] * 1e4
    f["maker_share"] = f["maker"] / f["ntl"]
    mart = frame(built, "SELECT * FROM analytics.fct_execution_quality_daily")
    exp = g.merge(f, on=["account", "day", "coin"], how="outer")
    joined = exp.merge(
        mart, on=["account", "day", "coin"], how="outer", suffixes=("_exp", ""), indicator=True
    )
    assert (joined["_merge"] == "both").all()
    for col in ("fill_ratio", "slippage_bps", "fee_bps", "maker_share"):
        e, got = joined[f"{col}_exp"].astype(float), joined[col].astype(float)
        assert (e.isna() == got.isna()).all(), col
        assert ((e - got).abs().fillna(0) < 1e-9).all(), col
    assert (joined["n_orders_exp"].fillna(0) == joined["n_orders"].fillna(0)).all()


def test_docs_describe_every_mart_and_column(built, dbt_env):
    import json
    from pathlib import Path

    from maicro.catalog import MARTS

    result = run_maicro("docs", "--no-serve", env=dbt_env, check=True, timeout=600)
    target = Path(dbt_env["DBT_TARGET_PATH"])
    assert str(target / "index.html") in result.stdout and (target / "index.html").exists()
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    marts = {
        node_id: node
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["name"].startswith("fct_")
    }
    # the contract's marts (readers wait on their Assets) plus the dashboard's and the monitor's
    expected = set(MARTS) | {"fct_trades", "fct_exposure", "fct_api_latency_hourly"}
    assert {node["name"] for node in marts.values()} == expected
    for node_id, node in marts.items():
        assert node["description"].strip(), node["name"]
        built_columns = catalog["nodes"][node_id]["columns"]  # what is really in ClickHouse
        undocumented = [
            c
            for c in built_columns
            if not node["columns"].get(c, {}).get("description", "").strip()
        ]
        assert not undocumented, f"{node['name']}: {undocumented}"


def test_docs_site_is_served_and_its_port_is_free_again_at_once(built, dbt_env):
    """`maicro docs` serves the site; stopped after answering, it can start again on the same
    port straight away (a demo restarted by Ctrl-C then `make demo` must not find it taken)."""
    import signal
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from maicro.devtools.demo_env import free_port

    run_maicro("docs", "--no-serve", env=dbt_env, check=True, timeout=600)
    port = free_port()
    maicro = str(Path(sys.executable).parent / "maicro")
    env = {**os.environ, **dbt_env}
    for attempt in range(2):
        server = subprocess.Popen(
            [maicro, "docs", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # Ctrl-C as in a terminal, also when pytest itself runs as a background job (which
            # starts with SIGINT ignored, and children inherit that)
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                assert server.poll() is None, f"start {attempt + 1}: {server.stdout.read()}"
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                        time.sleep(0.3)  # the server closes first: its side lingers in TIME_WAIT
                        page = r.read().decode()
                        break
                except OSError:
                    assert time.monotonic() < deadline, "the docs site never answered"
                    time.sleep(0.5)
            assert "dbt" in page and "<html" in page.lower()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/manifest.json", timeout=5) as r:
                assert "fct_pnl_daily" in r.read().decode()
        finally:
            server.send_signal(signal.SIGINT)
            try:
                assert server.wait(timeout=30) == 0
            finally:
                server.kill()  # never left serving behind a failed test
