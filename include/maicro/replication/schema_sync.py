"""Make the cloud table's schema match the local one before data is sent.

Three cases, decided per table so one bad table never stops the others:
- missing on the cloud: created from the local `CREATE TABLE` (same engine, keys, columns);
- columns added locally: added on the cloud at the same position (`ADD COLUMN … AFTER`), so the
  structures stay identical, which `REPLACE PARTITION` requires;
- anything else (a type changed, a column dropped or renamed locally, different keys or engine):
  incompatible; `IncompatibleSchema` names table and column and nothing of that table is touched.
"""

from __future__ import annotations

from clickhouse_connect.driver.client import Client

from maicro.errors import MaicroError
from maicro.replication.discovery import Table, discover


class IncompatibleSchema(MaicroError):
    """The cloud table cannot take the local table's partitions without a human decision."""


def _normalise_create(local: Table) -> str:
    query = local.create_query
    if query.startswith("CREATE TABLE ") and "IF NOT EXISTS" not in query[:30]:
        query = "CREATE TABLE IF NOT EXISTS " + query[len("CREATE TABLE ") :]
    return query


def ensure(cloud: Client, local: Table) -> list[str]:
    """Bring the cloud copy of `local` in line; returns what was changed (for the run log)."""
    found = discover(cloud, [local.database])
    remote = next((t for t in found if t.name == local.name), None)
    if remote is None:
        cloud.command(f"CREATE DATABASE IF NOT EXISTS `{local.database}`")
        cloud.command(_normalise_create(local))
        return [f"created {local.qualified}"]
    for what, mine, theirs in (
        ("engine", local.engine, remote.engine),
        ("partition key", local.partition_key, remote.partition_key),
        ("sorting key", local.sorting_key, remote.sorting_key),
    ):
        if mine != theirs:
            raise IncompatibleSchema(
                f"{local.qualified}: {what} differs (local {mine!r}, cloud {theirs!r})"
            )
    cloud_columns = {c.name: c for c in remote.columns}
    local_names = [c.name for c in local.columns]
    for column in remote.columns:
        if column.name not in local_names:
            raise IncompatibleSchema(
                f"{local.qualified}: column {column.name} exists on the cloud but not locally "
                "(dropped or renamed locally?)"
            )
    for column in local.columns:
        on_cloud = cloud_columns.get(column.name)
        if on_cloud is not None and (on_cloud.type, on_cloud.default_kind) != (
            column.type,
            column.default_kind,
        ):
            raise IncompatibleSchema(
                f"{local.qualified}: column {column.name} is {column.type} "
                f"{column.default_kind}".rstrip()
                + f" locally but {on_cloud.type} {on_cloud.default_kind}".rstrip()
                + " on the cloud"
            )
    changes = []
    previous = None
    for column in local.columns:
        if column.name not in cloud_columns:
            default = (
                f" {column.default_kind} {column.default_expression}" if column.default_kind else ""
            )
            position = f" AFTER `{previous}`" if previous else " FIRST"
            cloud.command(
                f"ALTER TABLE {local.sql_name} ADD COLUMN IF NOT EXISTS "
                f"`{column.name}` {column.type}{default}{position}"
            )
            changes.append(f"added column {local.qualified}.{column.name} {column.type}")
        previous = column.name
    return changes
