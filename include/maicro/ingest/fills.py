"""Fills (`userFillsByTime`, paginated 2000 at a time) → `hyperliquid.fills`.

Unique key (time, coin, tid), as documented; the table's ORDER BY holds it, so a fill fetched by
two overlapping windows is stored once. `fee` is kept signed (negative = rebate) and already
includes `builderFee`, which is stored separately for information only.
"""

from __future__ import annotations

from maicro.ingest import records as r

DATA_TYPE = "fills"
TABLE = "hyperliquid.fills"
COLUMNS = (
    "account",
    "time",
    "coin",
    "tid",
    "px",
    "sz",
    "side",
    "start_position",
    "dir",
    "closed_pnl",
    "hash",
    "oid",
    "crossed",
    "fee",
    "fee_token",
    "builder_fee",
    "twap_id",
    "cloid",
    "liquidation",
)
TIME_COLUMN = 1


def parse(rec: dict, account: str) -> tuple:
    """One fill as a row. The common, well-formed record takes a fast path (fills are the bulk
    of a backfill); anything unusual goes through the field-by-field checks, which name what is
    wrong. Both paths accept exactly the same records."""
    try:
        t, tid, oid, side, coin = rec["time"], rec["tid"], rec["oid"], rec["side"], rec["coin"]
        px, sz = float(rec["px"]), float(rec["sz"])
        start, pnl, fee = float(rec["startPosition"]), float(rec["closedPnl"]), float(rec["fee"])
        crossed = rec["crossed"]
        if (
            type(t) is int
            and r.MIN_MS <= t < r.MAX_MS
            and type(tid) is int
            and tid >= 0
            and type(oid) is int
            and oid >= 0
            and (side == "B" or side == "A")
            and type(coin) is str
            and coin.strip()
            and type(crossed) is bool
            and 0 < px < _INF
            and 0 < sz < _INF
            and start - start == 0
            and pnl - pnl == 0
            and fee - fee == 0
            and "builderFee" not in rec
            and "twapId" not in rec
            and "liquidation" not in rec
            and "cloid" not in rec
            and type(rec.get("hash", "")) is str
            and type(rec.get("dir", "")) is str
            and type(rec.get("feeToken", "")) is str
        ):
            return (
                account,
                t,
                coin,
                tid,
                px,
                sz,
                side,
                start,
                rec.get("dir", ""),
                pnl,
                rec.get("hash", ""),
                oid,
                crossed,
                fee,
                rec.get("feeToken", "USDC"),
                None,
                None,
                None,
                None,
            )
    except (KeyError, TypeError, ValueError):
        pass
    return _parse_checked(rec, account)


_INF = float("inf")


def _parse_checked(rec: dict, account: str) -> tuple:
    liquidation = rec.get("liquidation")
    return (
        account,
        r.millis(rec, "time"),
        r.text(rec, "coin"),
        r.req_integer(rec, "tid"),
        r.positive(r.req_number(rec, "px"), "px"),
        r.positive(r.req_number(rec, "sz"), "sz"),
        r.side(rec),
        r.req_number(rec, "startPosition"),
        r.opt_text(rec, "dir"),
        r.req_number(rec, "closedPnl"),
        r.opt_text(rec, "hash"),
        r.req_integer(rec, "oid"),
        r.boolean(rec, "crossed"),
        r.req_number(rec, "fee"),
        r.opt_text(rec, "feeToken", "USDC"),
        r.opt_number(rec, "builderFee"),
        r.opt_integer(rec, "twapId"),
        r.opt_text(rec, "cloid", None),
        None if liquidation is None else r.raw_json(liquidation),
    )


def fetch(client, account: str, window) -> list[dict]:
    return client.user_fills(account, window.start_ms, window.end_ms)
