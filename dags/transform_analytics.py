"""DAG `transform_analytics`: the dbt project (dbt_project/) → analytics marts on the cloud ClickHouse.

Wiring only: astronomer-cosmos renders every dbt model (and its tests, run right after it) as
Airflow tasks from dbt_project/target/manifest.json (LoadMode.DBT_MANIFEST; `make setup` writes it
with `maicro.transform.runner.build_manifest()`). dbt runs through dbt_project/bin/dbt-maicro,
which resolves the cloud endpoint and the maicro_transform password when the task runs, never
when this file is parsed.
"""

from __future__ import annotations

import functools
import operator
import sys
from pathlib import Path

import pendulum
from airflow.sdk import Asset, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, LoadMode, TestBehavior
from maicro import catalog, settings
from maicro.health.notifier import on_failure

PROJECT = Path(__file__).resolve().parents[1] / "dbt_project"
MANIFEST = PROJECT / "target" / "manifest.json"

# The replicated raw tables the marts read; any of them updating schedules a run (a build is
# idempotent and incremental, so an extra run costs seconds and changes nothing).
ASSETS = [Asset(table.asset_uri("cloud")) for table in catalog.data_tables()]
ANY_UPSTREAM = functools.reduce(operator.or_, ASSETS)
# Optional dbt selectors (space-separated) to render a subset, e.g. to backfill one mart with
# its parents; unset = every model.
SELECT = settings.get().maicro_transform_select.split()

DOC = """
### Transform analytics

Builds the analytics marts (docs/analytics.md: `fct_pnl_daily`, `fct_account_daily`,
`fct_reconciliation_daily`, `fct_positions_vs_targets`, `fct_tracking_error_daily`,
`fct_execution_quality_daily`) in the cloud ClickHouse database `analytics`, as `maicro_transform`.

* **Scheduled on** any replicated cloud raw table (Assets `clickhouse://cloud/<db>/<table>`).
* **Tasks**: one per dbt model (`<model>.run`) followed by its tests (`<model>.test`); a failing
  test stops the models downstream of it. The reconciliation tolerance check only warns; alerts
  read `fct_reconciliation_daily.is_reconciled`.
* **Idempotent**: incremental models recompute whole month partitions that received new (or late)
  raw rows, so a retry or an extra run changes nothing.
* **Outside Airflow**: `maicro transform [--full-refresh]`; docs site: `maicro docs`.
* If the DAG is missing or stale after a model change: `make setup` (rebuilds the manifest).
"""

if not MANIFEST.exists():
    raise FileNotFoundError(
        f"{MANIFEST} is missing: run `make setup` (it calls "
        "maicro.transform.runner.build_manifest()) to build the dbt manifest"
    )


@dag(
    dag_id="transform_analytics",
    schedule=ANY_UPSTREAM,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
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
    # One Asset per mart, emitted after the whole build: reports and alerts schedule on them.
    @task(outlets=[Asset(catalog.mart_uri(m)) for m in catalog.MARTS])
    def marts_built() -> None:
        """Marks the marts rebuilt (the dbt tasks before it built and tested them)."""

    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=PROJECT,
            manifest_path=MANIFEST,
            project_name="maicro_analytics",
            install_dbt_deps=False,
            partial_parse=True,
        ),
        profile_config=ProfileConfig(
            profile_name="maicro",
            target_name="cloud",
            profiles_yml_filepath=PROJECT / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            dbt_executable_path=PROJECT / "bin" / "dbt-maicro",
            invocation_mode=InvocationMode.SUBPROCESS,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.AFTER_EACH,
            select=SELECT,
            emit_datasets=False,
        ),
        operator_args={
            "install_deps": False,
            "append_env": True,
            # the interpreter of the virtualenv Airflow runs in (has maicro and dbt)
            "env": {"MAICRO_PYTHON": sys.executable, "MAICRO_DBT_TARGET": "cloud"},
        },
    )
    dbt >> marts_built()


transform_analytics()
