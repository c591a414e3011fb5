"""DAG `monitor_health`: every minute, probe the data feed, run every health check, raise or
resolve alerts.

Wiring only: the logic is `maicro.health` (tested without Airflow); `maicro health` runs the same.
"""

from __future__ import annotations

import pendulum
from airflow.providers.common.sql.operators.sql import SQLCheckOperator, SQLColumnCheckOperator
from airflow.sdk import Asset, dag, task
from maicro import catalog
from maicro.health import sql_checks
from maicro.health.notifier import SqlCheckAlertNotifier, on_failure

PROBES = [Asset(catalog.by_name("maicro_monitors.api_probes").asset_uri("local"))]
RESULTS = [
    Asset(catalog.by_name(f"maicro_monitors.{name}").asset_uri("local"))
    for name in ("health_checks", "alerts")
]

DOC = """
### Monitor health

1. **probe** — the data-feed latency probe (`maicro.health.probe`): the /info request types the
   project uses, against `HYPERLIQUID_API_URL` and `HYPERLIQUID_API_URL_SECONDARY`: round trip,
   exchange clock skew, newest candle and mid age, errors → `maicro_monitors.api_probes`
   (the secondary gets the light requests and every other minute's heavy one: 52 API weight
   per minute for both endpoints, 4.3% of the 1200/min budget; `bench/health_bench.py`).
2. **check_and_alert** — every check of `maicro.health.checks` (heartbeat, ingest runs,
   replication lag, verification, reconciliation, tracking error, data feed, dbt tests and
   source freshness, DAG success) → `maicro_monitors.health_checks`; alerts fire once, remind
   every `alerts.reminder_interval`, resolve when clear (`maicro_monitors.alerts`), by email and
   chat as `MAICRO_HEALTH_CONFIG` says. `dbt source freshness` runs every `dbt.freshness_every`.

3. **verification_clean**, **reconciliation_within_tolerance** — the SQL checks through the
   common-sql provider's operators (`SQLCheckOperator`, `SQLColumnCheckOperator`) on the
   `clickhouse_<server>_monitor` connections (`maicro.health.sql_checks`); a breach fails the
   task, and `SqlCheckAlertNotifier` fires its alert once and resolves it when the task passes again.
   The reconciliation check waits for the mart to exist (**marts_built**).

Outside Airflow: `maicro health [--json]` (exit 1 while a check fails).
"""
# The SQL check tasks alert through the alerts' memory (fire once, resolve), not per failure;
# a breach is not retried (retry_on_failure=False), a connection error is.
SQL_CHECK_ARGS = {
    "retry_on_failure": False,
    "on_failure_callback": SqlCheckAlertNotifier(),
    "on_success_callback": SqlCheckAlertNotifier(),
}


@dag(
    dag_id="monitor_health",
    schedule="* * * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=DOC,
    tags=["health", "alerts"],
    default_args={
        "owner": "data-platform",
        "retries": 2,
        "retry_delay": pendulum.duration(seconds=10),
        "on_failure_callback": on_failure(),
    },
)
def monitor_health():
    @task(outlets=PROBES)
    def probe():
        from maicro.health.monitor import probe_step

        return probe_step()

    @task(outlets=RESULTS)
    def check_and_alert(data_interval_end=None):
        from maicro.health.monitor import check_step

        return check_step(int(data_interval_end.timestamp() * 1000))

    probe() >> check_and_alert()

    SQLCheckOperator(
        task_id="verification_clean",
        conn_id=sql_checks.VERIFICATION_CONN,
        sql=sql_checks.VERIFICATION_CLEAN,
        **SQL_CHECK_ARGS,
    )

    @task.short_circuit
    def marts_built() -> bool:
        return sql_checks.table_exists("cloud", sql_checks.RECONCILIATION_TABLE)

    marts_built() >> SQLColumnCheckOperator(
        task_id="reconciliation_within_tolerance",
        conn_id=sql_checks.RECONCILIATION_CONN,
        table=sql_checks.RECONCILIATION_TABLE,
        column_mapping=sql_checks.reconciliation_columns(),
        partition_clause=sql_checks.reconciliation_window(),
        **SQL_CHECK_ARGS,
    )


monitor_health()
