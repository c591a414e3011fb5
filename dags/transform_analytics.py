"""DAG `transform_analytics`: the dbt project (dbt_project/) → analytics marts on the cloud ClickHouse.

Wiring only: `maicro.transform.dbt_graph` renders the project from
dbt_project/target/manifest.json (`make setup` writes it) as one `dbt build` followed by a task
per model answering for the model and its tests (cosmos ExecutionMode.WATCHER with
maicro.transform.model_task; LOCAL on request, see docs/analytics.md), and gives each mart's
task the mart's Asset. dbt runs through
dbt_project/bin/dbt-maicro, which resolves the cloud endpoint and the maicro_transform password
when the task runs, never when this file is parsed.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, AssetAny, dag
from airflow.timetables.simple import AssetTriggeredTimetable
from maicro import catalog, settings
from maicro.health.notifier import on_failure
from maicro.transform import dbt_graph

# The replicated raw tables the marts read; any of them updating schedules a run (a build is
# idempotent and incremental, so an extra run costs seconds and changes nothing).
# Given as the timetable itself, not as the condition: Airflow hashes the DAG, schedule
# included, on every edge cosmos draws (~200 per parse, in every task process), and a condition
# hashes each Asset through json.dumps; the timetable hashes in constant time. Same schedule.
ASSETS = [Asset(table.asset_uri("cloud")) for table in catalog.data_tables()]
ANY_UPSTREAM = AssetTriggeredTimetable(AssetAny(*ASSETS))
CONFIG = settings.get()

DOC = """
### Transform analytics

Builds the analytics marts (docs/analytics.md: `fct_pnl_daily`, `fct_account_daily`,
`fct_reconciliation_daily`, `fct_positions_vs_targets`, `fct_tracking_error_daily`,
`fct_execution_quality_daily`) in the cloud ClickHouse database `analytics`, as `maicro_transform`.

* **Scheduled on** any replicated cloud raw table (Assets `clickhouse://cloud/<db>/<table>`).
* **Tasks**: `dbt.dbt_producer_watcher` runs one `dbt build` (the marts are fresh when it
  ends); then every model has one task (`dbt.<model>`) that turns green when dbt built the
  model and its tests passed, red when either failed; a failing test stops the models
  downstream of it. The reconciliation tolerance check only warns; alerts read
  `fct_reconciliation_daily.is_reconciled`.
* **Three runs** may be active, so the next build starts when the previous build ends; builds
  never overlap.
* **Results**: the build's `run_results.json` is filed in dbt's target path
  (`DBT_TARGET_PATH`, else dbt_project/target), where `monitor_health` reads the test verdicts.
* **Emits** `clickhouse://cloud/analytics/<mart>` from each mart's task, once the mart is
  built and tested.
* **Retry / clear**: a model's task that is retried or cleared runs
  `dbt build --select <that model>` (the model and its tests) alone; the build itself is never
  repeated.
* **Idempotent**: incremental models recompute whole month partitions that received new (or late)
  raw rows, so a retry or an extra run changes nothing.
* **Outside Airflow**: `maicro transform [--full-refresh]`; docs site: `maicro docs`.
* If the DAG is missing or stale after a model change: `make setup` (rebuilds the manifest).
  `MAICRO_TRANSFORM_EXECUTION_MODE=local` runs cosmos' own graph, one dbt process per model
  (`.run`) and per model's tests (`.test`), instead (slower; docs/analytics.md has the figures).
"""

if not dbt_graph.manifest_file().exists():
    raise FileNotFoundError(
        f"{dbt_graph.manifest_file()} is missing: run `make setup` (it calls "
        "maicro.transform.runner.build_manifest()) to build the dbt manifest"
    )


@dag(
    dag_id="transform_analytics",
    schedule=ANY_UPSTREAM,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    # a run's build may start while the previous run's per-model tasks still report; two builds
    # never overlap (dbt_graph: the producer runs one at a time)
    max_active_runs=3,
    doc_md=DOC,
    tags=["analytics", "dbt"],
    default_args={
        "owner": "data-platform",
        "on_failure_callback": on_failure(),
        "retries": 2,
        "retry_delay": pendulum.duration(seconds=30),
    },
)
def transform_analytics():
    dbt_graph.dbt_task_group(
        select=CONFIG.maicro_transform_select.split(),
        execution_mode=CONFIG.maicro_transform_execution_mode,
    )


transform_analytics()
