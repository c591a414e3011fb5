"""Airflow listener: every DAG run state change (running, success, failed) is recorded in
maicro_monitors.dag_runs for the dashboard's System Health tab. Wiring only; the logic is in
maicro.dag_run_log."""

from __future__ import annotations

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin
from maicro.dag_run_log import record_dag_run


class DagRunListener:
    @hookimpl
    def on_dag_run_running(self, dag_run, msg: str) -> None:
        record_dag_run(dag_run, "running", msg)

    @hookimpl
    def on_dag_run_success(self, dag_run, msg: str) -> None:
        record_dag_run(dag_run, "success", msg)

    @hookimpl
    def on_dag_run_failed(self, dag_run, msg: str) -> None:
        record_dag_run(dag_run, "failed", msg)


class MaicroDagRunListenerPlugin(AirflowPlugin):
    name = "maicro_dag_run_listener"
    listeners = [DagRunListener()]
