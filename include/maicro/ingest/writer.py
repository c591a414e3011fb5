"""Batched inserts into the local ClickHouse as `maicro_ingest`: rows, quarantine, run log, probes.

Everything ingestion stores goes through here, so there is one place that knows the role, the
server and the batch size. Inserts are column-oriented (the fastest path in clickhouse-connect)
and split into batches of `batch_rows`; times are passed as integer milliseconds, which
DateTime64(3) stores as is. Raw tables are ReplacingMergeTree on natural keys, so writing the same
rows twice is harmless: that is what makes re-running a window safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from maicro.clickhouse.client import connect
from maicro.hyperliquid.client import RoundTrip
from maicro.ingest.records import Quarantined

QUARANTINE_TABLE = "maicro_monitors.quarantine"
QUARANTINE_COLUMNS = ("source", "data_type", "account", "reason", "raw")
RUNS_TABLE = "maicro_monitors.ingest_runs"
RUNS_COLUMNS = (
    "run_id",
    "data_type",
    "account",
    "window_start",
    "window_end",
    "rows_fetched",
    "rows_inserted",
    "rows_quarantined",
    "api_weight_used",
    "status",
    "error",
    "started_at",
    "finished_at",
)
LATENCY_TABLE = "maicro_monitors.api_latency"
LATENCY_COLUMNS = (
    "probed_at",
    "api_url",
    "request_type",
    "status",
    "http_status",
    "latency_ms",
    "server_time_skew_ms",
)


@dataclass
class RunLogEntry:
    """One row of `maicro_monitors.ingest_runs`: one data type for one account over one window."""

    run_id: str
    data_type: str
    account: str
    window_start_ms: int
    window_end_ms: int
    started_ms: int
    finished_ms: int = 0
    rows_fetched: int = 0
    rows_inserted: int = 0
    rows_quarantined: int = 0
    api_weight_used: int = 0
    status: str = "ok"  # ok, partial (inserted, with a note), skipped, failed
    error: str = ""  # why it failed, was skipped, or what the note is

    def row(self) -> tuple:
        return (
            self.run_id,
            self.data_type,
            self.account,
            self.window_start_ms,
            self.window_end_ms,
            self.rows_fetched,
            self.rows_inserted,
            self.rows_quarantined,
            self.api_weight_used,
            self.status,
            self.error,
            self.started_ms,
            self.finished_ms,
        )


class Writer:
    def __init__(self, client=None, *, batch_rows: int = 200_000) -> None:
        self.client = client or connect("local", "ingest")
        self.batch_rows = batch_rows

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple]) -> int:
        """Insert row tuples in batches; returns how many rows were sent."""
        for begin in range(0, len(rows), self.batch_rows):
            batch = rows[begin : begin + self.batch_rows]
            self.client.insert(
                table, list(zip(*batch)), column_names=list(columns), column_oriented=True
            )
        return len(rows)

    def quarantine(self, items: Iterable[Quarantined]) -> int:
        rows = [(q.source, q.data_type, q.account, q.reason, q.raw) for q in items]
        return self.insert(QUARANTINE_TABLE, QUARANTINE_COLUMNS, rows) if rows else 0

    def log_run(self, entries: Iterable[RunLogEntry]) -> None:
        rows = [e.row() for e in entries]
        if rows:
            self.insert(RUNS_TABLE, RUNS_COLUMNS, rows)

    def log_round_trips(self, api_url: str, trips: Iterable[RoundTrip]) -> int:
        rows = [
            (
                t.probed_at_ms,
                api_url,
                t.request_type,
                t.status,
                t.http_status,
                t.latency_ms,
                t.server_time_skew_ms,
            )
            for t in trips
        ]
        return self.insert(LATENCY_TABLE, LATENCY_COLUMNS, rows) if rows else 0

    def close(self) -> None:
        self.client.close()
