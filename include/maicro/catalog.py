"""Every raw table of the project, once: where it lives, what fills it, its Airflow Assets.

Ingestion's per-step table lists, replication's project tables, every DAG's Asset lists and the
test that the dbt sources cover the raw data all derive from `TABLES`. Adding a data type is a
migration, one entry here, its parser and its dbt source (docs/architecture.md walks through it).

Pure data: no Airflow, ClickHouse or pandas import, so DAG files (parsed every few seconds) and
the CLI's argument parser can read it for free.
"""

from __future__ import annotations

from dataclasses import dataclass

# The raw databases, replicated local -> cloud (the default of MAICRO_REPLICATION_DATABASES).
RAW_DATABASES = ("maicro_monitors", "maicro_logs", "binance", "hyperliquid")
ANALYTICS_DATABASE = "analytics"

# Ingestion's steps, in the order a full run executes them (candles last: they need the coins
# held or targeted, which the other steps store first).
DATA_TYPES = (
    "targets",
    "fills",
    "funding",
    "ledger",
    "orders",
    "snapshots",
    "portfolio",
    "market",
    "candles",
)
# Writers of monitor tables that are not an ingest data type.
EVERY_INGEST_STEP = "ingest"
REPLICATION = "replication"
REPORTS = "reports"
HEALTH_MONITOR = "health_monitor"  # maicro.health: checks and the data-feed probe
ALERTING = "alerting"  # maicro.health.alerts: alert state and history
AIRFLOW = "airflow"  # the DAG run listener in plugins/


@dataclass(frozen=True)
class RawTable:
    database: str
    name: str
    written_by: str  # an ingest data type, EVERY_INGEST_STEP or one of the writers above
    monitor: bool = False  # the pipeline's record of itself, not exchange or strategy data

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.name}"

    def asset_uri(self, server: str) -> str:
        """The Airflow Asset of this table on `server` (local: written by ingestion; cloud:
        written by replication)."""
        return table_uri(server, self.database, self.name)


def table_uri(server: str, database: str, table: str) -> str:
    """`clickhouse://<server>/<database>/<table>`: one table on one server, as an Asset URI."""
    return f"clickhouse://{server}/{database}/{table}"


TABLES: tuple[RawTable, ...] = (
    RawTable("maicro_logs", "target_weights", "targets"),
    # written by every step (once per run); listed with the targets
    RawTable("maicro_logs", "account_strategies", "targets"),
    RawTable("hyperliquid", "fills", "fills"),
    RawTable("hyperliquid", "funding", "funding"),
    RawTable("hyperliquid", "ledger_updates", "ledger"),
    RawTable("hyperliquid", "orders", "orders"),
    RawTable("hyperliquid", "account_snapshots", "snapshots"),
    RawTable("hyperliquid", "position_snapshots", "snapshots"),
    RawTable("hyperliquid", "open_order_snapshots", "snapshots"),
    RawTable("hyperliquid", "portfolio_history", "portfolio"),
    RawTable("hyperliquid", "asset_contexts", "market"),
    RawTable("hyperliquid", "mids", "market"),
    RawTable("hyperliquid", "candles", "candles"),
    RawTable("maicro_monitors", "ingest_runs", EVERY_INGEST_STEP, monitor=True),
    RawTable("maicro_monitors", "api_latency", EVERY_INGEST_STEP, monitor=True),
    RawTable("maicro_monitors", "quarantine", EVERY_INGEST_STEP, monitor=True),
    RawTable("maicro_monitors", "replication_runs", REPLICATION, monitor=True),
    RawTable("maicro_monitors", "verification_results", REPLICATION, monitor=True),
    RawTable("maicro_monitors", "report_deliveries", REPORTS, monitor=True),
    RawTable("maicro_monitors", "health_checks", HEALTH_MONITOR, monitor=True),
    RawTable("maicro_monitors", "api_probes", HEALTH_MONITOR, monitor=True),
    RawTable("maicro_monitors", "alerts", ALERTING, monitor=True),
    RawTable("maicro_monitors", "dag_runs", AIRFLOW, monitor=True),
)


# The marts the transform builds (dbt_project/models/marts) that readers wait for: each is an Asset
# `clickhouse://cloud/analytics/<mart>` emitted by transform_analytics when the mart was built.
MARTS = (
    "fct_pnl_daily",
    "fct_account_daily",
    "fct_reconciliation_daily",
    "fct_positions_vs_targets",
    "fct_tracking_error_daily",
    "fct_execution_quality_daily",
    "fct_trades",
    "fct_exposure",
)


def mart_uri(mart: str) -> str:
    """The Asset of one analytics mart on the cloud (reports and alerts schedule on it)."""
    if mart not in MARTS:
        raise KeyError(f"unknown mart {mart!r}; expected one of {', '.join(MARTS)}")
    return table_uri("cloud", ANALYTICS_DATABASE, mart)


def data_tables() -> tuple[RawTable, ...]:
    """Exchange and strategy data: what the marts are built from (dbt sources)."""
    return tuple(t for t in TABLES if not t.monitor)


def ingest_tables(data_type: str) -> tuple[RawTable, ...]:
    """What one ingest step fills, without the monitor tables every step also writes."""
    if data_type not in DATA_TYPES:
        raise KeyError(f"unknown data type {data_type!r}; expected one of {', '.join(DATA_TYPES)}")
    return tuple(t for t in TABLES if t.written_by == data_type)


def monitor_tables(writer: str) -> tuple[RawTable, ...]:
    """The run logs `writer` (EVERY_INGEST_STEP, REPLICATION, HEALTH_MONITOR, ALERTING) keeps."""
    return tuple(t for t in TABLES if t.monitor and t.written_by == writer)


def step_outputs(data_type: str) -> tuple[RawTable, ...]:
    """Every table an ingest step writes: its own, then the ingest run logs (the task's outlets)."""
    return ingest_tables(data_type) + monitor_tables(EVERY_INGEST_STEP)


def by_name(qualified: str) -> RawTable:
    for table in TABLES:
        if table.qualified == qualified:
            return table
    raise KeyError(f"{qualified} is not in the catalog (maicro.catalog.TABLES)")
