"""The embedded ClickHouse pair through the CLI a user runs: up, status, migrate, down, restart."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC

import pytest
from maicro import processes
from maicro.clickhouse import embedded, migrations
from maicro.clickhouse.status import EXPECTED_DATABASES

from tests.conftest import run_maicro


def test_status_shows_both_servers_healthy_with_all_databases(clickhouse_pair):
    result = run_maicro("clickhouse", "status")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[:2] for line in lines] == [["local", "embedded"], ["cloud", "embedded"]]
    for line, name in zip(lines, ("local", "cloud")):
        url = clickhouse_pair.endpoint(name).http_url
        assert url in line and "healthy" in line and "schema ok" in line
        for database in EXPECTED_DATABASES:
            assert database in line


def test_up_is_idempotent_and_says_so(clickhouse_pair):
    pids = {name: embedded.read_state(name).pid for name in ("local", "cloud")}
    result = run_maicro("clickhouse", "up")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("already running") == 2
    assert "schema up to date" in result.stdout
    assert {name: embedded.read_state(name).pid for name in ("local", "cloud")} == pids


def _schema(client) -> dict[str, str]:
    rows = client.query(
        "SELECT database || '.' || name, create_table_query FROM system.tables "
        "WHERE database IN ('hyperliquid','maicro_logs','maicro_monitors','binance','analytics','maicro_meta')"
    ).result_rows
    return dict(rows)


def test_migrating_twice_changes_nothing(clickhouse_pair):
    for server in ("local", "cloud"):
        client = clickhouse_pair.client(server)
        before = _schema(client)
        recorded = client.query(
            "SELECT version, checksum FROM maicro_meta.schema_migrations FINAL ORDER BY version"
        ).result_rows
        assert [v for v, _ in recorded] == [m.version for m in migrations.available()]
        assert migrations.migrate(server, log=lambda *_: None) == []
        assert run_maicro("clickhouse", "migrate", "--server", server).returncode == 0
        assert _schema(client) == before
        assert client.query("SELECT count() FROM maicro_meta.schema_migrations").result_rows[0][
            0
        ] == len(recorded)


def test_edited_migration_is_refused(clickhouse_pair, monkeypatch):
    original = migrations.available

    def edited():
        found = original()
        first = found[0]
        return [
            migrations.Migration(first.version, first.name, first.sql + "\n-- edited"),
            *found[1:],
        ]

    monkeypatch.setattr(migrations, "available", edited)
    with pytest.raises(Exception, match="edited after it was applied"):
        migrations.migrate("local", log=lambda *_: None)


def test_raw_tables_never_show_a_record_twice(fresh_clickhouse):
    client = fresh_clickhouse.client("local", "ingest")
    row = [
        "0x" + "ab" * 20,
        1_700_000_000_000,
        "BTC",
        7,
        50000.0,
        0.1,
        "B",
        0.0,
        "Open Long",
        0.0,
        "0xhash",
        11,
        True,
        1.25,
        "USDC",
    ]
    columns = [
        "account",
        "time",
        "coin",
        "tid",
        "px",
        "sz",
        "side",
        "start_position",
        "dir",
        "closed_pnl",
        "hash",
        "oid",
        "crossed",
        "fee",
        "fee_token",
    ]
    from datetime import datetime

    row[1] = datetime.fromtimestamp(row[1] / 1000, tz=UTC)
    client.insert("hyperliquid.fills", [row], column_names=columns)
    client.insert("hyperliquid.fills", [row], column_names=columns)  # a re-run of the same window
    assert client.query("SELECT count() FROM hyperliquid.fills FINAL").result_rows[0][0] == 1


def test_sigkilled_server_restarts_with_its_data(clickhouse_pair):
    """A separate server, so the session pair is not disturbed."""
    name = "crashy"
    state = embedded.up(name, grants_of="local", log=lambda *_: None)
    try:
        from maicro.clickhouse.client import connect
        from maicro.clickhouse.endpoints import Endpoint

        def client():
            s = embedded.read_state(name)
            return connect(
                name, "admin", endpoint=Endpoint(name, "embedded", s.host, s.http_port, s.tcp_port)
            )

        c = client()
        c.command("CREATE DATABASE IF NOT EXISTS hyperliquid")
        c.command("CREATE TABLE hyperliquid.kept (n UInt64) ENGINE = MergeTree ORDER BY n")
        c.command("INSERT INTO hyperliquid.kept SELECT number FROM numbers(1000)")
        os.kill(state.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while embedded.is_running(name) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not embedded.is_running(name)
        restarted = embedded.up(name, grants_of="local", log=lambda *_: None)
        assert restarted.pid != state.pid
        assert client().query("SELECT count(), sum(n) FROM hyperliquid.kept").result_rows[0] == (
            1000,
            499500,
        )
    finally:
        assert embedded.down(name, log=lambda *_: None)
    # `down` leaves no process behind
    assert not processes.pid_alive(restarted.pid)
    assert embedded.read_state(name) is None


def test_snapshots_stored_before_the_position_arrays_get_them_from_position_snapshots(
    fresh_clickhouse,
):
    """Migration 0022 backfills the position arrays of account snapshots written before it, from
    position_snapshots (open positions, sorted by coin); a re-run changes nothing."""
    from datetime import datetime

    client = fresh_clickhouse.client("local")
    account = "0x" + "cd" * 20
    old = datetime(2026, 1, 1, tzinfo=UTC)
    t1, t2, t3 = (datetime(2026, 11, d, tzinfo=UTC) for d in (1, 2, 3))
    client.insert(
        "hyperliquid.account_snapshots",
        [[account, t, 1000.0, n, old] for t, n in ((t1, 3), (t2, 0))],
        column_names=["account", "snapshot_at", "account_value", "n_positions", "ingested_at"],
    )
    client.insert(
        "hyperliquid.account_snapshots",  # written by the new ingestion: left alone
        [[account, t3, 900.0, 1, ["SOL"], [2.0], [150.0], old]],
        column_names=[
            "account",
            "snapshot_at",
            "account_value",
            "n_positions",
            "position_coins",
            "position_szis",
            "position_mark_pxs",
            "ingested_at",
        ],
    )
    client.insert(
        "hyperliquid.position_snapshots",
        [
            [account, t1, coin, szi, mark]
            for coin, szi, mark in (("ETH", -2.0, 3000.0), ("BTC", 0.5, 95000.0), ("XRP", 0.0, 2.0))
        ]
        + [[account, t3, "SOL", 2.0, 150.0]],
        column_names=["account", "snapshot_at", "coin", "szi", "mark_px"],
    )
    (backfill,) = [m for m in migrations.available() if m.version == 22]

    def snapshots():
        return client.query(
            "SELECT snapshot_at, position_coins, position_szis, position_mark_pxs, ingested_at > {old:DateTime64(3)} "
            "FROM hyperliquid.account_snapshots FINAL ORDER BY snapshot_at",
            parameters={"old": old},
        ).result_rows

    for statement in backfill.statements()[1:]:
        client.command(statement)
    after = snapshots()
    assert [row[1:] for row in after] == [
        (["BTC", "ETH"], [0.5, -2.0], [95000.0, 3000.0], True),  # XRP has size 0: no position
        ([], [], [], False),  # no positions: nothing to fill
        (["SOL"], [2.0], [150.0], False),
    ]
    raw_rows = client.query("SELECT count() FROM hyperliquid.account_snapshots").result_rows[0][0]
    for statement in backfill.statements():
        client.command(statement)
    assert snapshots() == after
    assert (
        client.query("SELECT count() FROM hyperliquid.account_snapshots").result_rows[0][0]
        == raw_rows
    )
    client.close()
