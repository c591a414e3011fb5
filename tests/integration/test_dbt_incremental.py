"""Incremental builds: late data is picked up, and a sequence of incremental builds gives exactly
the numbers of one --full-refresh build; re-running over the same data changes nothing; a build
after the month turned recomputes only the new month, carrying fills-derived positions over from
the month before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import run_maicro
from tests.integration.test_dbt_marts import (
    DAY_MS,
    N_DAYS,
    NOW,
    SWITCH_AT,
    reassign,
    reset_cloud,
    snapshot_times,
)

pytestmark = pytest.mark.slow  # four dbt builds: ~2-3 minutes on 2 cores (still run by default)

SPLIT_DAY = 5  # first build sees days [0, 5), the second all 8
LATE_DAY = 1

MART_KEYS = {
    "fct_pnl_daily": ["account", "day", "coin"],
    "fct_account_daily": ["account", "day"],
    "fct_reconciliation_daily": ["account", "day"],
    "fct_positions_vs_targets": ["snapshot_at", "strategy", "account", "coin"],
    "int_snapshots_compared_to_targets": ["snapshot_at", "strategy", "account"],
    "int_positions_derived_eod": ["account", "day", "coin"],
    "int_orders_filled": ["account", "oid"],
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


def assert_same(
    a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame], tables=tuple(MART_KEYS)
) -> None:
    for table in tables:
        left, right = a[table], b[table]
        assert len(left) == len(right) > 0, f"{table}: {len(left)} vs {len(right)} rows"
        for col in left.columns:
            if pd.api.types.is_float_dtype(left[col]):
                diff = (left[col] - right[col]).abs()
                same_null = left[col].isna() == right[col].isna()
                assert (
                    same_null.all()
                    and (diff.fillna(0) <= 1e-9 * (1 + left[col].abs().fillna(0))).all()
                ), f"{table}.{col} differs"
            else:
                same = left[col].astype(str).equals(right[col].astype(str))
                if (
                    not same
                    and left[col].dtype == object
                    and isinstance(left[col].iloc[0], (list, np.ndarray))
                ):
                    same = all(same_array(x, y) for x, y in zip(left[col], right[col]))
                assert same, f"{table}.{col} differs"


def same_array(x, y) -> bool:
    """One array cell (the tracking models' per-coin arrays): numbers up to float rounding,
    strings exactly."""
    if len(x) and not isinstance(x[0], str):
        return np.allclose(
            np.asarray(x, dtype=float), np.asarray(y, dtype=float), rtol=1e-9, atol=1e-12
        )
    return list(x) == list(y)


def load_range(
    sim, client, start: int, end: int, times: list[int], *, as_if_live: bool = False
) -> None:
    """The simulator's history and snapshots of [start, end) into the cloud raw tables."""
    from maicro.devtools import sim_load

    sim_load.load_history(sim, client, start, end, as_if_live=as_if_live)
    sim_load.load_snapshots(
        sim, client, [t for t in times if start <= t < end], as_if_live=as_if_live
    )


@pytest.fixture(scope="module")
def builds(clickhouse_pair, tmp_path_factory):
    from maicro.hyperliquid.simulator import SimConfig, Simulator

    sim = Simulator(SimConfig(seed=11, now_ms=NOW, days=N_DAYS))
    client = clickhouse_pair.client("cloud", "admin")
    reset_cloud(client)
    env = {"DBT_TARGET_PATH": str(tmp_path_factory.mktemp("dbt-target"))}
    split = sim.origin + SPLIT_DAY * DAY_MS
    times = snapshot_times(sim.origin, N_DAYS)
    load_range(sim, client, sim.origin, split, times)
    # Day 1's funding of the first account arrives late: withheld from the first build.
    account = sim.accounts[0][0]
    late_start, late_end = sim.origin + LATE_DAY * DAY_MS, sim.origin + (LATE_DAY + 1) * DAY_MS
    late_where = (
        f"account = '{account}' AND time >= fromUnixTimestamp64Milli({late_start}) "
        f"AND time < fromUnixTimestamp64Milli({late_end})"
    )
    late_rows = client.query(
        f"SELECT count() FROM hyperliquid.funding WHERE {late_where}"
    ).result_rows[0][0]
    assert late_rows > 0
    client.command(
        f"DELETE FROM hyperliquid.funding WHERE {late_where}", settings={"mutations_sync": 2}
    )
    run_maicro("transform", "--no-tests", env=env, check=True, timeout=900)
    first = read_all(client)

    load_range(sim, client, split, NOW, times)
    # The second account's re-assignment, dated inside what the first build already covers,
    # arrives only now.
    reassign(client, sim.accounts[1][0], sim.accounts[0][1], SWITCH_AT)
    # The late rows were ingested locally an hour ago and replicated only now: their
    # ingested_at is older than what the first build already holds (within the lookback).
    from maicro.ingest import funding

    rows = [
        funding.parse(rec, account) for rec in sim.records("funding", account, late_start, late_end)
    ]
    client.insert(
        "hyperliquid.funding",
        [r + (pd.Timestamp.now(tz="UTC") - pd.Timedelta(hours=1),) for r in rows],
        column_names=list(funding.COLUMNS) + ["ingested_at"],
    )
    run_maicro("transform", env=env, check=True, timeout=900)
    incremental = read_all(client)
    run_maicro("transform", "--no-tests", env=env, check=True, timeout=900)
    rerun = read_all(client)
    run_maicro("transform", "--full-refresh", "--no-tests", env=env, check=True, timeout=900)
    full = read_all(client)
    yield {
        "first": first,
        "incremental": incremental,
        "rerun": rerun,
        "full": full,
        "sim": sim,
        "account": account,
        "late_rows": late_rows,
    }
    client.close()


def test_sequence_of_incremental_builds_equals_full_refresh(builds):
    assert_same(builds["incremental"], builds["full"])


def test_rebuilding_over_the_same_data_changes_nothing(builds):
    assert_same(builds["incremental"], builds["rerun"])


def test_a_late_reassignment_reaches_back_to_its_time(builds):
    (_, new), (account, old) = builds["sim"].accounts[0], builds["sim"].accounts[1]
    switch = pd.Timestamp(SWITCH_AT, unit="ms", tz="UTC")

    def strategies(result, after: bool) -> set[str]:
        df = result["int_snapshots_compared_to_targets"]
        at = pd.to_datetime(df["snapshot_at"], utc=True)
        return set(df.loc[(df["account"] == account) & ((at >= switch) == after), "strategy"])

    assert strategies(builds["first"], after=True) == {old}
    assert strategies(builds["incremental"], after=True) == {new}
    assert strategies(builds["incremental"], after=False) == {old}


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


# The month carry: history up to the last day of November was ingested as it happened
# (ingested_at = record time + 1 minute); the build after December's first days arrive must
# recompute December alone (with a lookback of 0 no November row is newer than what the models
# hold), fold December's fills onto the positions saved for November 30th, and equal a full
# rebuild.
CARRY_DAYS = 6  # [0, 6) = Nov 25-30; then Dec 1-2
CARRY_VARS = "{late_arrival_lookback_hours: 0}"


def november_parts(client) -> dict[str, list[str]]:
    rows = client.query(
        "SELECT table, groupArray(name) FROM system.parts WHERE database = 'analytics' AND active"
        " AND partition = '202511' GROUP BY table"
    ).result_rows
    return {table: sorted(names) for table, names in rows}


@pytest.fixture(scope="module")
def carried(builds, clickhouse_pair, tmp_path_factory):
    from maicro.hyperliquid.simulator import SimConfig, Simulator

    sim = Simulator(SimConfig(seed=5, now_ms=NOW, days=N_DAYS))
    client = clickhouse_pair.client("cloud", "admin")
    reset_cloud(client)
    env = {"DBT_TARGET_PATH": str(tmp_path_factory.mktemp("dbt-target"))}
    split = sim.origin + CARRY_DAYS * DAY_MS
    times = snapshot_times(sim.origin, N_DAYS)
    load_range(sim, client, sim.origin, split, times, as_if_live=True)
    run_maicro("transform", "--no-tests", "--vars", CARRY_VARS, env=env, check=True, timeout=900)
    before = november_parts(client)

    load_range(sim, client, split, NOW, times, as_if_live=True)
    run_maicro("transform", "--no-tests", "--vars", CARRY_VARS, env=env, check=True, timeout=900)
    after = november_parts(client)
    incremental = read_all(client)
    run_maicro("transform", "--full-refresh", "--no-tests", env=env, check=True, timeout=900)
    yield {"before": before, "after": after, "incremental": incremental, "full": read_all(client)}
    client.close()


def test_a_new_month_leaves_the_previous_month_untouched(carried):
    # (not int_orders_filled: its watermark is its orders' and fills' ingestion, so the candles
    # of November's last minutes, ingested after its last order, look new to it)
    incremental_models = (
        "int_positions_derived_eod",
        "int_fills_aggregated_daily",
        "int_snapshots_compared_to_targets",
        "fct_positions_vs_targets",
    )
    for model in incremental_models:
        assert carried["before"].get(model), f"{model} has no November partition"
        assert carried["after"][model] == carried["before"][model], (
            f"{model}: November was rewritten"
        )


def test_fills_derived_positions_carry_over_the_month_boundary(carried):
    derived = carried["incremental"]["int_positions_derived_eod"]
    december = derived[pd.to_datetime(derived["day"]).dt.month == 12]
    carried_over = december[pd.to_datetime(december["last_fill_day"]).dt.month == 11]
    assert len(december) > 0 and (december["szi"] != 0).any()
    assert len(carried_over) > 0, (
        "no December day relies on a November state: the carry is untested"
    )
    assert_same(carried["incremental"], carried["full"])
