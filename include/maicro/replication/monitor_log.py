"""Write each sync and verification to maicro_monitors (health tab, alerts).

Rows go to the LOCAL server, the only one we can always reach, and travel to the cloud like any
other maicro_monitors table: right after the run (run.push_monitors) or, if the cloud was down,
with the first run after it comes back. Nothing about a failed run is lost.
"""

from __future__ import annotations

from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client

from maicro.replication.reports import RunReport, VerifyReport


def _last_success(local: Client) -> dict[tuple[str, str], datetime]:
    rows = local.query(
        "SELECT database, table, max(started_at) FROM maicro_monitors.replication_runs "
        "WHERE status = 'ok' GROUP BY database, table"
    ).result_rows
    return {(d, t): started for d, t, started in rows}


def _oldest_part(local: Client, database: str, table: str) -> datetime | None:
    value = local.query(
        "SELECT min(modification_time) FROM system.parts WHERE database = {d:String} "
        "AND table = {t:String} AND active",
        parameters={"d": database, "t": table},
    ).result_rows[0][0]
    return value if value and value.year > 1970 else None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def record_runs(local: Client, run: RunReport) -> None:
    """One row per table. lag_seconds = how far the cloud's copy is behind local at the end of
    the run: since this run started if it succeeded, else since the last successful run started
    (or since the oldest local data if there never was one)."""
    last_ok = _last_success(local)
    rows = []
    for r in run.results:
        finished = r.finished_at or datetime.now(UTC)
        if r.status in ("ok", "skipped"):
            since = run.started_at
        else:
            since = (
                last_ok.get((r.database, r.table))
                or _oldest_part(local, r.database, r.table)
                or run.started_at
            )
        r.lag_seconds = max(0.0, (finished - _aware(since)).total_seconds())
        rows.append(
            [
                run.run_id,
                r.started_at,
                finished,
                run.target_label,
                run.target_url,
                r.database,
                r.table,
                run.mode,
                r.partitions_checked,
                r.partitions_sent,
                r.partitions_dropped,
                r.rows_sent,
                r.schema_changes,
                r.lag_seconds,
                r.duration_s,
                r.status,
                r.error,
            ]
        )
    if rows:
        local.insert(
            "maicro_monitors.replication_runs",
            rows,
            column_names=[
                "run_id",
                "started_at",
                "finished_at",
                "target",
                "target_url",
                "database",
                "table",
                "mode",
                "partitions_checked",
                "partitions_sent",
                "partitions_dropped",
                "rows_sent",
                "schema_changes",
                "lag_seconds",
                "duration_s",
                "status",
                "error",
            ],
        )


def record_verifications(local: Client, report: VerifyReport) -> None:
    rows = [
        [
            report.run_id,
            report.verified_at,
            report.target_label,
            report.target_url,
            r.database,
            r.table,
            r.slices_checked,
            len(r.mismatches),
            len(r.pending),
            r.local_rows,
            r.cloud_rows,
            [m.describe() for m in r.mismatches] + [f"pending {m.describe()}" for m in r.pending],
            r.duration_s,
            r.status,
            r.error,
        ]
        for r in report.results
    ]
    if rows:
        local.insert(
            "maicro_monitors.verification_results",
            rows,
            column_names=[
                "run_id",
                "verified_at",
                "target",
                "target_url",
                "database",
                "table",
                "slices_checked",
                "slices_mismatched",
                "slices_pending",
                "local_rows",
                "cloud_rows",
                "mismatches",
                "duration_s",
                "status",
                "error",
            ],
        )
