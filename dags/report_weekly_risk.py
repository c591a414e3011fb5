"""Airflow DAG `report_weekly_risk`: the weekly risk email (wiring only; see maicro.reports.dag)."""

from maicro.reports.dag import report_dag

report_weekly_risk = report_dag("weekly_risk")
