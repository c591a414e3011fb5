"""DAG `transform_analytics`: cosmos renders every model and its tests as tasks, scheduled on the
replicated Assets, and a real `airflow dags test` run builds the marts with credentials resolved
at run time."""

from __future__ import annotations

import pytest

from tests.dags.airflow_helpers import dagbag_summary, run_dag_test

# one real `airflow dags test` (each cosmos task is a dbt subprocess): ~2-3 min
pytestmark = pytest.mark.slow

MARTS = (
    "fct_pnl_daily",
    "fct_account_daily",
    "fct_reconciliation_daily",
    "fct_positions_vs_targets",
    "fct_tracking_error_daily",
    "fct_execution_quality_daily",
)


@pytest.fixture(scope="module")
def manifest(airflow_env):
    from maicro.transform.runner import build_manifest

    return build_manifest()


@pytest.fixture(scope="module")
def dag_info(manifest) -> dict:
    summary = dagbag_summary()
    assert "dags/transform_analytics.py" not in " ".join(summary["import_errors"])
    return summary["dags"]["transform_analytics"]


def test_every_model_and_its_tests_are_tasks(dag_info, manifest):
    import json

    models = [
        n["name"]
        for n in json.loads(manifest.read_text())["nodes"].values()
        if n["resource_type"] == "model"
    ]
    tasks = set(dag_info["tasks"])
    for model in models:
        assert any(
            t.startswith(f"dbt.{model}.") or t == f"dbt.{model}_run" or t.startswith(f"dbt.{model}")
            for t in tasks
        ), model
    for mart in MARTS:
        assert f"dbt.{mart}.run" in tasks and f"dbt.{mart}.test" in tasks, mart
    assert min(dag_info["retries"].values()) >= 2


def test_scheduled_on_the_replicated_cloud_assets(dag_info):
    assert dag_info["timetable"] == "AssetTriggeredTimetable"


def test_dags_test_builds_models_with_credentials_resolved_at_run_time(
    clickhouse_pair, airflow_env, manifest
):
    """A real `airflow dags test` of the DAG rendered for the fills branch (each cosmos task is
    a dbt subprocess of ~10 s on 2 cores, so the full 27-model graph is left to
    `maicro transform` tests; the wiring is the same for every node)."""
    from maicro.devtools import sim_load
    from maicro.hyperliquid.simulator import SimConfig, Simulator

    from tests.integration.test_dbt_marts import DAY_MS, ORIGIN, reset_cloud

    now = ORIGIN + 2 * DAY_MS
    sim = Simulator(SimConfig(seed=3, now_ms=now, days=2))
    client = clickhouse_pair.client("cloud", "admin")
    reset_cloud(client)
    sim_load.load_history(sim, client, sim.origin, now)
    sim_load.load_snapshots(sim, client, sim_load.end_of_day_times(sim.origin, [0, 1]))
    result = run_dag_test(
        "transform_analytics",
        timeout=900,
        extra_env={"MAICRO_TRANSFORM_SELECT": "stg_hyperliquid__fills int_fills_aggregated_daily"},
    )
    assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-4000:])
    truth = sim.ground_truth_daily(sim.origin, now - 1)
    got = client.query(
        "SELECT sum(n_fills), sum(fees), sum(realized_pnl_gross) "
        "FROM analytics.int_fills_aggregated_daily"
    ).result_rows[0]
    assert got[0] == int(truth["n_fills"].sum()) > 0
    assert abs(got[1] - float(truth["fees"].sum())) < 0.005
    assert abs(got[2] - float(truth["realized_pnl_gross"].sum())) < 0.005
    client.close()
