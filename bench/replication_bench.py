"""Replication benchmark: 10M position-snapshot rows, local → cloud, on a throwaway embedded pair.

Prints, all measured in this run on this machine:
- full copy with our path (`maicro.replication.run`: remote() + REPLACE PARTITION), rows/s;
- the naive alternative (client-side SELECT → Python rows → INSERT) and client-side Arrow
  streaming, rows/s, on the first N rows (--sample-rows; the naive copy of all 10M takes minutes);
  ratios of our rows/s to each;
- a cold verification of the whole table (every partition hashed, `--full`);
- an incremental sync after appending 1% new rows (seconds);
- the routine verification of the whole table after it (unchanged partitions from the cache).
Targets (docs/replication.md): full copy >= 1M rows/s and >= 5x naive; incremental and verify < 2 s each.

    .venv/bin/python bench/replication_bench.py [--rows 10000000] [--sample-rows 1000000]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import tempfile
import time

TABLE = "binance.bench_position_snapshots"
COLUMNS_DDL = """
    account LowCardinality(String), snapshot_at DateTime64(3, 'UTC'), coin LowCardinality(String),
    szi Float64, entry_px Float64, position_value Float64, mark_px Float64, unrealized_pnl Float64,
    return_on_equity Float64, liquidation_px Nullable(Float64), margin_used Float64,
    max_leverage UInt16, leverage_type LowCardinality(String), leverage_value Float64,
    cum_funding_all_time Float64, cum_funding_since_open Float64, cum_funding_since_change Float64,
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)"""
ENGINE = (
    "ENGINE = ReplacingMergeTree(ingested_at) PARTITION BY toYYYYMM(snapshot_at) "
    "ORDER BY (account, coin, snapshot_at)"
)
# 10 accounts x 12 coins every 5 minutes: 34,560 rows a day, 10M rows ~ 290 days (10 partitions).
PER_STEP = 120


def _generate(first: int, n: int) -> str:
    return (
        f"INSERT INTO {TABLE} SELECT concat('0x', lower(hex(cityHash64(intDiv(n, 12) % 10)))), "
        f"toDateTime64('2025-01-01 00:00:00', 3, 'UTC') + intDiv(n, {PER_STEP}) * 300, "
        "['BTC','ETH','SOL','ARB','OP','DOGE','AVAX','LINK','SUI','APT','TIA','XRP'][n % 12 + 1], "
        "(n % 997) / 10 - 50, 100 + n % 5000, abs((n % 997) / 10 - 50) * (100 + n % 4000), "
        "100 + n % 4000, (n % 2001) - 1000, ((n % 301) - 150) / 1000, "
        "if(n % 7 = 0, NULL, 50 + n % 3000), 10 + n % 900, 20, 'cross', 5, "
        "(n % 1001) / 100, (n % 503) / 100, (n % 211) / 100, "
        "toDateTime64('2026-01-01 00:00:00', 3, 'UTC') "
        f"FROM (SELECT number + {first} AS n FROM numbers({n}))"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--sample-rows", type=int, default=1_000_000, help="rows for the client-side alternatives"
    )
    parser.add_argument("--keep", action="store_true", help="keep the state dir")
    args = parser.parse_args()

    state = tempfile.mkdtemp(prefix="maicro-repl-bench-")
    os.environ.update({"MAICRO_STATE_DIR": state, "MAICRO_ENV_FILE": os.path.join(state, "none")})
    for name in ("LOCAL", "CLOUD"):
        os.environ[f"MAICRO_{name}_HTTP_PORT"] = os.environ[f"MAICRO_{name}_TCP_PORT"] = "0"
    for var in (
        "MAICRO_LOCAL_CLICKHOUSE_URL",
        "MAICRO_CLOUD_CLICKHOUSE_URL",
        "MAICRO_CLOUD_CLICKHOUSE_SECONDARY_URL",
    ):
        os.environ.pop(var, None)
    from maicro import settings

    for role in (r.upper() for r in settings.ROLES):
        os.environ[f"MAICRO_{role}_PASSWORD"] = secrets.token_urlsafe(12)

    from maicro.clickhouse import embedded, migrations
    from maicro.clickhouse.client import connect
    from maicro.replication.run import replicate, verify

    quiet = lambda *_: None  # noqa: E731
    try:
        for name in ("local", "cloud"):
            embedded.up(name, log=quiet)
            migrations.migrate(name, log=quiet)
        local, cloud = (
            connect("local", "admin"),
            connect("cloud", "admin", send_receive_timeout=3600),
        )
        local.command(f"CREATE TABLE {TABLE} ({COLUMNS_DDL}) {ENGINE}")
        t = time.perf_counter()
        local.command(_generate(0, args.rows))
        local.command(
            f"OPTIMIZE TABLE {TABLE} FINAL"
        )  # a settled table, as after a while in production
        print(f"setup: {args.rows:,} rows generated locally in {time.perf_counter() - t:.1f}s")

        # 1. Our path: the full first sync (creates the table on the cloud, sends every partition).
        t = time.perf_counter()
        run = replicate(tables=[TABLE], log=quiet, record=False)
        ours_s = time.perf_counter() - t
        assert not run.failed, run.failed
        assert run.rows_sent == args.rows, run.rows_sent
        ours = args.rows / ours_s
        print(
            f"full copy, remote() + REPLACE PARTITION: {args.rows:,} rows in {ours_s:.2f}s "
            f"= {ours:,.0f} rows/s"
        )

        # 2. Client-side alternatives, same sample, into scratch copies of the table on the cloud.
        sample = min(args.sample_rows, args.rows)
        select = f"SELECT * FROM {TABLE} ORDER BY account, coin, snapshot_at LIMIT {sample}"
        results = {}
        for label, copy in (
            ("naive SELECT -> Python rows -> INSERT", _naive),
            ("client-side Arrow stream", _arrow),
        ):
            target = f"binance.bench_copy_{len(results)}"
            cloud.command(f"CREATE TABLE {target} ({COLUMNS_DDL}) {ENGINE}")
            t = time.perf_counter()
            copy(local, cloud, select, target)
            seconds = time.perf_counter() - t
            copied = int(cloud.query(f"SELECT count() FROM {target}").result_rows[0][0])
            assert copied == sample, (label, copied, sample)
            results[label] = sample / seconds
            cloud.command(f"DROP TABLE {target} SYNC")
            print(
                f"{label}: {sample:,} rows in {seconds:.2f}s = {results[label]:,.0f} rows/s "
                f"(ours is {ours / results[label]:.1f}x)"
            )

        # 3. A cold verification: every partition hashed on both servers (`maicro verify --full`).
        t = time.perf_counter()
        report = verify(tables=[TABLE], full=True, log=quiet, record=False)
        cold_s = time.perf_counter() - t
        assert report.results[0].status == "ok", report.results[0]
        print(f"verify whole table, cold (--full, every partition hashed): {cold_s:.2f}s")

        # 4. Incremental: 1% new rows appended after the last snapshot.
        new = args.rows // 100
        local.command(_generate(args.rows, new))
        t = time.perf_counter()
        run = replicate(tables=[TABLE], log=quiet, record=False)
        incremental_s = time.perf_counter() - t
        assert not run.failed
        result = run.results[0]
        print(
            f"incremental sync of {new:,} new rows (1%): {incremental_s:.2f}s "
            f"({result.partitions_sent} of {result.partitions_checked} partitions re-sent, "
            f"{result.rows_sent:,} rows)"
        )

        # 5. The routine verification after that sync: the whole table is compared, partitions
        #    unchanged since they were hashed come from the checksum cache.
        t = time.perf_counter()
        report = verify(tables=[TABLE], log=quiet, record=False)
        verify_s = time.perf_counter() - t
        checked = report.results[0]
        assert checked.status == "ok" and not checked.pending, checked
        assert checked.local_rows == checked.cloud_rows == args.rows + new
        print(
            f"verify whole table after the sync ({checked.local_rows:,} rows, "
            f"{checked.slices_checked} partition-days; changed partitions re-hashed): {verify_s:.2f}s"
        )

        naive = results["naive SELECT -> Python rows -> INSERT"]
        print(
            "\nsummary: full copy {:,.0f} rows/s ({}), {:.1f}x naive ({}); incremental {:.2f}s ({}); "
            "verify {:.2f}s ({}), cold {:.2f}s ({})".format(
                ours,
                "ok" if ours >= 1e6 else "BELOW 1M",
                ours / naive,
                "ok" if ours / naive >= 5 else "BELOW 5x",
                incremental_s,
                "ok" if incremental_s < 2 else "ABOVE 2s",
                verify_s,
                "ok" if verify_s < 2 else "ABOVE 2s",
                cold_s,
                "ok" if cold_s < 2 else "ABOVE 2s",
            )
        )
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    finally:
        for name in ("local", "cloud"):
            embedded.down(name, log=quiet)
        if not args.keep:
            shutil.rmtree(state, ignore_errors=True)


def _naive(local, cloud, select: str, target: str) -> None:
    """What a script would do first: fetch rows into Python, insert them in batches."""
    with local.query_row_block_stream(select) as stream:
        columns = None
        batch = []
        for block in stream:
            batch.extend(block)
            if len(batch) >= 100_000:
                cloud.insert(target, batch, column_names=columns or stream.source.column_names)
                batch = []
        if batch:
            cloud.insert(target, batch, column_names=stream.source.column_names)


def _arrow(local, cloud, select: str, target: str) -> None:
    """Client-side streaming without Python rows: Arrow record batches straight through."""
    import pyarrow as pa

    with local.query_arrow_stream(select) as stream:
        for batch in stream:
            cloud.insert_arrow(target, pa.Table.from_batches([batch]))


if __name__ == "__main__":
    main()
