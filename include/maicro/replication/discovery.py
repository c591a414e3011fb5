"""Which tables get replicated and what their schema is, discovered on the local server.

Discovery is by database, not by a list of known tables: a table another producer created in a
replicated database (e.g. `binance.trades`) is replicated without anyone telling us about it.
Only the MergeTree family can be replicated this way (partitions are the unit we send and swap);
views and other engines are reported as skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clickhouse_connect.driver.client import Client

from maicro import catalog, settings
from maicro.errors import MaicroError

# Never replicated: per-server bookkeeping, and the marts the cloud builds itself.
NEVER_REPLICATED = (
    "maicro_meta",
    "analytics",
    "system",
    "information_schema",
    "INFORMATION_SCHEMA",
)


def project_tables() -> tuple[str, ...]:
    """The project's own raw tables (the catalog's); tables other producers create are
    discovered at run time."""
    return tuple(t.qualified for t in catalog.TABLES)


DATE_TYPES = ("Date", "Date32", "DateTime", "DateTime64")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    default_kind: str  # '', DEFAULT, MATERIALIZED, ALIAS, EPHEMERAL
    default_expression: str

    @property
    def stored(self) -> bool:
        """Sent as data; MATERIALIZED columns are recomputed by the cloud from the same inputs."""
        return self.default_kind in ("", "DEFAULT")

    @property
    def is_date(self) -> bool:
        base = self.type.removeprefix("Nullable(").removeprefix("LowCardinality(")
        return base.split("(")[0] in DATE_TYPES


@dataclass(frozen=True)
class Table:
    database: str
    name: str
    engine: str
    create_query: str
    partition_key: str
    sorting_key: str
    columns: tuple[Column, ...]

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.name}"

    @property
    def sql_name(self) -> str:
        return f"`{self.database}`.`{self.name}`"

    @property
    def replicable(self) -> bool:
        return self.engine.endswith("MergeTree")

    @property
    def collapses_rows(self) -> bool:
        """Engines whose merges change the row set: compare them FINAL (their logical content)."""
        return self.engine.replace("Replicated", "").replace("Shared", "") != "MergeTree"

    def stored_columns(self) -> list[Column]:
        return [c for c in self.columns if c.stored]

    def column_list(self) -> str:
        return ", ".join(f"`{c.name}`" for c in self.stored_columns())

    def day_column(self) -> Column | None:
        """The column whose UTC date splits a partition into the slices verify compares.

        The first date/time column of the partition key, else of the sorting key, else the
        first date/time column at all; None = the table has no time axis (one slice per partition).
        """
        dates = [c for c in self.columns if c.is_date and c.stored]
        for key in (self.partition_key, self.sorting_key):
            for column in dates:
                if _mentions(key, column.name):
                    return column
        return dates[0] if dates else None


def _mentions(expression: str, name: str) -> bool:
    import re

    return (
        re.search(rf"(?<![\w`]){re.escape(name)}(?![\w`])|`{re.escape(name)}`", expression)
        is not None
    )


def configured_databases() -> tuple[str, ...]:
    """MAICRO_REPLICATION_DATABASES (comma-separated), default the four raw databases."""
    return checked(settings.get().maicro_replication_databases)


def checked(databases: Sequence[str] | None) -> tuple[str, ...]:
    """`databases` (None = configured), refusing those that must never be replicated."""
    if not databases:
        return configured_databases()
    for database in databases:
        if database in NEVER_REPLICATED:
            raise MaicroError(
                f"database {database!r} is never replicated (server bookkeeping or marts)"
            )
    return tuple(databases)


def discover(client: Client, databases: Sequence[str], only: Sequence[str] = ()) -> list[Table]:
    """Every table of `databases` on the server behind `client` (optionally only `db.table`s)."""
    rows = client.query(
        "SELECT database, name, engine, create_table_query, partition_key, sorting_key "
        "FROM system.tables WHERE database IN {dbs:Array(String)} AND NOT is_temporary "
        "ORDER BY database, name",
        parameters={"dbs": list(databases)},
    ).result_rows
    columns: dict[tuple[str, str], list[Column]] = {}
    for database, table, name, type_, kind, expression in client.query(
        "SELECT database, table, name, type, default_kind, default_expression "
        "FROM system.columns WHERE database IN {dbs:Array(String)} ORDER BY database, table, position",
        parameters={"dbs": list(databases)},
    ).result_rows:
        columns.setdefault((database, table), []).append(Column(name, type_, kind, expression))
    tables = [
        Table(d, n, e, q, pk, sk, tuple(columns.get((d, n), ()))) for d, n, e, q, pk, sk in rows
    ]
    if only:
        wanted = set(only)
        unknown = wanted - {t.qualified for t in tables}
        if unknown:
            raise MaicroError(f"no such table on the local server: {', '.join(sorted(unknown))}")
        tables = [t for t in tables if t.qualified in wanted]
    return tables
