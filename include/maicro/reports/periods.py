"""The period a report covers: one UTC day, or one ISO week (Monday to Sunday)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from maicro.errors import MaicroError


@dataclass(frozen=True)
class Period:
    kind: str  # "daily" or "weekly"
    label: str  # 2026-03-09 or 2026-W10: the key the delivery record uses
    first: date
    last: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        """The exclusive end: midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    def previous(self) -> Period:
        if self.kind == "daily":
            return day(self.first - timedelta(days=1))
        return week(self.first - timedelta(days=7))


def day(value: str | date) -> Period:
    if isinstance(value, str):
        value = _parse(value, r"\d{4}-\d{2}-\d{2}", lambda m: date.fromisoformat(m[0]),
                       "--date must be a day like 2026-03-09 (YYYY-MM-DD)")  # fmt: skip
    return Period("daily", value.isoformat(), value, value)


def _parse(text: str, pattern: str, parse: Callable[[re.Match[str]], date], message: str) -> date:
    """`parse(match)` when `text` matches `pattern` and names a real day, else MaicroError."""
    match = re.fullmatch(pattern, text)
    try:
        if match:
            return parse(match)
    except ValueError:
        pass
    raise MaicroError(message)


def week(value: str | date) -> Period:
    """`2026-W10` (or any day inside the week) -> Monday..Sunday of that ISO week."""
    if isinstance(value, str):
        value = _parse(value, r"(\d{4})-W(\d{2})",
                       lambda m: date.fromisocalendar(int(m[1]), int(m[2]), 1),
                       "--week must be an ISO week like 2026-W10 (YYYY-Www)")  # fmt: skip
    monday = value - timedelta(days=value.weekday())
    year, number, _ = monday.isocalendar()
    return Period("weekly", f"{year}-W{number:02d}", monday, monday + timedelta(days=6))


def last_ended(kind: str, at: datetime) -> Period:
    """The newest period that ended at or before `at` (a DAG run's time): yesterday, or the ISO
    week whose Sunday is the last one before `at`'s day."""
    today = at.astimezone(UTC).date()
    if kind == "daily":
        return day(today - timedelta(days=1))
    return week(today - timedelta(days=today.weekday() + 1))


def parse(kind: str, value: str) -> Period:
    return day(value) if kind == "daily" else week(value)
