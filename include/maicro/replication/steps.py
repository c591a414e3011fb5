"""The DAG's two steps as plain functions: run, raise on failure, return a small summary (XCom).

Kept here, not in the DAG file, so they are testable without Airflow and the DAG stays wiring.
"""

from __future__ import annotations

from maicro.catalog import table_uri
from maicro.errors import MaicroError
from maicro.replication.discovery import project_tables
from maicro.replication.repair import repair
from maicro.replication.run import Log, replicate


def replicate_step(log: Log = print) -> dict:
    """One incremental sync; fails (for Airflow's retries and alerts) if any table failed."""
    run = replicate(log=log)
    if run.failed:
        raise MaicroError(
            f"replication failed for {len(run.failed)} table(s): "
            + "; ".join(r.error for r in run.failed)
        )
    return {
        "run_id": run.run_id,
        "target": run.target_label,
        "rows_sent": run.rows_sent,
        "tables_sent": sorted(r.qualified for r in run.results if r.partitions_sent),
        "foreign_tables": sorted(
            r.qualified
            for r in run.results
            if r.qualified not in project_tables() and r.status == "ok"
        ),
    }


def foreign_table_uris(summary: dict) -> list[str]:
    """Cloud Asset URIs of tables other producers made (not in the DAG's static outlets)."""
    return [table_uri("cloud", *name.split(".", 1)) for name in summary.get("foreign_tables", [])]


def verify_and_repair_step(log: Log = print) -> dict:
    """Verify everything; re-send what differs; fail only if the cloud still differs after that."""
    report = repair(log=log)
    still = report.after.mismatched if report.after else []
    if still:
        raise MaicroError(
            "cloud still differs from local after repair: " + ", ".join(r.qualified for r in still)
        )
    return {
        "run_id": report.before.run_id,
        "mismatched_before": sorted(r.qualified for r in report.before.mismatched),
        "repaired": bool(report.run),
    }
