"""Benchmark of the emailed reports: one simulated year, two accounts (the analytics bench's data).

Loads the year through bench/analytics_bench.py's loader, builds the marts with dbt, records a
year of hourly ingest run logs and a verification (so the completeness check reads run logs of
realistic size), then times, best of 5:
  * the daily PnL report of the last day, from the first query to the finished MIME message [< 2 s]
  * the weekly risk report of the last complete ISO week, the same way (includes two charts) [< 2 s]
and, as the baseline measured in the same run, the same reports' queries alone (so the figures
split into reading the marts vs rendering, charts and MIME). It checks that every query read only
`analytics` (marts) and `maicro_monitors` (run logs): no raw table scanned.

Usage: .venv/bin/python bench/report_bench.py [--days 365]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import analytics_bench as ab  # the same data, loaded the same way, and its timing helper

TARGET_S = 2.0


def record_run_logs(client, days: int, accounts: list[str]) -> int:
    """Hourly ingest runs over the year for every data type (and account), then a verification."""
    from maicro import catalog
    from maicro.reports.completeness import PER_ACCOUNT

    start = datetime.fromtimestamp(ab.ORIGIN / 1000, UTC)
    rows = []
    for hour in range(days * 24):
        ws, we = start + timedelta(hours=hour), start + timedelta(hours=hour + 1)
        for data_type in catalog.DATA_TYPES:
            for account in accounts if data_type in PER_ACCOUNT else [""]:
                rows.append(
                    [f"run{hour}", data_type, account, ws, we, 0, 0, 0, 0, "ok", "", ws, we]
                )
    columns = ["run_id", "data_type", "account", "window_start", "window_end", "rows_fetched"]
    columns += ["rows_inserted", "rows_quarantined", "api_weight_used", "status", "error"]
    columns += ["started_at", "finished_at"]
    client.insert("maicro_monitors.ingest_runs", rows, column_names=columns)
    verified = start + timedelta(days=days, hours=1)
    client.insert(
        "maicro_monitors.verification_results",
        [
            ["v1", verified, "primary", "", t.database, t.name, 1, 0, 0, 0, [], 0.1, "ok", ""]
            for t in catalog.data_tables()
        ],  # fmt: skip
        column_names=[
            "run_id",
            "verified_at",
            "target",
            "target_url",
            "database",
            "table",
            "slices_checked",
            "slices_mismatched",
            "local_rows",
            "cloud_rows",
            "mismatches",
            "duration_s",
            "status",
            "error",
        ],  # fmt: skip
    )
    return len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--fills-per-day", type=float, default=ab.FILLS_PER_DAY)
    args = parser.parse_args()

    from maicro.clickhouse.client import connect
    from maicro.delivery.message import to_mime
    from maicro.reports import periods
    from maicro.reports.marts import ALLOWED_DATABASES, MartReader
    from maicro.reports.report import build_email
    from maicro.transform import runner

    with tempfile.TemporaryDirectory(prefix="maicro-report-bench-") as tmp:
        ab.start_pair(Path(tmp))
        try:
            client = connect("cloud", "admin")
            end_ms = ab.ORIGIN + args.days * ab.DAY_MS
            sim = ab.simulator(args.days, args.fills_per_day)
            t0 = time.perf_counter()
            ab.load(sim, client, 0, args.days)
            runner.build(full_refresh=True, models_only=True)
            accounts = [a for a, _ in sim.accounts]
            n_runs = record_run_logs(client, args.days, accounts)
            print(f"data ready in {time.perf_counter() - t0:.0f} s ({n_runs:,} run-log rows)")

            last_day = (datetime.fromtimestamp(end_ms / 1000, UTC) - timedelta(days=1)).date()
            cases = {
                "daily": periods.day(last_day),
                "weekly": periods.last_ended("weekly", datetime.fromtimestamp(end_ms / 1000, UTC)),
            }
            failures = 0
            for kind, period in cases.items():
                reader = MartReader()

                def build(period=period, reader=reader):
                    reader.queries.clear()
                    built = build_email(period, reader=reader)
                    return bytes(to_mime(built.email)), built

                total, (mime, built) = ab.best_of(5, build)
                queries = list(reader.queries)

                def queries_only(queries=queries, reader=reader):
                    for sql, parameters in queries:
                        reader.client.query(sql, parameters=parameters)

                query_s, _ = ab.best_of(5, queries_only)
                tables = reader.tables_read()
                outside = sorted(t for t in tables if t.split(".")[0] not in ALLOWED_DATABASES)
                ok = total < TARGET_S and not outside
                failures += not ok
                print(
                    f"{kind:6} {period.label}: {total:.3f} s to MIME ({len(mime) / 1024:.0f} KiB, "
                    f"{len(queries)} queries) [target < {TARGET_S:.0f} s: {'ok' if ok else 'MISSED'}]; "
                    f"baseline queries alone {query_s:.3f} s = {query_s / total:.0%} of it, "
                    f"render+charts+MIME {total - query_s:.3f} s; banner lines {len(built.gaps)}"
                )
                print(f"       tables read: {', '.join(sorted(tables))}")
                if outside:
                    print(f"       RAW TABLES READ: {', '.join(outside)}")
                reader.close()
            return 1 if failures else 0
        finally:
            ab.stop_pair()


if __name__ == "__main__":
    sys.exit(main())
