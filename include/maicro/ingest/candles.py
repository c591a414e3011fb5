"""1-minute candles (`candleSnapshot`, 5000 a page) → `hyperliquid.candles`.

Fetched for every coin held or targeted in the window (`coins_to_fetch`), for candles opening in
[start, end). A candle that opens before the window end closes before it, so a window that ends
at or before the exchange's clock only ever stores finished candles.
"""

from __future__ import annotations

from datetime import UTC

from maicro.ingest import records as r

DATA_TYPE = "candles"
TABLE = "hyperliquid.candles"
COLUMNS = (
    "coin",
    "interval",
    "open_time",
    "close_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "n_trades",
)
TIME_COLUMN = 2
INTERVAL = "1m"


def parse(rec: dict, account: str = "") -> tuple:
    """One candle as a row: a fast path for the well-formed bulk (a 30-day backfill is 43,200
    candles per coin), the field-by-field checks for anything else; both accept the same."""
    try:
        t, close_t, coin, interval, n = rec["t"], rec["T"], rec["s"], rec["i"], rec.get("n", 0)
        o, h, lo, c, v = (
            float(rec["o"]),
            float(rec["h"]),
            float(rec["l"]),
            float(rec["c"]),
            float(rec["v"]),
        )
        if (
            type(t) is int
            and r.MIN_MS <= t < r.MAX_MS
            and type(close_t) is int
            and r.MIN_MS <= close_t < r.MAX_MS
            and type(coin) is str
            and coin.strip()
            and type(interval) is str
            and interval.strip()
            and type(n) is int
            and n >= 0
            and 0 < o < _INF
            and 0 < h < _INF
            and 0 < lo < _INF
            and 0 < c < _INF
            and v - v == 0
        ):
            return (coin, interval, t, close_t, o, h, lo, c, v, n)
    except (KeyError, TypeError, ValueError):
        pass
    return _parse_checked(rec)


_INF = float("inf")


def _parse_checked(rec: dict) -> tuple:
    return (
        r.text(rec, "s"),
        r.text(rec, "i"),
        r.millis(rec, "t"),
        r.millis(rec, "T"),
        r.positive(r.req_number(rec, "o"), "o"),
        r.positive(r.req_number(rec, "h"), "h"),
        r.positive(r.req_number(rec, "l"), "l"),
        r.positive(r.req_number(rec, "c"), "c"),
        r.req_number(rec, "v"),
        r.opt_integer(rec, "n") or 0,
    )


INTERVAL_MS = 60_000


def fetch(client, coin: str, window) -> list[dict]:
    """The window's candles; notes when its beginning is older than the API serves (only the
    5000 most recent candles of an interval are reachable)."""
    records = client.candles(coin, INTERVAL, window.start_ms, window.end_ms)
    first = records[0].get("t") if records and isinstance(records[0], dict) else None
    if isinstance(first, int) and first >= window.start_ms + INTERVAL_MS:
        client.notes.append(
            f"candles {coin}: nothing before {first} ms is served (the API keeps "
            "the 5000 most recent candles); earlier minutes of the window are "
            "out of reach"
        )
    return records


# Coins whose candles a window needs: traded or held by the accounts (fills before the window end
# leave a position unless it nets to zero; the latest position snapshot up to the window end, which
# a live run takes at the end itself), or targeted by their
# strategies (targets set in the window, and the set in force at its start).
COINS_SQL = """
SELECT coin FROM (
    SELECT account, coin,
           argMax(start_position + if(side = 'B', sz, -sz), (time, tid)) AS position,
           countIf(time >= {start:DateTime64(3, 'UTC')}) AS n_in_window
    FROM hyperliquid.fills FINAL
    WHERE account IN {accounts:Array(String)} AND time < {end:DateTime64(3, 'UTC')}
    GROUP BY account, coin
) WHERE abs(position) > 1e-12 OR n_in_window > 0
UNION DISTINCT
SELECT coin FROM hyperliquid.position_snapshots FINAL
WHERE szi != 0 AND (account, snapshot_at) IN (
    SELECT account, max(snapshot_at) FROM hyperliquid.position_snapshots
    WHERE account IN {accounts:Array(String)}
      AND snapshot_at <= {end:DateTime64(3, 'UTC')}
    GROUP BY account)
UNION DISTINCT
SELECT coin FROM maicro_logs.target_weights FINAL
WHERE strategy IN {strategies:Array(String)} AND target_weight != 0 AND (
    (ts >= {start:DateTime64(3, 'UTC')} AND ts < {end:DateTime64(3, 'UTC')})
    OR (strategy, ts) IN (SELECT strategy, max(ts) FROM maicro_logs.target_weights
                          WHERE strategy IN {strategies:Array(String)}
                            AND ts <= {start:DateTime64(3, 'UTC')}
                          GROUP BY strategy))
"""


def _utc_text(ms: int) -> str:
    """A DateTime64(3, 'UTC') query parameter (the type fixes the zone, not the server's)."""
    from datetime import datetime

    stamp = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return stamp.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def coins_to_fetch(ch_client, accounts: list[str], strategies: list[str], window) -> list[str]:
    """Sorted coins held or targeted in the window, from what is already stored locally."""
    params = {
        "accounts": accounts,
        "strategies": strategies or [""],
        "start": _utc_text(window.start_ms),
        "end": _utc_text(window.end_ms),
    }
    rows = ch_client.query(COINS_SQL, parameters=params).result_rows
    return sorted({row[0] for row in rows})
