"""`maicro replicate` against the real embedded pair: incremental, foreign tables, schema drift."""

from __future__ import annotations

import os

from maicro.replication.run import replicate

from tests.conftest import run_maicro
from tests.integration.replication_helpers import admin, count, rows, runs, seed_fills

FILLS_KEY = "account, coin, time, tid"


def _result(run, table):
    return next(r for r in run.results if r.qualified == table)


def test_first_sync_copies_everything_then_only_the_changed_partition(fresh_clickhouse):
    seed_fills(2000)  # hourly from 2026-01-01: January, February, part of March
    first = replicate(log=lambda *_: None)
    assert not first.failed
    assert rows("cloud", "hyperliquid.fills", FILLS_KEY) == rows(
        "local", "hyperliquid.fills", FILLS_KEY
    )
    assert _result(first, "hyperliquid.fills").rows_sent == 2000

    # 50 new fills in March only: March is re-sent, January and February are not touched.
    seed_fills(50, start="2026-03-20 00:00:00", step_s=60, tid0=10_000)
    march_rows = count("local", "hyperliquid.fills", "toYYYYMM(time) = 202603")
    second = replicate(log=lambda *_: None)
    fills = _result(second, "hyperliquid.fills")
    assert (fills.partitions_checked, fills.partitions_sent) == (3, 1)
    assert fills.rows_sent == march_rows
    assert rows("cloud", "hyperliquid.fills", FILLS_KEY) == rows(
        "local", "hyperliquid.fills", FILLS_KEY
    )

    # Idempotent: nothing changed, nothing sent, nothing duplicated (raw counts, not FINAL).
    third = replicate(log=lambda *_: None)
    # (at most the replication's own log may have changed: a local merge renames its parts)
    assert {r.qualified for r in third.results if r.rows_sent} <= {
        "maicro_monitors.replication_runs"
    }
    assert count("cloud", "hyperliquid.fills") == count("local", "hyperliquid.fills") == 2050


def test_run_log_reaches_the_cloud_with_rows_sent_lag_and_duration(fresh_clickhouse):
    seed_fills(100)
    result = run_maicro("replicate", check=True)
    assert "100 rows" in result.stdout
    logged = [r for r in runs("cloud") if r["table"] == "fills"]
    assert len(logged) == 1
    row = logged[0]
    assert (row["status"], row["rows_sent"], row["partitions_sent"], row["target"]) == (
        "ok",
        100,
        1,
        "primary",
    )
    assert 0 <= row["lag_seconds"] < 60 and 0 <= row["duration_s"] < 60
    assert row["finished_at"] >= row["started_at"]
    password = os.environ["MAICRO_REPLICATOR_PASSWORD"]
    assert password not in result.stdout + result.stderr


def test_a_table_created_by_another_producer_is_created_on_the_cloud_with_its_data(
    fresh_clickhouse,
):
    admin(
        "local",
        "CREATE TABLE binance.trades (symbol LowCardinality(String), trade_id UInt64, "
        "price Decimal(18, 8), qty Float64, traded_at DateTime64(3, 'UTC'), "
        "tags Array(String), maker Nullable(Bool)) "
        "ENGINE = MergeTree PARTITION BY toDate(traded_at) ORDER BY (symbol, trade_id)",
    )
    admin(
        "local",
        "INSERT INTO binance.trades SELECT if(number % 2 = 0, 'BTCUSDT', 'ETHUSDT'), number, "
        "toDecimal64(30000 + number / 7, 8), number / 3, "
        "toDateTime64('2026-02-01 00:00:00', 3, 'UTC') + number * 37, [toString(number % 3)], "
        "if(number % 5 = 0, NULL, number % 2 = 0) FROM numbers(5000)",
    )
    run = replicate(databases=["binance"], log=lambda *_: None)
    trades = _result(run, "binance.trades")
    assert trades.status == "ok" and trades.schema_changes == ["created binance.trades"]
    from maicro.clickhouse.client import connect

    def create(server):
        client = connect(server, "admin")
        try:
            return client.query(
                "SELECT create_table_query FROM system.tables "
                "WHERE database = 'binance' AND name = 'trades'"
            ).result_rows[0][0]
        finally:
            client.close()

    assert create("cloud") == create("local")
    assert rows("cloud", "binance.trades", "symbol, trade_id", final=False) == rows(
        "local", "binance.trades", "symbol, trade_id", final=False
    )


def test_a_column_added_locally_is_added_on_the_cloud(fresh_clickhouse):
    seed_fills(300)
    replicate(log=lambda *_: None)
    admin(
        "local",
        "ALTER TABLE hyperliquid.fills ADD COLUMN venue LowCardinality(String) "
        "DEFAULT 'hl' AFTER coin",
    )
    seed_fills(10, start="2026-01-05 00:30:00", tid0=5000)
    admin(
        "local",
        "ALTER TABLE hyperliquid.fills UPDATE venue = 'hl-test' WHERE tid >= 5000 "
        "SETTINGS mutations_sync = 1",
    )
    try:
        run = replicate(tables=["hyperliquid.fills"], log=lambda *_: None)
        fills = _result(run, "hyperliquid.fills")
        assert fills.status == "ok", fills.error
        assert fills.schema_changes == [
            "added column hyperliquid.fills.venue LowCardinality(String)"
        ]
        assert rows("cloud", "hyperliquid.fills", FILLS_KEY) == rows(
            "local", "hyperliquid.fills", FILLS_KEY
        )
        assert count("cloud", "hyperliquid.fills", "venue = 'hl-test'") == 10
    finally:
        for server in ("local", "cloud"):
            admin(server, "ALTER TABLE hyperliquid.fills DROP COLUMN IF EXISTS venue")


def test_an_incompatible_change_stops_that_table_only_and_names_table_and_column(fresh_clickhouse):
    for server in ("local",):
        admin(
            server,
            "CREATE TABLE binance.klines (symbol String, open_time DateTime, close Float64) "
            "ENGINE = MergeTree ORDER BY (symbol, open_time)",
        )
    admin(
        "local",
        "INSERT INTO binance.klines SELECT 'BTC', toDateTime('2026-01-01') + number * 60, "
        "number FROM numbers(100)",
    )
    run_maicro("replicate", "--database", "binance", check=True)
    # The producer changes a type: Float64 -> String (the cloud cannot take those parts).
    admin(
        "local", "ALTER TABLE binance.klines MODIFY COLUMN close String SETTINGS mutations_sync = 1"
    )
    admin("local", "INSERT INTO binance.klines VALUES ('ETH', '2026-01-02 00:00:00', 'x')")
    seed_fills(20)
    result = run_maicro("replicate", "--database", "binance", "--database", "hyperliquid")
    assert result.returncode == 1
    message = result.stderr.strip().splitlines()[-1]
    assert "binance.klines" in message and "column close" in message
    # The other tables went through, the incompatible one was left as it was.
    assert count("cloud", "hyperliquid.fills") == 20
    assert count("cloud", "binance.klines") == 100
    failed = [r for r in runs("local") if r["table"] == "klines" and r["status"] == "incompatible"]
    assert len(failed) == 1 and "close" in failed[0]["error"]


def test_unmerged_duplicates_of_a_replacing_table_are_copied_exactly(fresh_clickhouse):
    # The same fills ingested twice (an overlapping re-run), not merged yet, even inside one part:
    # both copies travel, and FINAL on either side shows one row per fill.
    admin("local", "SYSTEM STOP MERGES hyperliquid.fills")
    try:
        admin(
            "local",
            "INSERT INTO hyperliquid.fills (account, time, coin, tid, px, sz, side, hash, "
            "fee_token) SELECT '0xaaa', toDateTime64('2026-01-01', 3, 'UTC') + (number % 400) "
            "* 60, 'BTC', number % 400, 100, 1, 'B', '', 'USDC' FROM numbers(800) "
            "SETTINGS optimize_on_insert = 0",
        )
        assert count("local", "hyperliquid.fills") == 800
        run = replicate(tables=["hyperliquid.fills"], log=lambda *_: None)
        assert not run.failed, run.failed[0].error if run.failed else ""
        assert run.rows_sent == 800
        assert (
            count("cloud", "hyperliquid.fills FINAL")
            == count("local", "hyperliquid.fills FINAL")
            == 400
        )
        assert rows("cloud", "hyperliquid.fills", FILLS_KEY) == rows(
            "local", "hyperliquid.fills", FILLS_KEY
        )
    finally:
        admin("local", "SYSTEM START MERGES hyperliquid.fills")


def test_a_table_dropped_and_created_again_locally_is_sent_again(fresh_clickhouse):
    ddl = (
        "CREATE TABLE binance.snapshots (symbol String, ts DateTime, v Float64) ENGINE = MergeTree "
        "PARTITION BY toYYYYMM(ts) ORDER BY (symbol, ts)"
    )
    admin("local", ddl)
    admin(
        "local",
        "INSERT INTO binance.snapshots SELECT 'A', toDateTime('2026-01-01') + number, 1 FROM numbers(10)",
    )
    replicate(databases=["binance"], log=lambda *_: None)
    # Same part names (block numbers restart), different content.
    admin("local", "DROP TABLE binance.snapshots SYNC")
    admin("local", ddl)
    admin(
        "local",
        "INSERT INTO binance.snapshots SELECT 'A', toDateTime('2026-01-01') + number, 2 FROM numbers(10)",
    )
    run = replicate(databases=["binance"], log=lambda *_: None)
    assert run.rows_sent == 10
    assert rows("cloud", "binance.snapshots", "symbol, ts", final=False) == rows(
        "local", "binance.snapshots", "symbol, ts", final=False
    )
    assert verify_clean()


def verify_clean() -> bool:
    from maicro.replication.run import verify

    return verify(databases=["binance"], log=lambda *_: None).mismatched == []
