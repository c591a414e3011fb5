"""Names of the Airflow Assets that chain the DAGs, without importing Airflow.

An Asset is one table on one server: `clickhouse://local/hyperliquid/fills` is written by
ingestion, `clickhouse://cloud/hyperliquid/fills` by replication; downstream DAGs are scheduled
on them (DESIGN §1), never on guessed times.
"""

from __future__ import annotations


def table_uri(server: str, database: str, table: str) -> str:
    return f"clickhouse://{server}/{database}/{table}"
