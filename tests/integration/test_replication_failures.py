"""Exactly-once in effect: SIGKILL mid-transfer, a lost watermark, the cloud down then up, and
the fallback to a secondary cloud. Every check compares both servers' rows directly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from maicro.clickhouse import embedded
from maicro.clickhouse.client import connect
from maicro.replication.run import replicate

from tests.conftest import ROOT, run_maicro
from tests.integration.replication_helpers import admin, count, rows, runs, seed_fills

FILLS_KEY = "account, coin, time, tid"
MAICRO = str(Path(sys.executable).parent / "maicro")


def _stage_tables() -> list[str]:
    client = connect("cloud", "admin")
    try:
        return [
            r[0]
            for r in client.query(
                "SELECT name FROM system.tables WHERE database = 'maicro_meta' AND startsWith(name, 'stage_')"
            ).result_rows
        ]
    finally:
        client.close()


@pytest.mark.slow  # ~25-30 s: 3M rows generated, a killed and a full run
def test_sigkill_mid_transfer_then_next_run_converges_without_duplicates(fresh_clickhouse):
    # Big enough that the transfer takes a while: 3M rows in one partition per day.
    admin(
        "local",
        "CREATE TABLE binance.book_ticks (symbol LowCardinality(String), ts DateTime64(3, 'UTC'), "
        "bid Float64, ask Float64, seq UInt64) ENGINE = MergeTree "
        "PARTITION BY toDate(ts) ORDER BY (symbol, ts, seq)",
    )
    admin(
        "local",
        "INSERT INTO binance.book_ticks SELECT ['BTC','ETH','SOL'][number % 3 + 1], "
        "toDateTime64('2026-01-01 00:00:00', 3, 'UTC') + number / 20, number % 1000, "
        "number % 1000 + 0.5, number FROM numbers(3000000)",
    )
    process = subprocess.Popen(
        [MAICRO, "replicate", "--table", "binance.book_ticks"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _stage_tables() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    assert process.poll() is None, "the run finished before it could be killed"
    time.sleep(0.2)  # inside the transfer
    process.send_signal(signal.SIGKILL)  # only the process this test started
    process.wait(timeout=10)
    # Whatever the orphaned server-side insert does, the cloud table never holds part of a day
    # (partition): each day there is absent or complete.
    local_days = {d: n for d, n, *_ in _fingerprint("local")}
    assert len(local_days) == 2
    if _exists("cloud", "binance", "book_ticks"):
        assert all(local_days[d] == n for d, n, *_ in _fingerprint("cloud"))
    # ...and the next run converges: exactly the local rows, once each.
    run_maicro("replicate", "--table", "binance.book_ticks", check=True, timeout=300)
    assert count("cloud", "binance.book_ticks") == 3000000
    assert _fingerprint("cloud") == _fingerprint("local")
    assert _stage_tables() == []
    result = run_maicro("verify", "--table", "binance.book_ticks", check=True)
    assert "0 table(s) differ" in result.stdout
    # remote() carries the password in its query text: the servers' logs must not show it.
    password = os.environ["MAICRO_REPLICATOR_PASSWORD"]
    for server in ("local", "cloud"):
        log = embedded.server_dir(server) / "server.log"
        assert password not in log.read_text(errors="replace")


def _exists(server, database, table) -> bool:
    client = connect(server, "admin")
    try:
        return bool(client.query(f"EXISTS TABLE {database}.{table}").result_rows[0][0])
    finally:
        client.close()


def _fingerprint(server) -> tuple:
    client = connect(server, "admin")
    try:
        return tuple(
            client.query(
                "SELECT toDate(ts) d, count(), uniqExact(seq), sum(seq), sum(bid) FROM binance.book_ticks "
                "GROUP BY d ORDER BY d"
            ).result_rows
        )
    finally:
        client.close()


def test_a_lost_watermark_resends_without_duplicating(fresh_clickhouse):
    seed_fills(1500)
    replicate(log=lambda *_: None)
    # As if the run had been killed after swapping partitions in but before recording them.
    admin("cloud", "TRUNCATE TABLE maicro_meta.replication_state")
    run = replicate(tables=["hyperliquid.fills"], log=lambda *_: None)
    assert run.rows_sent == 1500  # re-sent in full...
    assert count("cloud", "hyperliquid.fills") == 1500  # ...and replaced, not appended
    assert rows("cloud", "hyperliquid.fills", FILLS_KEY) == rows(
        "local", "hyperliquid.fills", FILLS_KEY
    )


def test_cloud_down_fails_clearly_records_locally_then_converges(fresh_clickhouse):
    seed_fills(200)
    replicate(log=lambda *_: None)
    embedded.down("cloud", log=lambda *_: None)
    try:
        seed_fills(30, start="2026-02-15 00:00:00", tid0=9000)
        result = run_maicro("replicate")
        assert result.returncode == 1
        assert result.stderr.startswith("maicro: cloud ClickHouse unreachable")
        assert len(result.stderr.strip().splitlines()) == 1
        assert os.environ["MAICRO_REPLICATOR_PASSWORD"] not in result.stdout + result.stderr
        failed = [r for r in runs("local") if r["table"] == "fills" and r["status"] == "failed"]
        assert len(failed) == 1 and "unreachable" in failed[0]["error"]
        assert failed[0]["lag_seconds"] > 0
    finally:
        embedded.up("cloud", log=lambda *_: None)  # data dir survives; new ports
    run_maicro("replicate", check=True)
    assert rows("cloud", "hyperliquid.fills", FILLS_KEY) == rows(
        "local", "hyperliquid.fills", FILLS_KEY
    )
    assert count("cloud", "hyperliquid.fills") == 230
    # The failed run is on the cloud too, for the health tab.
    assert any(r["table"] == "fills" and r["status"] == "failed" for r in runs("cloud"))


@pytest.fixture
def secondary_cloud(fresh_clickhouse, monkeypatch):
    """A third embedded server with the cloud's users (never migrated: replication creates what it needs)."""
    state = embedded.up("cloud2", grants_of="cloud", log=lambda *_: None)
    monkeypatch.setenv(
        "MAICRO_CLOUD_CLICKHOUSE_SECONDARY_URL",
        f"http://{state.host}:{state.http_port}?native_port={state.tcp_port}",
    )
    yield state
    embedded.down("cloud2", log=lambda *_: None)
    import shutil

    shutil.rmtree(embedded.server_dir("cloud2"), ignore_errors=True)


def test_primary_down_syncs_to_the_secondary_and_says_so(secondary_cloud):
    seed_fills(400)
    embedded.down("cloud", log=lambda *_: None)
    try:
        result = run_maicro("replicate")
        assert result.returncode == 0, result.stderr
        assert "syncing to the secondary" in result.stdout
        assert (
            f"secondary http://{secondary_cloud.host}:{secondary_cloud.http_port}" in result.stdout
        )
        assert os.environ["MAICRO_REPLICATOR_PASSWORD"] not in result.stdout + result.stderr
        import clickhouse_connect

        client = clickhouse_connect.get_client(
            host=secondary_cloud.host,
            port=secondary_cloud.http_port,
            username="maicro_admin",
            password=os.environ["MAICRO_ADMIN_PASSWORD"],
        )
        local = rows("local", "hyperliquid.fills", FILLS_KEY)
        assert (
            client.query(f"SELECT * FROM hyperliquid.fills FINAL ORDER BY {FILLS_KEY}").result_rows
            == local
        )
        logged = client.query(
            "SELECT target, status FROM maicro_monitors.replication_runs WHERE table = 'fills'"
        ).result_rows
        assert logged == [("secondary", "ok")]
        client.close()
    finally:
        embedded.up("cloud", log=lambda *_: None)
    # Back on the primary, which converges on its own.
    result = run_maicro("replicate", check=True)
    assert "to primary" in result.stdout
    assert rows("cloud", "hyperliquid.fills", FILLS_KEY) == rows(
        "local", "hyperliquid.fills", FILLS_KEY
    )
