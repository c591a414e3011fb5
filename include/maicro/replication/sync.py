"""Incremental, exactly-once-in-effect copy of the local raw databases to the cloud.

Per table: make the schema match (schema_sync), find the partitions whose local parts changed
since the signature recorded on the cloud (state), and send those partitions whole,
server-to-server: the local server runs `INSERT INTO FUNCTION remote(<cloud>, maicro_meta,
<stage>) SELECT … WHERE _partition_id IN (…)` (native protocol, compressed, no Python in the data
path), then each partition is swapped into the cloud table with `ALTER TABLE … REPLACE PARTITION
… FROM <stage>`, an atomic operation. A partition is therefore either the old or the new version
on the cloud, never half or twice, whatever is killed when; the signature is recorded last.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client

from maicro import catalog
from maicro.clickhouse.client import connect
from maicro.errors import MaicroError
from maicro.replication import discovery, schema_sync, state
from maicro.replication.discovery import Table
from maicro.replication.target import ROLE, Target, choose, first_line

# optimize_on_insert=0: a Replacing stage must not collapse the unmerged duplicates a local
# partition may hold while in flight; the cloud copy must hold exactly what local holds.
TRANSFER_SETTINGS = {
    "wait_end_of_query": 1,
    "distributed_foreground_insert": 1,
    "optimize_on_insert": 0,
}


@dataclass
class TableResult:
    database: str
    table: str
    status: str = "ok"  # ok | failed | incompatible | skipped
    partitions_checked: int = 0
    partitions_sent: int = 0
    partitions_dropped: int = 0
    rows_sent: int = 0
    schema_changes: list[str] = field(default_factory=list)
    error: str = ""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    lag_seconds: float = 0.0

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.table}"

    @property
    def duration_s(self) -> float:
        end = self.finished_at or datetime.now(UTC)
        return (end - self.started_at).total_seconds()


@dataclass
class RunReport:
    run_id: str
    mode: str
    target: Target | None
    started_at: datetime
    results: list[TableResult] = field(default_factory=list)
    error: str = ""

    @property
    def failed(self) -> list[TableResult]:
        return [r for r in self.results if r.status in ("failed", "incompatible")]

    @property
    def rows_sent(self) -> int:
        return sum(r.rows_sent for r in self.results)


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def sync_table(
    local: Client,
    cloud: Client,
    target: Target,
    table: Table,
    run_id: str,
    force: set[str] = frozenset(),
) -> TableResult:
    """Bring one table's cloud copy up to date; never raises (the result says what went wrong)."""
    result = TableResult(table.database, table.name)
    try:
        if not table.replicable:
            result.status, result.error = "skipped", f"engine {table.engine} is not replicated"
            return result
        result.schema_changes = schema_sync.ensure(cloud, table)
        partitions = state.local_partitions(local, table)
        synced = state.synced_signatures(cloud, table)
        on_cloud = state.partition_ids(cloud, table)
        result.partitions_checked = len(partitions)
        to_send = [
            p
            for p in partitions.values()
            if synced.get(p.partition_id) != p.signature
            or p.partition_id not in on_cloud
            or p.partition_id in force
        ]
        if to_send:
            result.rows_sent = _send(local, cloud, target, table, run_id, to_send)
            result.partitions_sent = len(to_send)
        for partition_id in sorted(on_cloud - set(partitions)):
            # Gone locally (dropped or emptied): the cloud mirrors that.
            cloud.command(f"ALTER TABLE {table.sql_name} DROP PARTITION ID {_quote(partition_id)}")
            result.partitions_dropped += 1
    except schema_sync.IncompatibleSchema as exc:
        result.status, result.error = "incompatible", str(exc)
    except Exception as exc:  # one table's failure must not stop the others
        reason = first_line(exc)
        result.status = "failed"
        result.error = (
            reason if reason.startswith(table.qualified) else f"{table.qualified}: {reason}"
        )
    finally:
        result.finished_at = datetime.now(UTC)
    return result


def _send(
    local: Client,
    cloud: Client,
    target: Target,
    table: Table,
    run_id: str,
    partitions: list[state.Partition],
) -> int:
    stage = state.stage_name(run_id, table)
    cloud.command(f"DROP TABLE IF EXISTS maicro_meta.`{stage}` SYNC")
    cloud.command(f"CREATE TABLE maicro_meta.`{stage}` AS {table.sql_name}")
    try:
        # Parts must reach REPLACE exactly as sent: a merge in a Replacing stage would shrink
        # the count we check against what the local server says it wrote.
        cloud.command(f"SYSTEM STOP MERGES maicro_meta.`{stage}`")
        ids = ", ".join(_quote(p.partition_id) for p in partitions)
        columns = table.column_list()
        summary = local.command(
            f"INSERT INTO FUNCTION {target.remote_function('maicro_meta', stage)} ({columns}) "
            f"SELECT {columns} FROM {table.sql_name} WHERE _partition_id IN ({ids})",
            settings=TRANSFER_SETTINGS,
        )
        written = (
            int(summary.summary.get("written_rows", -1)) if hasattr(summary, "summary") else -1
        )
        staged = dict(
            cloud.query(
                f"SELECT _partition_id, count() FROM maicro_meta.`{stage}` GROUP BY _partition_id"
            ).result_rows
        )
        total = sum(staged.values())
        if written >= 0 and total != written:
            raise MaicroError(
                f"{table.qualified}: transfer incomplete ({total} of {written} rows "
                "arrived); nothing was replaced, the next run sends again"
            )
        for partition in partitions:
            if partition.partition_id in staged:
                cloud.command(
                    f"ALTER TABLE {table.sql_name} REPLACE PARTITION ID "
                    f"{_quote(partition.partition_id)} FROM maicro_meta.`{stage}`"
                )
        state.record(cloud, table, [p for p in partitions if p.partition_id in staged], run_id)
        return total
    finally:
        cloud.command(f"DROP TABLE IF EXISTS maicro_meta.`{stage}` SYNC")


def replicate(
    databases: list[str] | tuple[str, ...] | None = None,
    tables: list[str] | tuple[str, ...] = (),
    *,
    force: dict[str, set[str]] | None = None,
    mode: str = "sync",
    log=print,
    record: bool = True,
) -> RunReport:
    """Sync the configured databases (or `tables`, `db.table`) to the first reachable cloud.

    `force` maps `db.table` to partition ids re-sent even if unchanged (repair). Writes one
    `maicro_monitors.replication_runs` row per table locally and pushes it to the cloud.
    """
    from maicro.replication import monitor_log

    databases = discovery.checked(databases)
    run = RunReport(new_run_id(), mode, None, datetime.now(UTC))
    local = connect("local", ROLE)
    found = discovery.discover(local, databases, tables)
    try:
        run.target = choose(log)
    except MaicroError as exc:
        run.error = str(exc)
        run.results = [
            TableResult(
                t.database,
                t.name,
                status="failed",
                error=run.error,
                finished_at=datetime.now(UTC),
            )
            for t in found
        ]
        if record:
            monitor_log.record_runs(local, run)
        raise
    try:
        cloud = run.target.client()
        state.ensure_tables(cloud)
        state.drop_leftover_stages(cloud)
    except Exception as exc:  # lost between the probe and the first statement
        raise MaicroError(
            f"cloud ClickHouse {run.target.endpoint.http_url}: {first_line(exc)}"
        ) from exc
    for table in found:
        result = sync_table(
            local, cloud, run.target, table, run.run_id, (force or {}).get(table.qualified, set())
        )
        run.results.append(result)
        _log_result(result, log)
    if record:
        monitor_log.record_runs(local, run)
        push_monitors(local, cloud, run.target, databases, run.run_id)
    cloud.close()
    local.close()
    return run


def push_monitors(local: Client, cloud: Client, target: Target, databases, run_id: str) -> None:
    """Send the replication's own log rows now rather than with the next run, so the cloud's
    health tab sees the run that just happened."""
    own_logs = {t.qualified for t in catalog.monitor_tables(catalog.REPLICATION)}
    for table in discovery.discover(local, ["maicro_monitors"], ()):
        if table.qualified in own_logs and table.database in databases:
            sync_table(local, cloud, target, table, run_id)


def _log_result(result: TableResult, log) -> None:
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
