"""Airflow DAG `report_daily_pnl`: the daily PnL email (wiring only; see maicro.reports.dag)."""

from maicro.reports.dag import report_dag

report_daily_pnl = report_dag("daily_pnl")
