"""Compare local and cloud per table and slice, and name every difference.

A slice is (partition, UTC day of the table's day column, see `Table.day_column`). For each
slice both servers compute, independently and at the same time, `count()` and
`sum(cityHash64(tuple(<every stored column>)))` (UInt64, wrapping): the sum is independent of row
order and of how rows are split into parts, but changes if a row is missing, altered or
duplicated. Tables whose engine collapses rows on merge (Replacing/Collapsing/…MergeTree) are
compared FINAL, i.e. by their logical content, because each server merges on its own schedule.

A differing slice whose partition changed locally since it was last synced (its part signature,
read before and after the checksums, is not the one recorded on the cloud) is *pending*: the cloud
is behind, not wrong, and the next sync sends it. Only the others are mismatches.

Routine verifications hash only partitions that changed on that side since they were last hashed
(checksum_cache); `full=True` (`maicro verify --full`) hashes everything.

One table at a time; connecting, choosing the target and recording the run is `run.verify`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from clickhouse_connect.driver.client import Client

from maicro.replication import checksum_cache, state
from maicro.replication.checksum_cache import Checksums
from maicro.replication.discovery import Table
from maicro.replication.reports import Mismatch, TableVerification
from maicro.replication.target import first_line

ClientFactory = Callable[[], Client]
T = TypeVar("T")


def slice_checksums(client: Client, table: Table, partitions: list[str] | None = None) -> Checksums:
    """(partition, day) -> (rows, checksum) on the server behind `client` (all partitions if None)."""
    if partitions is not None and not partitions:
        return {}
    day = table.day_column()
    day_sql = f"toString(toDate(`{day.name}`))" if day else "''"
    final = " FINAL" if table.collapses_rows else ""
    where = "" if partitions is None else " WHERE _partition_id IN {p:Array(String)}"
    rows = client.query(
        f"SELECT _partition_id, {day_sql} AS day, count(), "
        f"sum(cityHash64(tuple({table.column_list()}))) "
        f"FROM {table.sql_name}{final}{where} GROUP BY _partition_id, day",
        parameters={"p": partitions or []},
    ).result_rows
    return {(pid, d or ""): (int(n), int(s)) for pid, d, n, s in rows}


def _cloud_has(cloud: Client, table: Table) -> bool:
    return bool(
        cloud.query(
            "SELECT count() FROM system.tables WHERE database = {d:String} AND name = {t:String}",
            parameters={"d": table.database, "t": table.name},
        ).result_rows[0][0]
    )


def _signatures(client: Client, table: Table) -> dict[str, str]:
    return {p.partition_id: p.signature for p in state.local_partitions(client, table).values()}


def verify_table(
    local_factory: ClientFactory, cloud_factory: ClientFactory, table: Table, *, full: bool = False
) -> TableVerification:
    """Compare one table. Partitions whose version (on that side) was hashed before come from the
    cache; the rest is computed on both servers concurrently, each on its own client."""
    result = TableVerification(table.database, table.name)
    started = time.monotonic()
    local, cloud = local_factory(), cloud_factory()
    try:
        before = _signatures(local, table)
        on_cloud = _cloud_has(cloud, table)
        cloud_versions = _signatures(cloud, table) if on_cloud else {}
        try:
            synced = state.synced_signatures(cloud, table)
        except Exception:  # a server never synced to has no state table: nothing is "synced"
            synced = {}
        mine = {} if full else checksum_cache.load(cloud, table, "local", before)
        theirs = (
            {}
            if full or not on_cloud
            else checksum_cache.load(cloud, table, "cloud", cloud_versions)
        )
        todo_local = sorted(set(before) - {pid for pid, _ in mine})
        todo_cloud = sorted(set(cloud_versions) - {pid for pid, _ in theirs})
        with ThreadPoolExecutor(2) as pool:
            local_f = pool.submit(
                _with, local_factory, lambda c: slice_checksums(c, table, todo_local)
            )
            cloud_f = pool.submit(
                _with, cloud_factory, lambda c: slice_checksums(c, table, todo_cloud)
            )
            computed_local, computed_cloud = local_f.result(), cloud_f.result()
        after = _signatures(local, table)
        # Cache only what cannot have changed while it was being hashed.
        checksum_cache.store(
            cloud,
            table,
            "local",
            {p: s for p, s in before.items() if p in todo_local and after.get(p) == s},
            computed_local,
        )
        checksum_cache.store(
            cloud,
            table,
            "cloud",
            {p: s for p, s in cloud_versions.items() if p in todo_cloud},
            computed_cloud,
        )
        mine.update(computed_local)
        theirs.update(computed_cloud)
        changed = {
            pid
            for pid in set(before) | set(after)
            if before.get(pid) != synced.get(pid) or after.get(pid) != synced.get(pid)
        }
        result.slices_checked = len(set(mine) | set(theirs))
        result.local_rows = sum(n for n, _ in mine.values())
        result.cloud_rows = sum(n for n, _ in theirs.values())
        for key in sorted(set(mine) | set(theirs)):
            a, b = mine.get(key), theirs.get(key)
            if a != b:
                mismatch = Mismatch(
                    key[0],
                    key[1],
                    a[0] if a else 0,
                    b[0] if b else 0,
                    a[1] if a else None,
                    b[1] if b else None,
                    key[0] in changed,
                )
                (result.pending if mismatch.pending else result.mismatches).append(mismatch)
        result.status = "mismatch" if result.mismatches else "ok"
    except Exception as exc:
        result.status, result.error = "failed", f"{table.qualified}: {first_line(exc)}"
    finally:
        local.close()
        cloud.close()
    result.duration_s = time.monotonic() - started
    return result


def _with(factory: ClientFactory, work: Callable[[Client], T]) -> T:
    client = factory()
    try:
        return work(client)
    finally:
        client.close()
