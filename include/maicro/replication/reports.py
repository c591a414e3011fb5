"""What a replication, verification or repair run found: plain dataclasses, no I/O.

Kept apart from the code that fills them (sync, verify, run) and the code that reads them
(monitor_log, cli, steps) so that none of those modules has to import another to name a result.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from maicro.replication.target import Target


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


class _OnTarget:
    """A run against the cloud server it chose (None: none was reachable)."""

    target: Target | None

    @property
    def target_label(self) -> str:
        """primary | secondary, or none if no cloud server was reachable."""
        return self.target.label if self.target else "none"

    @property
    def target_url(self) -> str:
        return self.target.endpoint.http_url if self.target else ""


@dataclass
class TableResult:
    """One table's sync."""

    database: str
    table: str
    status: str = "ok"  # ok | failed | incompatible | skipped
    partitions_checked: int = 0
    partitions_sent: int = 0
    partitions_dropped: int = 0
    rows_sent: int = 0
    schema_changes: list[str] = field(default_factory=list)
    error: str = ""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    lag_seconds: float = 0.0

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.table}"

    @property
    def duration_s(self) -> float:
        end = self.finished_at or datetime.now(UTC)
        return (end - self.started_at).total_seconds()


@dataclass
class RunReport(_OnTarget):
    """One sync run over many tables (`mode` sync or repair)."""

    run_id: str
    mode: str
    target: Target | None
    started_at: datetime
    results: list[TableResult] = field(default_factory=list)
    error: str = ""

    @property
    def failed(self) -> list[TableResult]:
        return [r for r in self.results if r.status in ("failed", "incompatible")]

    @property
    def rows_sent(self) -> int:
        return sum(r.rows_sent for r in self.results)


@dataclass(frozen=True)
class Mismatch:
    """One (partition, day) slice whose row count or checksum differs between the sides."""

    partition_id: str
    day: str
    local_rows: int
    cloud_rows: int
    local_checksum: int | None
    cloud_checksum: int | None
    pending: bool = False

    def describe(self) -> str:
        where = f"partition {self.partition_id}" + (f" day {self.day}" if self.day else "")
        if self.local_rows != self.cloud_rows:
            return f"{where}: {self.local_rows} rows locally, {self.cloud_rows} on the cloud"
        return f"{where}: {self.local_rows} rows on both sides but different content (checksum)"


@dataclass
class TableVerification:
    """One table's comparison."""

    database: str
    table: str
    slices_checked: int = 0
    local_rows: int = 0
    cloud_rows: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    pending: list[Mismatch] = field(default_factory=list)
    status: str = "ok"  # ok | mismatch | failed
    error: str = ""
    duration_s: float = 0.0

    @property
    def qualified(self) -> str:
        return f"{self.database}.{self.table}"


@dataclass
class VerifyReport(_OnTarget):
    """One verification run over many tables."""

    run_id: str
    target: Target | None
    verified_at: datetime
    results: list[TableVerification] = field(default_factory=list)

    @property
    def mismatched(self) -> list[TableVerification]:
        return [r for r in self.results if r.status != "ok"]


@dataclass
class RepairReport:
    """Verify, re-send what differs, verify again; `run`/`after` are None if nothing differed."""

    before: VerifyReport
    run: RunReport | None
    after: VerifyReport | None
