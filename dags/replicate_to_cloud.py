"""DAG `replicate_to_cloud`: the local raw databases → the cloud ClickHouse, incremental, verified.

Wiring only: the steps are `maicro.replication.steps` (tested without Airflow); the design is in
docs/replication.md.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, AssetAlias, AssetAny, dag, task
from maicro import catalog, priorities
from maicro.health.notifier import on_failure

# Scheduled on what ingestion writes locally (not on replication's own run logs); emits the cloud
# copies, which transform waits for.
INGESTED = [
    Asset(t.asset_uri("local")) for t in catalog.TABLES if t.written_by != catalog.REPLICATION
]
REPLICATED = [Asset(t.asset_uri("cloud")) for t in catalog.TABLES]
FOREIGN = AssetAlias("replicated_foreign_tables")

DOC = """
### Replicate to cloud

Triggered whenever ingestion updates a local raw table (any of its `clickhouse://local/…` Assets).

1. **replicate** — `maicro replicate`: every MergeTree table of `MAICRO_REPLICATION_DATABASES`
   (default maicro_monitors, maicro_logs, binance, hyperliquid), including tables other producers
   created: missing tables and added columns are created on the cloud; only partitions that
   changed since the last sync are sent (server-to-server, `remote()`), each swapped in atomically
   (`REPLACE PARTITION`), so retries and kills never duplicate or lose a row. Falls back to
   `MAICRO_CLOUD_CLICKHOUSE_SECONDARY_URL` if the primary cloud is down. Emits the
   `clickhouse://cloud/…` Assets (tables of other producers through the alias
   `replicated_foreign_tables`). Fails if any table failed (e.g. an incompatible schema change:
   the message names table and column; the other tables are synced anyway).
2. **verify_and_repair** — `maicro replicate --repair`: compares both sides per (partition, day)
   with row counts and order-independent checksums, re-sends every differing partition and fails
   if a difference survives.

Every sync and verification is logged in `maicro_monitors.replication_runs` /
`verification_results` (rows sent, lag behind local, duration, result) for the health tab.
One run at a time (`max_active_runs=1`). Outside Airflow: `maicro replicate`, `maicro verify`.
"""


@dag(
    dag_id="replicate_to_cloud",
    schedule=AssetAny(*INGESTED),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=DOC,
    tags=["replication", "clickhouse"],
    default_args={
        **priorities.FRESHNESS_PATH,  # queued before the transform's sensors
        "owner": "data-platform",
        "on_failure_callback": on_failure(),
        "retries": 3,
        "retry_delay": pendulum.duration(seconds=30),
        "retry_exponential_backoff": True,
    },
)
def replicate_to_cloud():
    @task(outlets=[*REPLICATED, FOREIGN])
    def replicate(*, outlet_events=None):
        from maicro.replication.steps import foreign_table_uris, replicate_step

        summary = replicate_step()
        for uri in foreign_table_uris(summary):
            outlet_events[FOREIGN].add(Asset(uri))
        return summary

    @task
    def verify_and_repair():
        from maicro.replication.steps import verify_and_repair_step

        return verify_and_repair_step()

    replicate() >> verify_and_repair()


replicate_to_cloud()
