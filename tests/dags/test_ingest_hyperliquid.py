"""DAG `ingest_hyperliquid` with real Airflow (`airflow dags test`) against the simulator."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from maicro.hyperliquid.simulator import SimConfig, start_simulator

from tests.dags.airflow_helpers import dagbag_summary, run_dag_test
from tests.integration._ingest_support import (
    NOW,
    assert_close,
    expected_fills_from_records,
    keyed,
    query,
    stored_daily_fills,
)

MINUTE = 60_000
HOUR = 3_600_000
# one task per ingest data type, written out (not read from the catalog) so the test can fail
TASKS = [
    "candles",
    "fills",
    "funding",
    "ledger",
    "market",
    "orders",
    "portfolio",
    "snapshots",
    "targets",
]


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()


@pytest.fixture(scope="module")
def dag(airflow_env) -> dict:
    return dagbag_summary()["dags"]["ingest_hyperliquid"]


def test_shape_tasks_outlets_and_schedule(dag):
    assert sorted(dag["tasks"]) == sorted(TASKS)
    assert dag["timetable"] == "CronDataIntervalTimetable"
    assert dag["schedule"] == "* * * * *"
    assert "clickhouse://local/hyperliquid/fills" in dag["outlets"]["fills"]
    assert set(dag["outlets"]["snapshots"]) >= {
        "clickhouse://local/hyperliquid/account_snapshots",
        "clickhouse://local/hyperliquid/position_snapshots",
        "clickhouse://local/hyperliquid/open_order_snapshots",
    }
    assert "clickhouse://local/maicro_logs/target_weights" in dag["outlets"]["targets"]
    assert all(r >= 2 for r in dag["retries"].values())


@pytest.fixture
def sim(fresh_clickhouse, airflow_env):
    with start_simulator(
        SimConfig(seed=21, n_accounts=2, days=1, now_ms=NOW, fills_per_day=2000, rate_limit=False)
    ) as handle:
        yield (
            handle,
            {
                "HYPERLIQUID_API_URL": handle.url,
                "MAICRO_ACCOUNTS": ",".join(f"{a}={s}" for a, s in handle.sim.accounts),
                "MAICRO_TARGETS_URL": f"{handle.url}/strategy/targets.csv",
                "MAICRO_HL_WEIGHT_PER_MINUTE": "0",
            },
        )


@pytest.mark.slow  # ~50 s: eight tasks through real Airflow
def test_live_run_covers_its_data_interval(sim, fresh_clickhouse):
    """A run of a 4-hourly schedule ingests exactly [NOW-4h, NOW), snapshots too.
    (`airflow dags test DAG DATE` runs the interval that ends at DATE.)"""
    handle, env = sim
    result = run_dag_test(
        "ingest_hyperliquid", iso(NOW), extra_env={**env, "MAICRO_INGEST_SCHEDULE": "0 */4 * * *"}
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    runs = query(
        fresh_clickhouse,
        "SELECT data_type, status, "
        "toUnixTimestamp64Milli(window_start) AS s, toUnixTimestamp64Milli(window_end) AS e "
        "FROM maicro_monitors.ingest_runs",
    )
    assert set(runs["data_type"]) == set(TASKS)
    assert set(zip(runs["s"], runs["e"])) == {(NOW - 4 * HOUR, NOW)}
    assert "skipped" not in set(runs[runs["data_type"] != "targets"]["status"])
    expected = expected_fills_from_records(handle.sim, NOW - 4 * HOUR, NOW)
    assert expected
    assert_close(
        keyed(
            stored_daily_fills(fresh_clickhouse),
            ["n_fills", "realized_pnl_gross", "fees", "volume_usd"],
        ),
        expected,
    )
    assert (
        query(fresh_clickhouse, "SELECT count() AS n FROM hyperliquid.account_snapshots")["n"][0]
        == 2
    )
    candles = query(
        fresh_clickhouse, "SELECT coin, count() AS n FROM hyperliquid.candles GROUP BY coin"
    )
    assert len(candles) > 0 and set(candles["n"]) == {4 * 60}


@pytest.mark.slow  # ~50 s
def test_backfill_run_of_an_old_minute_skips_snapshots(sim, fresh_clickhouse):
    """The default minutely schedule: an old minute's run fetches that minute only."""
    handle, env = sim
    account = handle.sim.accounts[0][0]
    first_fill = handle.sim.records("fills", account, NOW - 8 * HOUR, NOW)[0]["time"]
    logical = first_fill // MINUTE * MINUTE  # a minute with at least one fill
    result = run_dag_test("ingest_hyperliquid", iso(logical + MINUTE), extra_env=env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    runs = query(
        fresh_clickhouse,
        "SELECT data_type, status, "
        "toUnixTimestamp64Milli(window_start) AS s, toUnixTimestamp64Milli(window_end) AS e "
        "FROM maicro_monitors.ingest_runs",
    )
    assert set(zip(runs["s"], runs["e"])) == {(logical, logical + MINUTE)}
    assert set(runs[runs["data_type"].isin(["snapshots", "market"])]["status"]) == {"skipped"}
    expected = expected_fills_from_records(handle.sim, logical, logical + MINUTE)
    assert expected
    assert_close(
        keyed(
            stored_daily_fills(fresh_clickhouse),
            ["n_fills", "realized_pnl_gross", "fees", "volume_usd"],
        ),
        expected,
    )
