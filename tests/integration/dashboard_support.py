"""A simulator-fed cloud for the dashboard tests: a few simulated days loaded into the cloud raw
tables (the simulator's records through ingestion's own parsers, maicro.devtools.sim_load), hourly
snapshots, one real `maicro transform`; plus the health monitor's tables as its issue defines them
(created here only when a test wants them, since the health monitor ships them separately)."""

from __future__ import annotations

import socket

from maicro.dashboard import data
from maicro.dashboard.cli import APP
from streamlit.testing.v1 import AppTest

from tests.conftest import reset_pair, run_maicro

DAY_MS = 86_400_000
ORIGIN = 1_764_028_800_000  # 2025-11-25 00:00 UTC
N_DAYS = 4
NOW = ORIGIN + N_DAYS * DAY_MS

HEALTH_TABLES = {
    "maicro_monitors.health_checks": """
        (checked_at DateTime64(3, 'UTC'), check_name LowCardinality(String), subject String,
         status Enum8('ok' = 1, 'warn' = 2, 'fail' = 3), value Float64, threshold Float64,
         unit LowCardinality(String), message String)
        ENGINE = MergeTree ORDER BY (check_name, subject, checked_at)""",
    "maicro_monitors.alerts": """
        (alert_key String, check_name LowCardinality(String), subject String,
         event LowCardinality(String), status LowCardinality(String), message String,
         channels Array(String), event_at DateTime64(3, 'UTC'))
        ENGINE = MergeTree ORDER BY (alert_key, event_at)""",
    "analytics.fct_api_latency_hourly": """
        (endpoint String, request_type String, hour DateTime, requests UInt64, p50_ms Float64,
         p95_ms Float64, error_rate Float64)
        ENGINE = MergeTree ORDER BY (endpoint, request_type, hour)""",
}


def build_cloud(pair, tmp_path_factory):
    """Reset the pair, load N_DAYS of two simulated accounts and build the marts; returns the
    simulator."""
    from maicro.devtools import sim_load
    from maicro.hyperliquid.simulator import SimConfig, Simulator

    reset_pair(pair)
    sim = Simulator(SimConfig(seed=16, now_ms=NOW, days=N_DAYS))
    client = pair.client("cloud", "admin")
    try:
        sim_load.load_history(sim, client, sim.origin, NOW)
        hourly = [sim.origin + h * 3_600_000 + 3_599_999 for h in range(N_DAYS * 24)]
        sim_load.load_snapshots(sim, client, [t for t in hourly if t < NOW])
    finally:
        client.close()
    env = {"DBT_TARGET_PATH": str(tmp_path_factory.mktemp("dbt-target"))}
    run_maicro("transform", env=env, check=True, timeout=900)
    return sim


def add_health_records(pair) -> None:
    """The health monitor's tables with one row of each kind, plus pipeline monitor rows."""
    client = pair.client("cloud", "admin")
    try:
        for table, body in HEALTH_TABLES.items():
            client.command(f"CREATE TABLE IF NOT EXISTS {table} {body}")
        client.command(
            "INSERT INTO maicro_monitors.health_checks VALUES "
            "(now64(3), 'ingest_heartbeat', 'fills', 'ok', 120, 900, 's', 'fills ingested 2 min ago'),"
            "(now64(3), 'tracking_error', 'momentum', 'fail', 0.09, 0.05, '', 'half L1 above 5%'),"
            "(now64(3), 'api_rtt', 'http://api.example', 'warn', 900, 800, 'ms', 'slow feed'),"
            "(now64(3), 'dbt_tests', 'build', 'ok', 0, 0, 'tests', 'dbt build: every test passed')"
        )
        client.command(
            "INSERT INTO maicro_monitors.alerts VALUES ('tracking_error:momentum', "
            "'tracking_error', 'momentum', 'fired', 'fail', 'half L1 above 5%', ['email'], now64(3))"
        )
        client.command(
            "INSERT INTO analytics.fct_api_latency_hourly VALUES "
            "('info', 'allMids', toStartOfHour(now()), 60, 41.5, 88.2, 0)"
        )
        client.command(
            "INSERT INTO maicro_monitors.ingest_runs (run_id, data_type, account, status, "
            "started_at, finished_at) VALUES ('r1', 'fills', '', 'ok', now64(3), now64(3))"
        )
        client.command(
            "INSERT INTO maicro_monitors.replication_runs (run_id, started_at, finished_at, "
            "database, table, status, lag_seconds) VALUES "
            "('r1', now64(3), now64(3), 'hyperliquid', 'fills', 'ok', 42)"
        )
        client.command(
            "INSERT INTO maicro_monitors.dag_runs (dag_id, run_id, state, recorded_at) VALUES "
            "('ingest_hyperliquid', 'scheduled__1', 'success', now64(3)),"
            "('transform_analytics', 'scheduled__1', 'failed', now64(3))"
        )
    finally:
        client.close()


def drop_health_tables(pair) -> None:
    client = pair.client("cloud", "admin")
    try:
        for table in HEALTH_TABLES:
            client.command(f"DROP TABLE IF EXISTS {table} SYNC")
    finally:
        client.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_tab(tab: str) -> AppTest:
    data.clear()
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["tab"] = tab
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("info", "error", "warning", "caption", "markdown")
        for e in getattr(at, kind)
    ]
    parts += [e.body for e in at.subheader]
    return "\n".join(str(p) for p in parts)
