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


class SqlCheckAlertNotifier(AlertNotifier):
    """The on_failure and on_success callback of a SQL check task (`maicro.health.sql_checks`):
    its outcome becomes a check result judged by the alerts' memory, so a breach fires once
    (not at every minute's failed run), reminds, and resolves when the task next succeeds.
    A failure of the task itself (ClickHouse unreachable) is reported the same way: the check
    could not confirm the condition."""

    template_fields = ()

    def notify(self, context) -> None:
        from maicro.clickhouse.client import connect
        from maicro.health.checks import CheckResult

        ti = context.get("ti") or context.get("task_instance")
        task_id = getattr(ti, "task_id", "?")
        error = context.get("exception")
        detail = " ".join(str(error or "").split())[:300]
        now_ms = int(time.time() * 1000)
        result = CheckResult(
            check_name=f"sql_{task_id}",
            subject=getattr(ti, "dag_id", "?"),
            status="fail" if error else "ok",
            value=None,
            threshold=None,
            unit="",
            message=f"SQL check {task_id} " + (f"failed: {detail}" if error else "passed"),
            as_of_ms=now_ms,
        )
        client = connect("local", "notifier")
        try:
            events = alerts.process([result], config=load(), client=client, now_ms=now_ms)
        finally:
            client.close()
        log.info("%s: %s", result.alert_key, ", ".join(e.event for e in events) or "no alert event")
