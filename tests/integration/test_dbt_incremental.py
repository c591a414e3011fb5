"""Incremental builds: late data is picked up, and a sequence of incremental builds gives exactly
the numbers of one --full-refresh build; re-running over the same data changes nothing."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.slow  # four dbt builds: ~2-3 minutes on 2 cores (still run by default)

from tests.conftest import run_maicro
from tests.integration.test_dbt_marts import DAY_MS, N_DAYS, NOW, reset_cloud, snapshot_times

SPLIT_DAY = 5  # first build sees days [0, 5), the second all 8
LATE_DAY = 1

MART_KEYS = {
    "fct_pnl_daily": ["account", "day", "coin"],
    "fct_account_daily": ["account", "day"],
    "fct_reconciliation_daily": ["account", "day"],
    "fct_positions_vs_targets": ["snapshot_at", "strategy", "account", "coin"],
    "fct_tracking_error_daily": ["strategy", "account", "day"],
    "fct_execution_quality_daily": ["account", "day", "coin"],
    "int_fills_aggregated_daily": ["account", "day", "coin"],
    "int_fundings_aggregated_daily": ["account", "day", "coin"],
    "int_accounts_snapshotted_eod": ["account", "day"],
    "int_positions_snapshotted_eod": ["account", "day", "coin"],
    "int_coin_prices_daily": ["coin", "day"],
}


def read_all(client) -> dict[str, pd.DataFrame]:
    out = {}
    for table, keys in MART_KEYS.items():
        df = client.query_df(f"SELECT * FROM analytics.{table}")
        df = df.drop(columns=[c for c in df.columns if c in ("max_ingested_at",)])
        out[table] = df.sort_values(keys).reset_index(drop=True)
    return out


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for table in MART_KEYS:
        left, right = a[table], b[table]
        assert len(left) == len(right) > 0, f"{table}: {len(left)} vs {len(right)} rows"
        for col in left.columns:
            if pd.api.types.is_float_dtype(left[col]):
                diff = (left[col] - right[col]).abs()
                same_null = left[col].isna() == right[col].isna()
                assert same_null.all() and (diff.fillna(0) <= 1e-9 * (1 + left[col].abs().fillna(0))).all(), \
                    f"{table}.{col} differs"
            else:
                assert left[col].astype(str).equals(right[col].astype(str)), f"{table}.{col} differs"


@pytest.fixture(scope="module")
def builds(clickhouse_pair, tmp_path_factory):
    from maicro.hyperliquid.simulator import SimConfig, Simulator
    from maicro.transform import sim_load

    sim = Simulator(SimConfig(seed=11, now_ms=NOW, days=N_DAYS))
    client = clickhouse_pair.client("cloud", "admin")
    reset_cloud(client)
    env = {"DBT_TARGET_PATH": str(tmp_path_factory.mktemp("dbt-target"))}
    split = sim.origin + SPLIT_DAY * DAY_MS
    times = snapshot_times(sim.origin, N_DAYS)
    sim_load.load_history(sim, client, sim.origin, split)
    sim_load.load_snapshots(sim, client, [t for t in times if t < split])
    # Day 1's funding of the first account arrives late: withheld from the first build.
    account = sim.accounts[0][0]
    late_start, late_end = sim.origin + LATE_DAY * DAY_MS, sim.origin + (LATE_DAY + 1) * DAY_MS
    late_where = (f"account = '{account}' AND time >= fromUnixTimestamp64Milli({late_start}) "
                  f"AND time < fromUnixTimestamp64Milli({late_end})")
    late_rows = client.query(f"SELECT count() FROM hyperliquid.funding WHERE {late_where}").result_rows[0][0]
    assert late_rows > 0
    client.command(f"DELETE FROM hyperliquid.funding WHERE {late_where}",
                   settings={"mutations_sync": 2})
    run_maicro("transform", "--no-tests", env=env, check=True, timeout=900)
    first = read_all(client)

    sim_load.load_history(sim, client, split, NOW)
    sim_load.load_snapshots(sim, client, [t for t in times if t >= split])
    # The late rows were ingested locally an hour ago and replicated only now: their
    # ingested_at is older than what the first build already holds (within the lookback).
    from maicro.ingest import funding

    rows = [funding.parse(rec, account) for rec in sim.records("funding", account, late_start, late_end)]
    client.insert("hyperliquid.funding", [r + (pd.Timestamp.now(tz="UTC") - pd.Timedelta(hours=1),) for r in rows],
                  column_names=list(funding.COLUMNS) + ["ingested_at"])
    run_maicro("transform", env=env, check=True, timeout=900)
    incremental = read_all(client)
    run_maicro("transform", "--no-tests", env=env, check=True, timeout=900)
    rerun = read_all(client)
    run_maicro("transform", "--full-refresh", "--no-tests", env=env, check=True, timeout=900)
    full = read_all(client)
    yield {"first": first, "incremental": incremental, "rerun": rerun, "full": full,
           "sim": sim, "account": account, "late_rows": late_rows}
    client.close()


def test_sequence_of_incremental_builds_equals_full_refresh(builds):
    assert_same(builds["incremental"], builds["full"])


def test_rebuilding_over_the_same_data_changes_nothing(builds):
    assert_same(builds["incremental"], builds["rerun"])


def test_late_funding_lands_in_its_own_day(builds):
    day = pd.Timestamp(builds["sim"].origin + LATE_DAY * DAY_MS, unit="ms").date()
    account = builds["account"]

    def funding_on(result):
        df = result["int_fundings_aggregated_daily"]
        df = df[(df["account"] == account) & (pd.to_datetime(df["day"]).dt.date == day)]
        return df["n_payments"].sum()

    assert funding_on(builds["first"]) == 0
    assert funding_on(builds["incremental"]) == builds["late_rows"]
    truth = builds["sim"].ground_truth_daily(builds["sim"].origin, NOW - 1)
    truth = truth[(truth["account"] == account) & (truth["day"] == day)]
    pnl = builds["incremental"]["fct_pnl_daily"]
    pnl = pnl[(pnl["account"] == account) & (pd.to_datetime(pnl["day"]).dt.date == day)]
    assert abs(pnl["funding"].sum() - float(truth["funding"].sum())) < 0.005
