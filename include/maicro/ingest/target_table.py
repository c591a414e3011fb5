"""Strategy targets read from a ClickHouse table another producer writes (`MAICRO_TARGETS_TABLE`).

Strategies that already log to ClickHouse (the plan's "strategy logs" in `maicro_logs`) should not
have to export files. Each ingest run reads the rows whose time falls in its window, so reading is
incremental and a re-run of a window reads the same rows again (latest wins in target_weights).
The producer's column names are mapped in `MAICRO_TARGETS_TABLE_COLUMNS`; a producer that logs a
signed USD notional instead of a weight gets it divided by the account value of the strategy's
account (its latest snapshot at or before the row's time), since weights are what the marts
compare. Rows then go through the same validation as files and feeds (`targets.check`); bad rows
are quarantined with their reason, the rest land.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from maicro import settings
from maicro.errors import MaicroError
from maicro.ingest.targets import REQUIRED

if TYPE_CHECKING:
    import pandas as pd

OURS = ("strategy", "ts", "coin", "target_weight", "notional")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def table() -> str | None:
    return settings.get().maicro_targets_table


def column_mapping() -> dict[str, str]:
    """`ours -> theirs` from settings; one-line errors for anything unusable."""
    mapping: dict[str, str] = {}
    for pair in settings.get().maicro_targets_table_columns:
        ours, sep, theirs = (part.strip() for part in pair.partition("="))
        if not sep or ours not in OURS or not _IDENTIFIER.fullmatch(theirs):
            raise MaicroError(
                f"MAICRO_TARGETS_TABLE_COLUMNS: bad pair {pair!r}; expected ours=column with "
                f"ours one of {', '.join(OURS)}"
            )
        mapping[ours] = theirs
    missing = [c for c in ("strategy", "ts", "coin") if c not in mapping]
    if missing or ("target_weight" in mapping) == ("notional" in mapping):
        raise MaicroError(
            "MAICRO_TARGETS_TABLE_COLUMNS must map strategy, ts, coin and exactly one of "
            f"target_weight or notional (got {', '.join(mapping) or 'nothing'})"
        )
    return mapping


def _quoted_table(name: str) -> str:
    parts = name.split(".")
    if len(parts) != 2 or not all(_IDENTIFIER.fullmatch(p) for p in parts):
        raise MaicroError(f"MAICRO_TARGETS_TABLE: {name!r} is not database.table")
    return ".".join(f"`{p}`" for p in parts)


def read_window(ch_client, name: str, start_ms: int, end_ms: int) -> pd.DataFrame:
    """The producer's rows with time in [start_ms, end_ms), as `strategy, ts, coin, target_weight`.

    Times are compared as DateTime64(3) whatever the producer's time type; values come back as
    strings so validation sees what the producer wrote. A notional becomes a weight here; a row
    without an account value at its time gets a weight validation rejects, naming why.
    """
    mapping = column_mapping()
    source = _quoted_table(name)
    value = mapping.get("target_weight") or mapping["notional"]
    ts = f"toDateTime64(`{mapping['ts']}`, 3, 'UTC')"
    sql = (
        f"SELECT toString(`{mapping['strategy']}`) AS strategy, toUnixTimestamp64Milli({ts}) AS ts,"
        f" toString(`{mapping['coin']}`) AS coin, toString(`{value}`) AS value FROM {source}"
        f" WHERE {ts} >= fromUnixTimestamp64Milli({{start:Int64}}, 'UTC')"
        f" AND {ts} < fromUnixTimestamp64Milli({{end:Int64}}, 'UTC') ORDER BY ts"
    )
    try:
        rows = ch_client.query(sql, parameters={"start": start_ms, "end": end_ms}).result_rows
    except Exception as exc:  # the server's message names the missing table or column
        reason = str(exc).strip().splitlines()[0][:200]
        raise MaicroError(f"targets table {name}: cannot read: {reason}") from None
    if "notional" in mapping:
        rows = [(s, t, c, _weight(ch_client, s, t, v)) for s, t, c, v in rows]
    import pandas as pd

    return pd.DataFrame([(s, str(t), c, v) for s, t, c, v in rows], columns=list(REQUIRED))


def _weight(ch_client, strategy: str, ts_ms: int, notional: str) -> str:
    accounts = [a.address for a in settings.get().accounts if a.strategy == strategy]
    try:
        signed = float(notional)
    except ValueError:
        return notional  # validation names it as non-numeric
    if not accounts:
        return f"{notional} USD, no account"
    equity = ch_client.query(
        "SELECT sum(v) FROM (SELECT argMax(account_value, snapshot_at) AS v"
        " FROM hyperliquid.account_snapshots WHERE account IN {accounts:Array(String)}"
        " AND snapshot_at <= fromUnixTimestamp64Milli({ts:Int64}, 'UTC') GROUP BY account)",
        parameters={"accounts": [a.lower() for a in accounts], "ts": ts_ms},
    ).result_rows
    value = equity[0][0] if equity else 0
    return repr(signed / value) if value and value > 0 else f"{notional} USD, no equity"
