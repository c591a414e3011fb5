"""Watermarks: which version of each local partition the cloud holds, kept ON the cloud.

A partition's version is a signature of its active parts on the local server (their names
change on every insert, merge and mutation, and only then), so an unchanged partition is
recognised without reading a row. The signature is stored in the target's own
`maicro_meta.replication_state` only after the partition was swapped in: a run killed in between
finds the old signature and sends the partition again, which replaces it again (no duplicate).
Each cloud server (primary, secondary) has its own state, so each converges on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from clickhouse_connect.driver.client import Client

from maicro.replication.checksum_cache import CACHE_DDL
from maicro.replication.discovery import Table

STATE_DDL = (
    "CREATE DATABASE IF NOT EXISTS maicro_meta",
    """CREATE TABLE IF NOT EXISTS maicro_meta.replication_state
       (database String, table String, partition_id String, signature String, rows UInt64,
        run_id String, synced_at DateTime64(3, 'UTC'))
       ENGINE = ReplacingMergeTree(synced_at) ORDER BY (database, table, partition_id)""",
)


STAGE_PREFIX = "stage_"


@dataclass(frozen=True)
class Partition:
    partition_id: str
    signature: str
    rows: int
    last_modified: datetime


def ensure_tables(cloud: Client) -> None:
    """The target's bookkeeping (a secondary may never have been migrated)."""
    for ddl in (*STATE_DDL, CACHE_DDL):
        cloud.command(ddl)


def local_partitions(client: Client, table: Table) -> dict[str, Partition]:
    """Active partitions of `table` on the server behind `client`, with their signatures.

    The signature hashes the table's UUID and the sorted names of the partition's active parts:
    part names restart at block 1 when a table is dropped and created again, the UUID does not
    repeat, so a re-created table never looks unchanged.
    """
    rows = client.query(
        "SELECT partition_id, toString(cityHash64(concat(toString(any(table_uuid)), '|', "
        "arrayStringConcat(arraySort(groupArray(name)), ',')))), sum(rows), max(modification_time) "
        "FROM (SELECT partition_id, name, rows, modification_time, "
        "(SELECT uuid FROM system.tables WHERE database = {db:String} AND name = {t:String}) AS table_uuid "
        "FROM system.parts WHERE database = {db:String} AND table = {t:String} AND active) "
        "GROUP BY partition_id",
        parameters={"db": table.database, "t": table.name},
    ).result_rows
    return {pid: Partition(pid, sig, int(n), modified) for pid, sig, n, modified in rows}


def partition_ids(client: Client, table: Table) -> set[str]:
    return {
        row[0]
        for row in client.query(
            "SELECT DISTINCT partition_id FROM system.parts "
            "WHERE database = {db:String} AND table = {t:String} AND active",
            parameters={"db": table.database, "t": table.name},
        ).result_rows
    }


def synced_signatures(cloud: Client, table: Table) -> dict[str, str]:
    rows = cloud.query(
        "SELECT partition_id, signature FROM maicro_meta.replication_state FINAL "
        "WHERE database = {db:String} AND table = {t:String}",
        parameters={"db": table.database, "t": table.name},
    ).result_rows
    return {partition_id: signature for partition_id, signature in rows}


def record(cloud: Client, table: Table, partitions: list[Partition], run_id: str) -> None:
    if partitions:
        cloud.insert(
            "maicro_meta.replication_state",
            [
                [
                    table.database,
                    table.name,
                    p.partition_id,
                    p.signature,
                    p.rows,
                    run_id,
                    datetime.now().astimezone(),
                ]
                for p in partitions
            ],
            column_names=[
                "database",
                "table",
                "partition_id",
                "signature",
                "rows",
                "run_id",
                "synced_at",
            ],
        )


def stage_name(run_id: str, table: Table) -> str:
    return f"{STAGE_PREFIX}{run_id}_{table.database}__{table.name}"


def drop_leftover_stages(cloud: Client) -> list[str]:
    """Staging tables of killed runs; dropping one also makes a still-running orphan insert fail."""
    names = [
        row[0]
        for row in cloud.query(
            "SELECT name FROM system.tables WHERE database = 'maicro_meta' AND startsWith(name, {p:String})",
            parameters={"p": STAGE_PREFIX},
        ).result_rows
    ]
    for name in names:
        cloud.command(f"DROP TABLE IF EXISTS maicro_meta.`{name}` SYNC")
    return names
