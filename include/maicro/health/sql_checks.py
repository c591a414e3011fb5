"""The SQL checks monitor_health runs through the common-sql provider's check operators, against
ClickHouse through the `clickhouse_connect` Airflow connections (maicro.clickhouse.airflow_hook).

Why operators as well as `maicro.health.checks`: in Airflow a breach then shows as a failed task
named after the check, with the query that found it in its log, and the provider's operators do
the judging (`SQLCheckOperator`: every value of the first row true; `SQLColumnCheckOperator`: a
column's min/max within bounds). The alert still goes through `maicro.health.alerts` (fired once,
resolved when the task next succeeds: `notifier.SqlCheckAlertNotifier`). `maicro health` (no Airflow)
keeps judging the same conditions with its Python checks; in Airflow those checks are still
run and stored (the dashboard shows them) but alert only through the SQL tasks
(`ALERTED_BY_SQL_TASKS`), so one condition raises one alert.

Only conditions one server can answer in one query are here: the latest verification (local run
log) and the reconciliation residual (cloud mart). Replication lag compares two servers.
"""

from __future__ import annotations

from maicro import catalog
from maicro.clickhouse.airflow_connections import conn_id
from maicro.health.config import load

# Python checks (maicro.health.checks names) whose alerts the SQL tasks raise in Airflow.
ALERTED_BY_SQL_TASKS = frozenset({"verification", "reconciliation"})

# SQLCheckOperator: fails unless every value of the first row is true.
VERIFICATION_CLEAN = """
SELECT countIf(mismatched > 0) = 0 AS every_table_verified_equal
FROM (
    SELECT database, table, argMax(slices_mismatched, verified_at) AS mismatched
    FROM maicro_monitors.verification_results FINAL
    GROUP BY database, table
)"""
VERIFICATION_CONN = conn_id("local", "monitor")

RECONCILIATION_TABLE = f"{catalog.ANALYTICS_DATABASE}.fct_reconciliation_daily"
RECONCILIATION_CONN = conn_id("cloud", "monitor")


def reconciliation_columns() -> dict:
    """SQLColumnCheckOperator's column_mapping: every residual within ± the dbt tolerance (the
    var the mart's is_reconciled uses)."""
    from maicro.health.checks import reconciliation_tolerance

    tolerance_usd = reconciliation_tolerance()
    return {
        "residual": {
            "min": {"geq_to": -tolerance_usd},
            "max": {"leq_to": tolerance_usd},
        }
    }


def reconciliation_window() -> str:
    """The partition clause: the days the health config's `reconciliation.lookback_days`."""
    days = int(load().value("reconciliation", "lookback_days", 7))
    return f"day >= today() - {days}"


def table_exists(server: str, table: str) -> bool:
    """Whether `database.table` exists on `server` (before the first transform the marts do not,
    and there is nothing to check yet)."""
    from maicro.clickhouse.client import connect

    database, name = table.split(".", 1)
    client = connect(server, "monitor")
    try:
        return bool(
            client.query(
                "SELECT 1 FROM system.tables WHERE database = {d:String} AND name = {t:String}",
                parameters={"d": database, "t": name},
            ).result_rows
        )
    finally:
        client.close()
