"""DAG `ingest_hyperliquid`: Hyperliquid /info and strategy targets → the local ClickHouse.

Wiring only: every task calls `maicro.ingest.run.run_step(data_type, start, end)` over its data
interval; the logic lives (and is tested) in `include/maicro/ingest/`.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable
from maicro import catalog, priorities, settings
from maicro.catalog import DATA_TYPES
from maicro.health.notifier import on_failure

CONFIG = settings.get()
SCHEDULE = CONFIG.maicro_ingest_schedule

DOC = (
    f"""
### Ingest Hyperliquid

Every run fetches exactly its data interval **[start, end)** (schedule `{SCHEDULE}`,
`MAICRO_INGEST_SCHEDULE`), for the accounts in `MAICRO_ACCOUNTS`, into the *local* ClickHouse.
One task per data type; each emits the Assets of the tables it fills, which replication is
scheduled on.

| task | tables |
|---|---|
"""
    + "\n".join(
        f"| `{t}` | {', '.join(x.qualified for x in catalog.ingest_tables(t))} |"
        for t in DATA_TYPES
    )
    + """

Every task also writes its run log (`maicro_monitors.ingest_runs`: counts, quarantined records,
API weight, status), its HTTP round trips (`api_latency`) and rejected records (`quarantine`).
`snapshots` and `market` describe *now*: in catch-up/backfill runs of old windows they are
skipped (status `skipped` in the run log). Re-running any interval duplicates nothing, so
clear/retry/backfill freely (`airflow backfill create --dag-id ingest_hyperliquid …`;
`MAICRO_INGEST_CATCHUP=true` with `MAICRO_INGEST_START_DATE` for scheduler catch-up). A task that
could not fetch everything fails after storing the rest, and its retry repeats the interval.
`airflow dags test ingest_hyperliquid DATE` runs the interval that ends at DATE. Outside
Airflow: `maicro ingest --start … --end …`.
"""
)


def _outlets(data_type: str) -> list[Asset]:
    return [Asset(table.asset_uri("local")) for table in catalog.step_outputs(data_type)]


@dag(
    dag_id="ingest_hyperliquid",
    schedule=CronDataIntervalTimetable(SCHEDULE, timezone="UTC"),
    start_date=pendulum.parse(CONFIG.maicro_ingest_start_date, tz="UTC"),
    catchup=CONFIG.maicro_ingest_catchup,
    max_active_runs=4,
    doc_md=DOC,
    tags=["ingest", "hyperliquid"],
    default_args={
        **priorities.FRESHNESS_PATH,  # queued before the transform's sensors
        "owner": "data-platform",
        "on_failure_callback": on_failure(),
        "retries": 3,
        "retry_delay": pendulum.duration(seconds=20),
        "retry_exponential_backoff": True,
    },
)
def ingest_hyperliquid():
    steps = {}
    for data_type in DATA_TYPES:

        @task(task_id=data_type, outlets=_outlets(data_type))
        def ingest(data_type: str = data_type, data_interval_start=None, data_interval_end=None):
            from maicro.ingest.run import run_step

            return run_step(data_type, data_interval_start, data_interval_end)

        steps[data_type] = ingest()
    # Candles are fetched for the coins held or targeted, which the other steps store first.
    [steps["targets"], steps["fills"], steps["snapshots"]] >> steps["candles"]


ingest_hyperliquid()
