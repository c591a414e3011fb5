"""The exchange's account-value history (`portfolio`, weight 20 per account) → `hyperliquid.portfolio_history`.

Why ingest it: the exchange gives no past account snapshot, so a backfilled day's account value
can only be derived from the PnL identity; this history is the one independent witness of those
values (analytics reconciles derived closes against it). The answer is
`[[window, {accountValueHistory: [[ms, "value"], ...], pnlHistory: [[ms, "pnl"], ...], vlm}], ...]`
for windows day, week, month, allTime and their perp-only twins perpDay … perpAllTime (the perp
account alone, which is what `clearinghouseState.accountValue` reports).

The answer always describes the history up to now, not a time range, so a run keeps only the
points inside its own window: minute runs add each new point once, a backfill run over an old
window keeps that window's points from the coarser windows (month, allTime), and a re-run
rewrites the same (account, window, point_at) keys. One request per account and run costs 20
weight: every minute for a handful of accounts is far below the 1200 per minute limit.
"""

from __future__ import annotations

from collections.abc import Iterator

from maicro.ingest import records as r

DATA_TYPE = "portfolio"
TABLE = "hyperliquid.portfolio_history"
COLUMNS = ("account", "window", "point_at", "account_value", "pnl")
TIME_COLUMN = 2


def points(answer) -> Iterator[dict]:
    """One record per (window, point): {window, time, accountValue, pnl}. The PnL point of the
    same time joins its account-value point (None when the exchange gave none); a window entry
    that is not [name, {accountValueHistory: [...]}] becomes a record the parser rejects."""
    if not isinstance(answer, list):
        raise r.BadRecord(f"portfolio answer is {type(answer).__name__}, expected a list")
    for entry in answer:
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], dict)):
            yield {"window": None, "entry": entry}
            continue
        window, data = entry
        history = data.get("accountValueHistory")
        if not isinstance(history, list):
            yield {"window": window, "entry": data}
            continue
        pnl_history = data.get("pnlHistory") or []
        if not isinstance(pnl_history, list):  # the values still land, without their PnL
            yield {"window": window, "entry": data, "series": "pnlHistory"}
            pnl_history = []
        pnl = {}
        for p in pnl_history:
            if isinstance(p, list) and len(p) == 2:
                pnl[p[0]] = p[1]
            else:
                yield {"window": window, "point": p, "series": "pnlHistory"}
        for point in history:
            if isinstance(point, list) and len(point) == 2:
                yield {
                    "window": window,
                    "time": point[0],
                    "accountValue": point[1],
                    "pnl": pnl.get(point[0]),
                }
            else:
                yield {"window": window, "point": point}


def parse(rec: dict, account: str) -> tuple:
    window = rec.get("window")
    if not isinstance(window, str) or not window:
        raise r.BadRecord("portfolio entry is not [window name, {accountValueHistory: [...]}]")
    series = rec.get("series", "accountValueHistory")
    if "entry" in rec:
        raise r.BadRecord(f"portfolio {window}: {series} is not a list of points")
    if "point" in rec:
        raise r.BadRecord(f"portfolio {window}: {series} has a point that is not [time ms, value]")
    return (
        account,
        window,
        r.millis(rec, "time"),
        r.req_number(rec, "accountValue"),
        r.opt_number(rec, "pnl"),
    )


def fetch(client, account: str) -> list[dict]:
    return list(points(client.portfolio(account)))
