"""The explicit time window every fetch covers: [start, end) in epoch milliseconds, UTC.

Ingestion never asks "what is new since last time": it asks "what happened in this window", so a
window can be fetched again (late data, a retry, a backfill) and, with natural-key tables, never
duplicates anything. Airflow hands us its data interval; the CLI parses `--start/--end`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from maicro.errors import MaicroError


def to_ms(value: datetime | str | int, name: str = "time") -> int:
    """Epoch ms from a datetime (naive = UTC), an ISO-8601 string, or an int of ms."""
    if isinstance(value, bool):
        raise MaicroError(f"{name}: {value!r} is not a time")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise MaicroError(
                f"{name}: {value!r} is not an ISO-8601 time (e.g. 2025-05-01 or "
                "2025-05-01T12:00:00Z) or epoch milliseconds"
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp() * 1000)
    raise MaicroError(f"{name}: {value!r} is not a time")


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Window:
    start_ms: int
    end_ms: int

    def __post_init__(self) -> None:
        if self.end_ms <= self.start_ms:
            raise MaicroError(
                f"window end {iso(self.end_ms)} is not after its start {iso(self.start_ms)}"
            )

    @classmethod
    def of(cls, start: datetime | str | int, end: datetime | str | int) -> Window:
        return cls(to_ms(start, "start"), to_ms(end, "end"))

    def contains(self, ms: int) -> bool:
        return self.start_ms <= ms < self.end_ms

    def chunks(self, size_ms: int) -> list[Window]:
        """Consecutive sub-windows of at most `size_ms`, aligned to multiples of it (UTC)."""
        out = []
        start = self.start_ms
        while start < self.end_ms:
            end = min(self.end_ms, (start // size_ms + 1) * size_ms)
            out.append(Window(start, end))
            start = end
        return out

    def __str__(self) -> str:
        return f"[{iso(self.start_ms)}, {iso(self.end_ms)})"
