"""Slice checksums remembered per partition *version*, so routine verification reads only what changed.

A partition's version on a server is the signature of its active parts (state.local_partitions):
any insert, merge, mutation, lightweight delete, drop or attach changes it, so a cached checksum
is reused only for bytes that cannot have changed since they were hashed. Deleting or altering
rows on either side therefore always forces a fresh computation. (Damage below ClickHouse, inside
a part's files, is what ClickHouse's own part checksums / `CHECK TABLE` are for; `maicro verify
--full` ignores the cache.) The cache lives in the target's maicro_meta, like the watermarks.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from clickhouse_connect.driver.client import Client

from maicro.replication.discovery import Table

CACHE_DDL = """CREATE TABLE IF NOT EXISTS maicro_meta.verify_cache
    (side LowCardinality(String), database String, table String, partition_id String,
     version String, day String, rows UInt64, checksum UInt64, computed_at DateTime64(3, 'UTC'))
    ENGINE = ReplacingMergeTree(computed_at) ORDER BY (database, table, side, partition_id, version, day)
    TTL toDateTime(computed_at) + INTERVAL 30 DAY"""

Checksums = dict[tuple[str, str], tuple[int, int]]  # (partition_id, day) -> (rows, checksum)


def version(table: Table, part_signature: str) -> str:
    """Parts plus what the checksum is computed over (columns, day column, FINAL or not)."""
    day = table.day_column()
    text = "|".join(
        [part_signature, table.column_list(), day.name if day else "", str(table.collapses_rows)]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load(cloud: Client, table: Table, side: str, signatures: dict[str, str]) -> Checksums:
    """Cached slices of the partitions whose current version was hashed before."""
    if not signatures:
        return {}
    wanted = {pid: version(table, sig) for pid, sig in signatures.items()}
    rows = cloud.query(
        "SELECT partition_id, version, day, rows, checksum FROM maicro_meta.verify_cache FINAL "
        "WHERE database = {d:String} AND table = {t:String} AND side = {s:String} "
        "AND version IN {v:Array(String)}",
        parameters={"d": table.database, "t": table.name, "s": side, "v": list(wanted.values())},
    ).result_rows
    return {(pid, day): (int(n), int(c)) for pid, ver, day, n, c in rows if wanted.get(pid) == ver}


def store(
    cloud: Client, table: Table, side: str, signatures: dict[str, str], computed: Checksums
) -> None:
    """Remember the freshly computed slices of the partitions listed in `signatures`."""
    now = datetime.now().astimezone()
    rows = [
        [side, table.database, table.name, pid, version(table, signatures[pid]), day, n, c, now]
        for (pid, day), (n, c) in computed.items()
        if pid in signatures
    ]
    if rows:
        cloud.insert(
            "maicro_meta.verify_cache",
            rows,
            column_names=[
                "side",
                "database",
                "table",
                "partition_id",
                "version",
                "day",
                "rows",
                "checksum",
                "computed_at",
            ],
        )
