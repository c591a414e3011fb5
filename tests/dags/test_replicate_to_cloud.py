"""DAG `replicate_to_cloud` through real Airflow (`airflow dags test`) against the embedded pair."""

from __future__ import annotations

import pytest
from maicro.catalog import table_uri
from maicro.replication.discovery import project_tables

from tests.dags.airflow_helpers import dagbag_summary, run_dag_test
from tests.integration.replication_helpers import admin, count, rows, runs, seed_fills


def test_shape_schedule_on_local_assets_and_cloud_outlets(airflow_env):
    info = dagbag_summary()["dags"]["replicate_to_cloud"]
    assert info["tasks"] == ["replicate", "verify_and_repair"]
    assert all(r >= 2 for r in info["retries"].values())
    outlets = set(info["outlets"]["replicate"])
    assert {table_uri("cloud", *t.split(".")) for t in project_tables()} <= outlets
    assert "Asset" in info["timetable"]


@pytest.mark.slow  # ~50 s: one real `airflow dags test` run
def test_dag_run_replicates_a_foreign_table_and_verifies(airflow_env, fresh_clickhouse):
    seed_fills(500)
    admin(
        "local",
        "CREATE TABLE binance.funding_rates (symbol String, ts DateTime, rate Float64) "
        "ENGINE = MergeTree PARTITION BY toYYYYMM(ts) ORDER BY (symbol, ts)",
    )
    admin(
        "local",
        "INSERT INTO binance.funding_rates SELECT 'BTCUSDT', toDateTime('2026-01-01') + "
        "number * 28800, number / 1e5 FROM numbers(300)",
    )
    result = run_dag_test("replicate_to_cloud")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert rows("cloud", "hyperliquid.fills", "account, coin, time, tid") == rows(
        "local", "hyperliquid.fills", "account, coin, time, tid"
    )
    assert count("cloud", "binance.funding_rates") == 300
    assert {r["table"] for r in runs("cloud") if r["status"] == "ok"} >= {"fills", "funding_rates"}
    # verify_and_repair ran after replicate and found both sides equal.
    client_rows = [r for r in _verifications() if r["table"] in ("fills", "funding_rates")]
    assert {(r["table"], r["status"]) for r in client_rows} == {
        ("fills", "ok"),
        ("funding_rates", "ok"),
    }


def _verifications() -> list[dict]:
    from maicro.clickhouse.client import connect

    client = connect("local", "admin")
    try:
        return list(
            client.query("SELECT * FROM maicro_monitors.verification_results").named_results()
        )
    finally:
        client.close()
