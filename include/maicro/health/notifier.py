"""The Airflow failure callback of every DAG: an Airflow Notifier that says which task failed,
through the alert channels of the health config, and records it in maicro_monitors.alerts.

Kept in the package (not plugins/): DAG files import it like any other building block, and it is
the only module of `maicro.health` that imports Airflow.
"""

from __future__ import annotations

import logging
import time

from airflow.sdk.bases.notifier import BaseNotifier

from maicro.health import alerts
from maicro.health.config import load

log = logging.getLogger(__name__)


def failure_event(context, now_ms: int) -> alerts.AlertEvent:
    """The alert for one failed task instance (or DAG run) in an Airflow callback context."""
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    task_id = getattr(ti, "task_id", None) or "dag"
    run_id = getattr(ti, "run_id", None) or getattr(context.get("dag_run"), "run_id", "?")
    error = " ".join(str(context.get("exception") or context.get("reason") or "").split())[:300]
    subject = f"{dag_id}/{task_id}"
    return alerts.AlertEvent(
        alert_key=f"task_failure:{subject}",
        check_name="task_failure",
        subject=subject,
        event="fired",
        status="fail",
        message=f"{subject} failed in run {run_id}" + (f": {error}" if error else ""),
        event_at_ms=now_ms,
    )


class AlertNotifier(BaseNotifier):
    """`on_failure_callback=AlertNotifier()`: every failure is sent (each is news) and recorded."""

    template_fields = ()

    def notify(self, context) -> None:
        from maicro.clickhouse.client import connect

        event = failure_event(context, int(time.time() * 1000))
        (sent,) = alerts.deliver([event], alerts.senders(load()))
        try:
            client = connect("local", "notifier")
            try:
                alerts.record([sent], client)
            finally:
                client.close()
        except Exception as exc:  # a down store must not hide the failure being reported
            log.error("could not record %s in maicro_monitors.alerts: %s", sent.alert_key, exc)
        log.info("failure alert %s sent via %s", sent.alert_key, ", ".join(sent.channels) or "-")


def on_failure() -> AlertNotifier:
    """What every DAG puts in default_args["on_failure_callback"]."""
    return AlertNotifier()
