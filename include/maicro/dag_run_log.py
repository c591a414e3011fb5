"""Record Airflow DAG run state changes in `maicro_monitors.dag_runs` (local server).

Called by the listener in plugins/maicro_dag_run_listener.py. The row is written locally as
`maicro_notifier` (insert on that one table) and reaches the cloud with the next replication, so
the dashboard shows DAG states as `maicro_reader` without access to Airflow's API. Recording is
best effort: a listener that raises would only clutter the scheduler's log, so failures are
logged in one line and swallowed.
"""

from __future__ import annotations

import logging
from datetime import datetime

log = logging.getLogger(__name__)

COLUMNS = (
    "dag_id",
    "run_id",
    "state",
    "logical_date",
    "start_date",
    "end_date",
    "message",
)


def record(
    dag_id: str,
    run_id: str,
    state: str,
    logical_date: datetime | None,
    start_date: datetime | None,
    end_date: datetime | None,
    message: str = "",
) -> bool:
    """Insert one state change; True when stored."""
    from maicro.clickhouse.client import connect

    row = (dag_id, run_id, state, logical_date, start_date, end_date, message or "")
    try:
        client = connect("local", "notifier", connect_timeout=3, send_receive_timeout=10)
        try:
            client.insert("maicro_monitors.dag_runs", [row], column_names=list(COLUMNS))
        finally:
            client.close()
    except Exception as exc:  # a listener must never break the scheduler
        log.warning("dag_runs: could not record %s %s %s: %s", dag_id, run_id, state, exc)
        return False
    return True


def record_dag_run(dag_run, state: str, message: str | None = None) -> bool:
    """`record` from an Airflow DagRun object (only its plain attributes are read)."""
    return record(
        dag_run.dag_id,
        dag_run.run_id,
        state,
        getattr(dag_run, "logical_date", None),
        getattr(dag_run, "start_date", None),
        getattr(dag_run, "end_date", None),
        message or "",
    )
