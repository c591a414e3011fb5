"""DAG `monitor_health`: every minute, probe the data feed, run every health check, raise or
resolve alerts.

Wiring only: the logic is `maicro.health` (tested without Airflow); `maicro health` runs the same.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task
from maicro import catalog
from maicro.health.notifier import on_failure

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

Outside Airflow: `maicro health [--json]` (exit 1 while a check fails).
"""


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


monitor_health()
