"""What ingestion fetches and where it lands, without importing anything heavy.

The DAG file (parsed every few seconds by Airflow) and the CLI's argument parser need these names
but not the SDK, pandas or ClickHouse clients.
"""

from __future__ import annotations

# In the order a full run executes them (candles last: they need the coins held or targeted).
DATA_TYPES = ("targets", "fills", "funding", "ledger", "orders", "snapshots", "market", "candles")

# The tables each step fills (the DAG's outlets); every step also writes the monitor tables.
TABLES: dict[str, tuple[str, ...]] = {
    # account_strategies is written by every step (once per run); listed with the targets.
    "targets": ("maicro_logs.target_weights", "maicro_logs.account_strategies"),
    "fills": ("hyperliquid.fills",),
    "funding": ("hyperliquid.funding",),
    "ledger": ("hyperliquid.ledger_updates",),
    "orders": ("hyperliquid.orders",),
    "snapshots": (
        "hyperliquid.account_snapshots",
        "hyperliquid.position_snapshots",
        "hyperliquid.open_order_snapshots",
    ),
    "market": ("hyperliquid.asset_contexts", "hyperliquid.mids"),
    "candles": ("hyperliquid.candles",),
}
MONITOR_TABLES = (
    "maicro_monitors.ingest_runs",
    "maicro_monitors.api_latency",
    "maicro_monitors.quarantine",
)


def schedule() -> str:
    """The DAG's cron schedule (`MAICRO_INGEST_SCHEDULE`, default every minute)."""
    from maicro import settings

    return settings.env("MAICRO_INGEST_SCHEDULE", "* * * * *")


def start_date() -> str:
    """First data interval of the DAG (`MAICRO_INGEST_START_DATE`, ISO date, default 2025-01-01)."""
    from maicro import settings

    return settings.env("MAICRO_INGEST_START_DATE", "2025-01-01")


def catchup() -> bool:
    """Whether Airflow schedules the missed intervals since the start date
    (`MAICRO_INGEST_CATCHUP`, default false: backfill explicitly instead)."""
    from maicro import settings

    return (settings.env("MAICRO_INGEST_CATCHUP", "false") or "").lower() in ("1", "true", "yes")
