"""DAG `transform_analytics`: one `dbt build` (cosmos ExecutionMode.WATCHER's producer, the
default) ahead of one task per model that answers for the model and its tests, each mart's Asset
emitted by its mart's task, scheduled on the replicated Assets; a real `airflow dags test` builds
models with credentials resolved at run time and the numbers match the simulator's ground truth,
and a failing dbt test fails its model's task, stops the models after it and is retried alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from maicro import catalog
from maicro.transform.dbt_env import project_dir

from tests.dags.airflow_helpers import dagbag_summary, run_dag_test

PRODUCER = "dbt.dbt_producer_watcher"

# one real `airflow dags test` (one dbt build, then a sensor per node): ~1-2 min
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def manifest(airflow_env):
    from maicro.transform.runner import build_manifest

    return json.loads(build_manifest().read_text())


@pytest.fixture(scope="module")
def dag_info(manifest) -> dict:
    summary = dagbag_summary()
    assert "dags/transform_analytics.py" not in " ".join(summary["import_errors"])
    return summary["dags"]["transform_analytics"]


def _models_and_tested(manifest) -> tuple[set[str], set[str]]:
    nodes = manifest["nodes"].values()
    models = {n["name"] for n in nodes if n["resource_type"] == "model"}
    tested = {
        manifest["nodes"][parent]["name"]
        for n in nodes
        if n["resource_type"] == "test"
        for parent in n["depends_on"]["nodes"]
        if parent.startswith("model.")
    }
    return models, tested


def test_one_task_per_model(dag_info, manifest):
    models, tested = _models_and_tested(manifest)
    expected = {f"dbt.{m}" for m in models}
    assert set(dag_info["tasks"]) == expected | {PRODUCER, f"{PRODUCER}_done"}
    for mart in catalog.MARTS:
        assert mart in tested, f"{mart} has no tests gating its readers"
    assert min(r for t, r in dag_info["retries"].items() if t != PRODUCER) >= 2


def test_the_one_dbt_build_runs_before_every_model_task(dag_info):
    """No sensor can start before the build it reports on (a serial runner or a busy scheduler
    would otherwise wait for ever); a failed build still lets each root report its node."""
    upstream = dag_info["upstream"]
    roots = [t for t, up in upstream.items() if up == [PRODUCER] and t != f"{PRODUCER}_done"]
    assert [t for t, up in upstream.items() if not up] == [PRODUCER]
    assert {f"dbt.{m}" for m in ("stg_hyperliquid__fills", "stg_hyperliquid__fundings")} <= set(
        roots
    )
    assert {dag_info["trigger_rules"][t] for t in roots} == {"all_done"}
    # tests gate what follows: a mart's task waits for its parents' tasks, which answer for
    # their tests (the failing-test run below shows it)
    assert "dbt.int_fills_aggregated_daily" in upstream["dbt.fct_pnl_daily"]
    assert dag_info["retries"][PRODUCER] == 0
    assert dag_info["max_active_tis_per_dag"][PRODUCER] == 1


def test_each_mart_asset_is_emitted_by_its_mart_task_only(dag_info):
    emitted = {task: uris for task, uris in dag_info["outlets"].items() if uris}
    assert emitted == {f"dbt.{m}": [catalog.mart_uri(m)] for m in catalog.MARTS}
    assert catalog.mart_uri("fct_pnl_daily") == "clickhouse://cloud/analytics/fct_pnl_daily"


def test_scheduled_on_the_replicated_cloud_assets(dag_info):
    assert dag_info["timetable"] == "AssetTriggeredTimetable"


def _two_simulated_days(clickhouse_pair):
    """The cloud's raw tables hold two simulated days; returns (simulator, now_ms, admin client)."""
    from maicro.devtools import sim_load
    from maicro.hyperliquid.simulator import SimConfig, Simulator

    from tests.integration.test_dbt_marts import DAY_MS, ORIGIN, reset_cloud

    now = ORIGIN + 2 * DAY_MS
    sim = Simulator(SimConfig(seed=3, now_ms=now, days=2))
    client = clickhouse_pair.client("cloud", "admin")
    reset_cloud(client)
    sim_load.load_history(sim, client, sim.origin, now)
    sim_load.load_snapshots(sim, client, sim_load.end_of_day_times(sim.origin, [0, 1]))
    return sim, now, client


def _dags_test_of_the_fills_branch(unset: tuple[str, ...] = ()):
    """`airflow dags test` of the DAG rendered for two models: a staging model and the one after it."""
    return run_dag_test(
        "transform_analytics",
        timeout=900,
        extra_env={"MAICRO_TRANSFORM_SELECT": "stg_hyperliquid__fills int_fills_aggregated_daily"},
        unset=unset,
    )


def test_dags_test_builds_models_with_credentials_resolved_at_run_time(
    clickhouse_pair, airflow_env, manifest
):
    """A real `airflow dags test` of the DAG rendered for the fills branch (each cosmos task is
    a dbt subprocess of ~10 s on 2 cores, so the full 27-model graph is left to
    `maicro transform` tests; the wiring is the same for every node)."""
    sim, now, client = _two_simulated_days(clickhouse_pair)
    # No DBT_TARGET_PATH, as in `make demo`: cosmos builds in a throwaway project copy, and the
    # producer files the build's results in dbt_project/target, where the health monitor's
    # dbt_tests check reads them (before, it only ever saw builds run from the CLI). The
    # checkout's own file is put back afterwards.
    results_file = project_dir() / "target" / "run_results.json"
    kept = results_file.read_bytes() if results_file.exists() else None
    started = datetime.now(UTC)
    try:
        result = _dags_test_of_the_fills_branch(unset=("DBT_TARGET_PATH",))
        assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-4000:])
        # cosmos' producer reads Variables; our secrets backend has none and must say so quietly
        # (its base class raised NotImplementedError, logged as an error with a traceback)
        assert "Unable to retrieve variable" not in result.stdout + result.stderr
        results = json.loads(results_file.read_text())
    finally:
        if kept is None:
            results_file.unlink(missing_ok=True)
        else:
            results_file.write_bytes(kept)
    assert results["args"]["which"] == "build"
    assert datetime.fromisoformat(results["metadata"]["generated_at"]) > started
    built = {r["unique_id"] for r in results["results"]}
    assert "model.maicro_analytics.int_fills_aggregated_daily" in built
    assert any(uid.startswith("test.") for uid in built), "the build ran the models' tests"
    truth = sim.ground_truth_daily(sim.origin, now - 1)
    got = client.query(
        "SELECT sum(n_fills), sum(fees), sum(realized_pnl_gross) "
        "FROM analytics.int_fills_aggregated_daily"
    ).result_rows[0]
    assert got[0] == int(truth["n_fills"].sum()) > 0
    assert abs(got[1] - float(truth["fees"].sum())) < 0.005
    assert abs(got[2] - float(truth["realized_pnl_gross"].sum())) < 0.005
    client.close()


def test_a_failing_dbt_test_fails_its_model_task_and_stops_the_models_after_it(
    clickhouse_pair, airflow_env, manifest
):
    """A fill whose side is neither B nor A fails `accepted_values` on stg_hyperliquid__fills:
    that model's task fails (its node was built, its tests were not green), the model after it
    never turns green, and each retry runs `dbt build` for the failing model alone."""
    _, _, client = _two_simulated_days(clickhouse_pair)
    client.command(
        "INSERT INTO hyperliquid.fills SELECT * REPLACE ('X' AS side, tid + 1 AS tid) "
        "FROM hyperliquid.fills ORDER BY time DESC LIMIT 1"
    )
    try:
        result = _dags_test_of_the_fills_branch()
    finally:
        client.command(
            "ALTER TABLE hyperliquid.fills DELETE WHERE side = 'X' SETTINGS mutations_sync = 1"
        )
        client.close()
    log = result.stdout + result.stderr
    model_id = "model.maicro_analytics.stg_hyperliquid__fills"
    assert f"dbt built model '{model_id}', but its tests failed" in log, log[-4000:]
    # the model after it never ran: its task waits on the failed one (upstream_failed)
    assert "starting task_id=dbt.stg_hyperliquid__fills" in log
    assert "starting task_id=dbt.int_fills_aggregated_daily" not in log
    assert "Marking run <DagRun transform_analytics" in log and "> failed" in log
    # both retries built the failing model and its tests alone; the producer never ran again
    retries = [line for line in log.splitlines() if "Running command:" in line]
    assert len(retries) == 3, retries  # the producer's build, then one per retry
    assert all("'build', '--select', 'stg_hyperliquid__fills'," in r for r in retries[1:])
