"""DAG `report_daily_pnl`: the daily PnL email for the UTC day that ended, sent once.

Wiring only; the logic is `maicro.reports.report.run_scheduled` (also `maicro report daily`).
"""

from __future__ import annotations

import functools
import operator

import pendulum
from airflow.sdk import Asset, dag, task
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable
from maicro import catalog, settings
from maicro.health.notifier import on_failure

# The marts this report reads: any of them rebuilt by transform_analytics triggers a run.
MARTS = catalog.MARTS
FRESH_MARTS = functools.reduce(operator.or_, [Asset(catalog.mart_uri(m)) for m in MARTS])
DEADLINE = settings.get().maicro_report_daily_deadline
DELIVERIES = Asset(catalog.by_name("maicro_monitors.report_deliveries").asset_uri("local"))

DOC = f"""
### The daily PnL email for the UTC day that ended

* **Scheduled on** the marts it reads (Assets `clickhouse://cloud/analytics/<mart>`) **or** the
  deadline cron `{DEADLINE}` (UTC, setting `MAICRO_REPORT_DAILY_DEADLINE`).
* A mart-triggered run sends only when the run logs show the period complete (ingested for every
  account and data type, verified on the cloud, in the marts); the deadline run sends anyway with
  a banner naming what is missing.
* **Once**: `maicro_monitors.report_deliveries` is checked before sending, so retries and later
  runs send nothing twice. Transport, sender and recipients: `MAICRO_EMAIL_*`, `MAICRO_REPORT_*`.
"""


@dag(
    dag_id="report_daily_pnl",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(DEADLINE, timezone="UTC"), assets=FRESH_MARTS
    ),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=DOC,
    tags=["reports", "email"],
    default_args={
        "owner": "data-platform",
        "retries": 3,
        "retry_delay": pendulum.duration(minutes=2),
        "on_failure_callback": on_failure(),
    },
)
def report_daily_pnl():
    @task(outlets=[DELIVERIES])
    def send_report(dag_run=None) -> str:
        from maicro.reports.report import run_scheduled

        return run_scheduled(
            "daily",
            dag_run.logical_date or dag_run.run_after,
            triggered_by_assets=dag_run.run_type == "asset_triggered",
        )

    send_report()


report_daily_pnl()
