"""Turning one API record into one table row, or into a quarantine entry saying why not.

The exchange sends numbers as decimal strings and times as integer milliseconds; a record with a
missing required field, a number that is not a number, or a value outside its vocabulary (a side
that is neither B nor A) must not reach the raw tables, and must not take the rest of its batch
down either. Each data type's `parse(record, account)` uses the checkers below and raises
`BadRecord` with a reason a person can act on; `parse_all` collects rows and quarantine entries.
Fields we do not know are ignored: the API grows, and that is fine.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, overload

# Plausible epoch-millisecond range (2015..2100): catches seconds-vs-ms and garbage.
MIN_MS = 1_420_070_400_000
MAX_MS = 4_102_444_800_000


class BadRecord(Exception):
    """A record that fails validation; the message is the quarantine reason."""


@dataclass(frozen=True)
class Quarantined:
    """A record kept out of the raw tables, as `maicro_monitors.quarantine` stores it."""

    source: str
    data_type: str
    account: str
    reason: str
    raw: str


@dataclass
class Parsed:
    rows: list[tuple] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)


def raw_json(record: Any) -> str:
    """Stable JSON of a record (sorted keys), so a re-run quarantines the very same text."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), default=str)


def parse_all(
    records: Iterable[Any],
    parse: Callable[[Any, str], tuple],
    *,
    data_type: str,
    account: str,
    source: str,
) -> Parsed:
    """Parse every record; bad ones become quarantine entries, the rest rows."""
    out = Parsed()
    rows = out.rows
    for record in records:
        try:
            if not isinstance(record, dict):
                raise BadRecord(f"not a JSON object ({type(record).__name__})")
            rows.append(parse(record, account))
        except BadRecord as exc:
            out.quarantined.append(
                Quarantined(source, data_type, account, str(exc), raw_json(record))
            )
    return out


# -- field checkers --------------------------------------------------------------------------

_MISSING = object()


def required(record: dict, name: str) -> Any:
    value = record.get(name, _MISSING)
    if value is _MISSING or value is None:
        raise BadRecord(f"missing required field {name}")
    return value


def obj(record: dict, name: str) -> dict:
    value = required(record, name)
    if not isinstance(value, dict):
        raise BadRecord(f"{name} is not an object")
    return value


def number(value: Any, name: str) -> float:
    """A finite number from a decimal string or a JSON number."""
    if isinstance(value, str):
        try:
            result = float(value)
        except ValueError:
            raise BadRecord(f"non-numeric {name}: {value[:40]!r}") from None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        result = float(value)
    else:
        raise BadRecord(f"non-numeric {name}: {str(value)[:40]!r}")
    if not math.isfinite(result):
        raise BadRecord(f"non-finite {name}: {value!r}")
    return result


def req_number(record: dict, name: str) -> float:
    return number(required(record, name), name)


@overload
def opt_number(record: dict, name: str, default: float) -> float: ...


@overload
def opt_number(record: dict, name: str, default: None = None) -> float | None: ...


def opt_number(record: dict, name: str, default: float | None = None) -> float | None:
    value = record.get(name)
    return default if value is None or value == "" else number(value, name)


def integer(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        result = value
    elif isinstance(value, str) and value.strip().isdigit():
        result = int(value)
    else:
        raise BadRecord(f"non-integer {name}: {str(value)[:40]!r}")
    if result < 0:
        raise BadRecord(f"negative {name}: {result}")
    return result


def req_integer(record: dict, name: str) -> int:
    return integer(required(record, name), name)


def opt_integer(record: dict, name: str) -> int | None:
    value = record.get(name)
    return None if value is None else integer(value, name)


def millis(record: dict, name: str) -> int:
    """A required epoch-millisecond timestamp within a plausible range."""
    value = req_integer(record, name)
    if not MIN_MS <= value < MAX_MS:
        raise BadRecord(f"{name} {value} is not a plausible epoch-millisecond time")
    return value


def text(record: dict, name: str) -> str:
    """A required non-empty string."""
    value = required(record, name)
    if not isinstance(value, str) or not value.strip():
        raise BadRecord(f"{name} is not a non-empty string: {str(value)[:40]!r}")
    return value


def opt_text(record: dict, name: str, default: str | None = "") -> str | None:
    value = record.get(name)
    if value is None:
        return default
    if not isinstance(value, str):
        raise BadRecord(f"{name} is not a string: {str(value)[:40]!r}")
    return value


def boolean(record: dict, name: str, default: bool | None = None) -> bool:
    value = record.get(name)
    if value is None:
        if default is None:
            raise BadRecord(f"missing required field {name}")
        return default
    if not isinstance(value, bool):
        raise BadRecord(f"{name} is not a boolean: {str(value)[:40]!r}")
    return value


def side(record: dict, name: str = "side") -> str:
    value = required(record, name)
    if value not in ("B", "A"):
        raise BadRecord(f"unknown {name} {str(value)[:20]!r} (expected B or A)")
    return value


def positive(value: float, name: str) -> float:
    if value <= 0:
        raise BadRecord(f"{name} must be > 0, got {value}")
    return value
