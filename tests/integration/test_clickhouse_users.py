"""Every ClickHouse role can do its job and is refused outside it, on the real embedded servers."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import clickhouse_driver
import clickhouse_driver.errors
import pytest
from clickhouse_connect.driver.exceptions import DatabaseError
from maicro.errors import MaicroError

ROW = "('s', toDateTime64('2026-01-01 00:00:00', 3, 'UTC'), 'BTC', 0.5, 'test', now64(3))"


def allowed(client, sql: str) -> bool:
    try:
        client.command(sql)
        return True
    except DatabaseError as exc:
        assert "ACCESS_DENIED" in str(exc) or "Not enough privileges" in str(exc), exc
        return False


@pytest.mark.parametrize(
    "server, role, sql, expected",
    [
        # ingest: writes and reads the local raw databases, nothing else
        ("local", "ingest", f"INSERT INTO maicro_logs.target_weights VALUES {ROW}", True),
        ("local", "ingest", "SELECT count() FROM hyperliquid.fills", True),
        ("local", "ingest", "DROP TABLE maicro_logs.target_weights", False),
        ("local", "ingest", "TRUNCATE TABLE hyperliquid.fills", False),
        ("local", "ingest", "CREATE TABLE hyperliquid.x (a UInt8) ENGINE = Memory", False),
        ("local", "ingest", "SELECT count() FROM maicro_meta.schema_migrations", False),
        ("cloud", "ingest", "SELECT count() FROM hyperliquid.fills", False),
        # replicator: reads local raw, never writes it; creates and fills cloud raw
        ("local", "replicator", "SELECT count() FROM hyperliquid.fills", True),
        ("local", "replicator", f"INSERT INTO maicro_logs.target_weights VALUES {ROW}", False),
        ("local", "replicator", "SELECT count() FROM maicro_meta.schema_migrations", False),
        ("cloud", "replicator", f"INSERT INTO maicro_logs.target_weights VALUES {ROW}", True),
        (
            "cloud",
            "replicator",
            "CREATE TABLE IF NOT EXISTS binance.rep_probe (a UInt8) ENGINE = MergeTree ORDER BY a",
            True,
        ),
        (
            "cloud",
            "replicator",
            "CREATE TABLE analytics.rep_probe (a UInt8) ENGINE = MergeTree ORDER BY a",
            False,
        ),
        ("cloud", "replicator", "DROP DATABASE hyperliquid", False),
        # transform: reads cloud raw, owns analytics
        ("cloud", "transform", "SELECT count() FROM hyperliquid.fills", True),
        (
            "cloud",
            "transform",
            "CREATE TABLE IF NOT EXISTS analytics.tr_probe (a UInt8) ENGINE = MergeTree ORDER BY a",
            True,
        ),
        ("cloud", "transform", "DROP TABLE IF EXISTS analytics.tr_probe", True),
        ("cloud", "transform", f"INSERT INTO maicro_logs.target_weights VALUES {ROW}", False),
        ("local", "transform", "SELECT count() FROM hyperliquid.fills", False),
        # reader: analytics and monitors on the cloud only
        ("cloud", "reader", "SELECT count() FROM maicro_monitors.ingest_runs", True),
        ("cloud", "reader", "SELECT count() FROM hyperliquid.fills", False),
        ("cloud", "reader", "SELECT count() FROM maicro_logs.target_weights", False),
        ("cloud", "reader", "INSERT INTO maicro_monitors.ingest_runs (run_id) VALUES ('x')", False),
        ("local", "reader", "SELECT count() FROM maicro_monitors.ingest_runs", False),
        # notifier: records report deliveries locally; the reader cannot, and it touches nothing else
        (
            "local",
            "notifier",
            "INSERT INTO maicro_monitors.report_deliveries (report) VALUES ('x')",
            True,
        ),
        ("local", "notifier", "SELECT count() FROM maicro_monitors.report_deliveries", True),
        (
            "local",
            "notifier",
            "INSERT INTO maicro_monitors.ingest_runs (run_id) VALUES ('x')",
            False,
        ),
        ("local", "notifier", "SELECT count() FROM hyperliquid.fills", False),
        ("local", "notifier", "TRUNCATE TABLE maicro_monitors.report_deliveries", False),
        ("cloud", "notifier", "SELECT count() FROM maicro_monitors.ingest_runs", False),
        (
            "cloud",
            "reader",
            "INSERT INTO maicro_monitors.report_deliveries (report) VALUES ('x')",
            False,
        ),
    ],
)
def test_role_permissions(clickhouse_pair, server, role, sql, expected):
    client = clickhouse_pair.client(server, role)
    assert allowed(client, sql) is expected, f"{role}@{server}: {sql}"


def test_wrong_password_is_refused(clickhouse_pair, monkeypatch):
    monkeypatch.setenv("MAICRO_READER_PASSWORD", "not-the-password")
    with pytest.raises(MaicroError, match="cannot connect to the cloud ClickHouse.*maicro_reader"):
        clickhouse_pair.client("cloud", "reader")


@pytest.mark.parametrize("server", ["local", "cloud"])
def test_default_user_is_refused_over_the_network(clickhouse_pair, server):
    """`default` exists for the server's own session only: over HTTP and the native protocol it
    is refused every table, even those it was granted (an unbounded read of system.numbers),
    and every SYSTEM or DDL statement; the refusals do not harm the server."""
    endpoint = clickhouse_pair.endpoint(server)
    statements = (
        "SELECT count() FROM system.tables",
        "SELECT count() FROM system.numbers",
        "SYSTEM STOP LISTEN HTTP",
        "CREATE DATABASE probe",
    )
    for sql in statements:
        url = f"{endpoint.http_url}/?" + urllib.parse.urlencode({"query": sql, "user": "default"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        assert "QUOTA_EXCEEDED" in refused.value.read().decode(), sql
    native = clickhouse_driver.Client(
        host=endpoint.host, port=endpoint.native_port, user="default", password=""
    )
    with pytest.raises(clickhouse_driver.errors.ServerException, match="Quota for user `default`"):
        native.execute("SELECT count() FROM system.numbers")
    native.disconnect()
    assert clickhouse_pair.client(server, "admin").command("SELECT 1") == 1
