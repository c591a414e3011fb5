"""The report DAGs, built from their `ReportSpec`: one definition for `report_daily_pnl` and
`report_weekly_risk`, whose DAG files only call `report_dag(<name>)`.

Each is scheduled on the marts (a run once transform_analytics has rebuilt every one of them:
the period can only be complete after that, `maicro.reports.completeness`) or its deadline
cron, whichever comes first; the task's logic is `maicro.reports.report.run_scheduled`
(testable without Airflow). Imports Airflow, so only DAG files import this module.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG, Asset, AssetAll, dag, task
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable

from maicro import catalog
from maicro.health.notifier import on_failure
from maicro.reports import specs

_DOC = """
### {title}: {what}

* **Scheduled on** every mart rebuilt since its last run (Assets
  `clickhouse://cloud/analytics/<mart>`, all of them) **or** the deadline cron `{deadline}`
  (UTC, setting `{setting}`).
* A mart-triggered run sends only when the run logs show the period complete (ingested for every
  account and data type, verified on the cloud, the marts rebuilt after that verification); the
  deadline run sends anyway with a banner naming what is missing.
* **Once**: `maicro_monitors.report_deliveries` is checked before sending, so retries and later
  runs send nothing twice. Transport, sender and recipients: `MAICRO_EMAIL_*`, `MAICRO_REPORT_*`.
* **By hand**: `maicro report {name} {option} …` (`--out FILE.html`, `--send`).
"""


def report_dag(name: str) -> DAG:
    spec = specs.get(name)
    # All of them, not any: completeness needs every mart rebuilt after the verification, and
    # with "any" each transform run's eight mart events started four or five report runs.
    fresh_marts = AssetAll(*(Asset(catalog.mart_uri(m)) for m in catalog.MARTS))
    deliveries = Asset(catalog.by_name("maicro_monitors.report_deliveries").asset_uri("local"))
    doc = _DOC.format(title=spec.title, what=spec.what, deadline=spec.deadline, name=spec.name,
                      setting=spec.deadline_setting.upper(), option=spec.period_option)  # fmt: skip

    @dag(
        dag_id=spec.dag_id,
        schedule=AssetOrTimeSchedule(
            timetable=CronTriggerTimetable(spec.deadline, timezone="UTC"),
            assets=fresh_marts,  # type: ignore[arg-type]  # the sdk Asset is serialized at parse
        ),
        start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        doc_md=doc,
        tags=["reports", "email"],
        default_args={
            "owner": "data-platform",
            "retries": 3,
            "retry_delay": pendulum.duration(minutes=2),
            "on_failure_callback": on_failure(),
        },
    )
    def report():
        @task(outlets=[deliveries])
        def send_report(dag_run=None) -> str:
            from maicro.reports.report import run_scheduled

            return run_scheduled(
                spec.name,
                dag_run.logical_date or dag_run.run_after,
                triggered_by_assets=dag_run.run_type == "asset_triggered",
            )

        send_report()

    return report()
