"""Strategy target weights → `maicro_logs.target_weights`, validated first, stored all or nothing.

Strategies that do not write ClickHouse themselves hand us a file (`maicro targets load FILE`,
CSV or Parquet) or serve an HTTP CSV feed (`MAICRO_TARGETS_URL`, pulled by every ingest run for
its window, e.g. the simulator's `/strategy/targets.csv`). Columns: `strategy, ts, coin,
target_weight` (ts = ISO-8601 UTC or epoch ms). A file is checked as a whole before anything is
written: a duplicate coin at one timestamp, a weight that is not a finite number or is absurd
(|w| > MAICRO_TARGET_MAX_ABS_WEIGHT, default 10), an unknown strategy, an empty coin or an
unreadable time rejects the whole file with the first offending row named, and nothing of it is
stored. The feed is treated like exchange data instead: bad rows go to quarantine, the rest land.

Known strategies are `MAICRO_STRATEGIES` (comma-separated) if set, else the ones named in
`MAICRO_ACCOUNTS`. Re-loading a (strategy, ts, coin) replaces the earlier value (latest wins).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from maicro import settings
from maicro.clickhouse.client import connect
from maicro.errors import MaicroError

if TYPE_CHECKING:
    import pandas as pd

TABLE = "maicro_logs.target_weights"
COLUMNS = ("strategy", "ts", "coin", "target_weight", "source")
REQUIRED = ("strategy", "ts", "coin", "target_weight")


@dataclass(frozen=True)
class Problem:
    """One rejected row: `index` is its 0-based position in the input, `line` its CSV line."""

    index: int
    reason: str
    raw: dict

    def describe(self, source: str) -> str:
        return f"{source}: row {self.index + 1} (line {self.index + 2}): {self.reason}"


def known_strategies() -> set[str]:
    config = settings.get()
    if config.maicro_strategies:
        return set(config.maicro_strategies)
    return {a.strategy for a in config.accounts if a.strategy}


def max_abs_weight() -> float:
    return settings.get().maicro_target_max_abs_weight


def read_file(path: str | Path) -> pd.DataFrame:
    """A CSV or Parquet file as strings/values, without guessing types (validation does that)."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise MaicroError(f"{path}: no such file")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises many types for unreadable files
        kind = "Parquet" if path.suffix.lower() in (".parquet", ".pq") else "CSV"
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MaicroError(f"{path}: cannot read as {kind}: {reason}") from None


def _ts_ms(value) -> int:
    import pandas as pd

    if isinstance(value, pd.Timestamp) or hasattr(value, "tzinfo"):
        stamp = pd.Timestamp(value)
    else:
        text = str(value).strip()
        if not text:
            raise ValueError("empty ts")
        if text.lstrip("-").isdigit():
            ms = int(text)
            if not 1_420_070_400_000 <= ms < 4_102_444_800_000:
                raise ValueError(f"ts {text} is not a plausible epoch-millisecond time")
            return ms
        stamp = pd.Timestamp(text)
    if stamp is pd.NaT or pd.isna(stamp):
        raise ValueError("empty ts")
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int(stamp.value // 1_000_000)


def check(
    frame: pd.DataFrame, *, strategies: set[str] | None = None, limit: float | None = None
) -> tuple[list[tuple], list[Problem]]:
    """Validate every row: (rows as (strategy, ts_ms, coin, weight), problems)."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise MaicroError(
            f"missing column(s) {', '.join(missing)}; expected "
            f"{', '.join(REQUIRED)} "
            f"(found {', '.join(map(str, frame.columns)) or 'none'})"
        )
    strategies = known_strategies() if strategies is None else strategies
    limit = max_abs_weight() if limit is None else limit
    rows: list[tuple] = []
    problems: list[Problem] = []
    seen: dict[tuple, int] = {}
    records = frame[list(REQUIRED)].to_dict("records")
    for index, raw in enumerate(records):
        strategy = str(raw["strategy"]).strip() if raw["strategy"] is not None else ""
        coin = str(raw["coin"]).strip() if raw["coin"] is not None else ""
        try:
            if not strategy:
                raise ValueError("empty strategy")
            if strategy not in strategies:
                known = ", ".join(sorted(strategies)) or "none configured (set MAICRO_STRATEGIES)"
                raise ValueError(f"unknown strategy {strategy!r} (known: {known})")
            if not coin:
                raise ValueError("empty coin")
            try:
                ts = _ts_ms(raw["ts"])
            except (ValueError, TypeError) as exc:
                raise ValueError(f"unreadable ts {str(raw['ts'])[:40]!r} ({exc})") from None
            try:
                weight = float(str(raw["target_weight"]).strip())
            except ValueError:
                raise ValueError(
                    f"non-numeric target_weight {str(raw['target_weight'])[:40]!r}"
                ) from None
            if not math.isfinite(weight):
                raise ValueError(f"non-finite target_weight {raw['target_weight']!r}")
            if abs(weight) > limit:
                raise ValueError(f"absurd target_weight {weight:g} (|w| > {limit:g})")
            key = (strategy, ts, coin)
            if key in seen:
                raise ValueError(
                    f"duplicate coin {coin} for strategy {strategy} at ts {raw['ts']} "
                    f"(first at row {seen[key] + 1})"
                )
            seen[key] = index
            rows.append((strategy, ts, coin, weight))
        except ValueError as exc:
            problems.append(Problem(index, str(exc), {k: str(v) for k, v in raw.items()}))
    return rows, problems


def insert(ch_client, rows: list[tuple], source: str) -> int:
    """One insert of validated rows (a single statement: it lands whole or not at all)."""
    if not rows:
        return 0
    strategy, ts, coin, weight = zip(*rows)
    ch_client.insert(
        TABLE,
        [list(strategy), list(ts), list(coin), list(weight), [source] * len(rows)],
        column_names=list(COLUMNS),
        column_oriented=True,
    )
    return len(rows)


def load_frame(frame: pd.DataFrame, source: str, *, ch_client=None) -> int:
    """Validate a whole table and store it, or raise naming the first bad row (nothing stored)."""
    rows, problems = check(frame)
    if problems:
        more = f" (and {len(problems) - 1} more bad row(s))" if len(problems) > 1 else ""
        raise MaicroError(problems[0].describe(source) + more + "; nothing was loaded")
    if not rows:
        raise MaicroError(f"{source}: no target rows; nothing was loaded")
    client = ch_client or connect("local", "ingest")
    try:
        return insert(client, rows, source)
    finally:
        if ch_client is None:
            client.close()


def load_file(path: str | Path, *, ch_client=None) -> int:
    """`maicro targets load FILE`: CSV or Parquet, all or nothing."""
    return load_frame(read_file(path), str(path), ch_client=ch_client)


def feed_url() -> str | None:
    return settings.get().maicro_targets_url


def fetch_feed(
    url: str, strategy: str, start_ms: int, end_ms: int, *, timeout_s: float = 30, session=None
) -> pd.DataFrame:
    """The feed's rows for one strategy with ts in [start_ms, end_ms) (as strings)."""
    import requests

    http = session or requests
    try:
        response = http.get(
            url, params={"strategy": strategy, "start": start_ms, "end": end_ms}, timeout=timeout_s
        )
    except requests.RequestException as exc:
        raise MaicroError(f"target feed {url} unreachable: {exc}") from None
    if response.status_code != 200:
        raise MaicroError(
            f"target feed {url} answered HTTP {response.status_code}: {response.text[:120]}"
        )
    import pandas as pd

    if not response.text.strip():
        return pd.DataFrame(columns=list(REQUIRED))
    frame = pd.read_csv(io.StringIO(response.text), dtype=str, keep_default_na=False)
    return frame
