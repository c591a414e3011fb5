"""Incremental, exactly-once-in-effect copy of the local raw databases to the cloud.

Per table: make the schema match (schema_sync), find the partitions whose local parts changed
since the signature recorded on the cloud (state), and send those partitions whole,
server-to-server: the local server runs `INSERT INTO FUNCTION remote(<cloud>, maicro_meta,
<stage>) SELECT … WHERE _partition_id IN (…)` (native protocol, compressed, no Python in the data
path), then each partition is swapped into the cloud table with `ALTER TABLE … REPLACE PARTITION
… FROM <stage>`, an atomic operation. A partition is therefore either the old or the new version
on the cloud, never half or twice, whatever is killed when; the signature is recorded last.

One table at a time; connecting, choosing the target and recording the run is `run.replicate`.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import UTC, datetime

from clickhouse_connect.driver.client import Client

from maicro.errors import MaicroError
from maicro.replication import schema_sync, state
from maicro.replication.discovery import Table
from maicro.replication.reports import TableResult
from maicro.replication.target import Target, first_line

# optimize_on_insert=0: a Replacing stage must not collapse the unmerged duplicates a local
# partition may hold while in flight; the cloud copy must hold exactly what local holds.
TRANSFER_SETTINGS = {
    "wait_end_of_query": 1,
    "distributed_foreground_insert": 1,
    "optimize_on_insert": 0,
}


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def sync_table(
    local: Client,
    cloud: Client,
    target: Target,
    table: Table,
    run_id: str,
    force: Set[str] = frozenset(),
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
        staged: dict[str, int] = {
            partition_id: rows
            for partition_id, rows in cloud.query(
                f"SELECT _partition_id, count() FROM maicro_meta.`{stage}` GROUP BY _partition_id"
            ).result_rows
        }
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
