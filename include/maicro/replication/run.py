"""A replication or verification run from start to end: the one place that holds connections.

Both entry points follow the same lifecycle: connect to the local server, find the tables, choose
the cloud target (primary, else secondary), do the per-table work (`sync.sync_table`,
`verify.verify_table`), write the run to maicro_monitors (`monitor_log`) and push those rows to
the cloud at once, and close every client in a `finally`, whatever failed on the way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from contextlib import closing, contextmanager
from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client

from maicro import catalog
from maicro.clickhouse.client import connect
from maicro.errors import MaicroError
from maicro.replication import discovery, monitor_log, state
from maicro.replication.reports import (
    RunReport,
    TableResult,
    TableVerification,
    VerifyReport,
    new_run_id,
)
from maicro.replication.sync import sync_table
from maicro.replication.target import ROLE, Target, choose, first_line
from maicro.replication.verify import verify_table

Log = Callable[[str], object]


def replicate(
    databases: Sequence[str] | None = None,
    tables: Sequence[str] = (),
    *,
    force: Mapping[str, Set[str]] | None = None,
    mode: str = "sync",
    log: Log = print,
    record: bool = True,
) -> RunReport:
    """Sync the configured databases (or `tables`, `db.table`) to the first reachable cloud.

    `force` maps `db.table` to partition ids re-sent even if unchanged (repair). Writes one
    `maicro_monitors.replication_runs` row per table locally and pushes it to the cloud; if no
    cloud is reachable those rows say so (status failed) and the error is raised.
    """
    checked = discovery.checked(databases)
    run = RunReport(new_run_id(), mode, None, datetime.now(UTC))
    with closing(connect("local", ROLE)) as local:
        found = discovery.discover(local, checked, tables)
        try:
            run.target = choose(log)
        except MaicroError as exc:
            run.error = str(exc)
            run.results = [_unreachable(t, run.error) for t in found]
            if record:
                monitor_log.record_runs(local, run)
            raise
        with _cloud(run.target, drop_stages=True) as cloud:
            for table in found:
                partitions = (force or {}).get(table.qualified, frozenset())
                result = sync_table(local, cloud, run.target, table, run.run_id, partitions)
                run.results.append(result)
                _log_sync(result, log)
            if record:
                monitor_log.record_runs(local, run)
                push_monitors(local, cloud, run.target, checked, run.run_id)
    return run


def verify(
    databases: Sequence[str] | None = None,
    tables: Sequence[str] = (),
    *,
    full: bool = False,
    log: Log = print,
    record: bool = True,
) -> VerifyReport:
    """Verify every replicable table of the configured databases (or `tables`) on the sync target;
    `full` recomputes every checksum instead of reusing those of unchanged partitions."""
    checked = discovery.checked(databases)
    report = VerifyReport(new_run_id(), None, datetime.now(UTC))
    with closing(connect("local", ROLE)) as local:
        found = [t for t in discovery.discover(local, checked, tables) if t.replicable]
        report.target = target = choose(log)
        # Leftover stages are not dropped here: a sync may be running beside this verification.
        with _cloud(target, drop_stages=False) as cloud:
            for table in found:
                result = verify_table(
                    lambda: connect("local", ROLE), target.client, table, full=full
                )
                report.results.append(result)
                _log_verification(result, log)
            if record:
                monitor_log.record_verifications(local, report)
                push_monitors(local, cloud, target, checked, report.run_id)
    return report


def push_monitors(
    local: Client, cloud: Client, target: Target, databases: Iterable[str], run_id: str
) -> None:
    """Send the replication's own log rows now rather than with the next run, so the cloud's
    health tab sees the run that just happened."""
    own_logs = {t.qualified for t in catalog.monitor_tables(catalog.REPLICATION)}
    wanted = set(databases)
    for table in discovery.discover(local, ["maicro_monitors"], ()):
        if table.qualified in own_logs and table.database in wanted:
            sync_table(local, cloud, target, table, run_id)


@contextmanager
def _cloud(target: Target, *, drop_stages: bool) -> Iterator[Client]:
    """A client on `target` with the replication's state tables in place; closed on exit."""
    try:
        cloud = target.client()
    except Exception as exc:  # lost between the probe and the first statement
        raise MaicroError(
            f"cloud ClickHouse {target.endpoint.http_url}: {first_line(exc)}"
        ) from exc
    with closing(cloud):
        try:
            state.ensure_tables(cloud)
            if drop_stages:
                state.drop_leftover_stages(cloud)
        except Exception as exc:
            raise MaicroError(
                f"cloud ClickHouse {target.endpoint.http_url}: {first_line(exc)}"
            ) from exc
        yield cloud


def _unreachable(table: discovery.Table, error: str) -> TableResult:
    return TableResult(
        table.database, table.name, status="failed", error=error, finished_at=datetime.now(UTC)
    )


def _log_sync(result: TableResult, log: Log) -> None:
    if result.status == "ok":
        if result.partitions_sent or result.partitions_dropped or result.schema_changes:
            extra = "; ".join(result.schema_changes)
            log(
                f"{result.qualified}: sent {result.rows_sent} rows in {result.partitions_sent} "
                f"partition(s), dropped {result.partitions_dropped}"
                + (f"; {extra}" if extra else "")
                + f" ({result.duration_s:.2f}s)"
            )
    elif result.status == "skipped":
        log(f"{result.qualified}: skipped ({result.error})")
    else:
        log(f"{result.qualified}: {result.status.upper()}: {result.error}")


def _log_verification(result: TableVerification, log: Log) -> None:
    if result.status == "mismatch":
        for mismatch in result.mismatches:
            log(f"MISMATCH {result.qualified} {mismatch.describe()}")
    elif result.status == "failed":
        log(f"FAILED {result.error}")
    if result.pending:
        log(
            f"pending {result.qualified}: {len(result.pending)} slice(s) changed locally since "
            "the last sync (sent by the next sync)"
        )
