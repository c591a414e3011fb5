"""State "now": account margin, positions, open orders (per account) and asset contexts, mids.

These describe the present, so they are only taken when the window ends at (about) the exchange's
clock (`is_live`); a catch-up or backfill run of an old window skips them and says so in the run
log, rather than storing today's state under an old time. Every snapshot row is stamped with the
exchange's time (`clearinghouseState.time`), not ours, so snapshots line up with fills and candles
even when our clock (or the simulator's) differs.
"""

from __future__ import annotations

from maicro.ingest import records as r
from maicro.ingest.orders import order_fields

ACCOUNT_TABLE = "hyperliquid.account_snapshots"
ACCOUNT_COLUMNS = (
    "account",
    "snapshot_at",
    "account_value",
    "total_ntl_pos",
    "total_raw_usd",
    "total_margin_used",
    "cross_account_value",
    "cross_total_ntl_pos",
    "cross_total_raw_usd",
    "cross_total_margin_used",
    "cross_maintenance_margin_used",
    "withdrawable",
    "n_positions",
    "position_coins",
    "position_szis",
    "position_mark_pxs",
)
POSITION_TABLE = "hyperliquid.position_snapshots"
POSITION_COLUMNS = (
    "account",
    "snapshot_at",
    "coin",
    "szi",
    "entry_px",
    "position_value",
    "mark_px",
    "unrealized_pnl",
    "return_on_equity",
    "liquidation_px",
    "margin_used",
    "max_leverage",
    "leverage_type",
    "leverage_value",
    "cum_funding_all_time",
    "cum_funding_since_open",
    "cum_funding_since_change",
)
OPEN_ORDER_TABLE = "hyperliquid.open_order_snapshots"
OPEN_ORDER_COLUMNS = (
    "account",
    "snapshot_at",
    "oid",
    "order_timestamp",
    "coin",
    "side",
    "limit_px",
    "sz",
    "orig_sz",
    "order_type",
    "tif",
    "reduce_only",
    "is_trigger",
    "trigger_px",
    "cloid",
)
CONTEXT_TABLE = "hyperliquid.asset_contexts"
CONTEXT_COLUMNS = (
    "snapshot_at",
    "coin",
    "mark_px",
    "mid_px",
    "oracle_px",
    "funding",
    "open_interest",
    "prev_day_px",
    "day_ntl_vlm",
    "premium",
    "impact_bid_px",
    "impact_ask_px",
    "max_leverage",
    "sz_decimals",
)
MIDS_TABLE = "hyperliquid.mids"
MIDS_COLUMNS = ("snapshot_at", "coin", "mid_px")


def is_live(window, server_time_ms: int, tolerance_ms: int) -> bool:
    """Does the window end at (about) the exchange's present?"""
    return abs(server_time_ms - window.end_ms) <= tolerance_ms


def parse_account(state: dict, account: str) -> tuple:
    """The margin summary; the position arrays stay empty until `with_positions` fills them
    from the positions that parsed (a quarantined position is in neither table)."""
    margin = r.obj(state, "marginSummary")
    cross = state.get("crossMarginSummary") or margin
    if not isinstance(cross, dict):
        raise r.BadRecord("crossMarginSummary is not an object")
    positions = state.get("assetPositions") or []
    return (
        account,
        r.millis(state, "time"),
        r.req_number(margin, "accountValue"),
        r.req_number(margin, "totalNtlPos"),
        r.req_number(margin, "totalRawUsd"),
        r.req_number(margin, "totalMarginUsed"),
        r.req_number(cross, "accountValue"),
        r.req_number(cross, "totalNtlPos"),
        r.req_number(cross, "totalRawUsd"),
        r.req_number(cross, "totalMarginUsed"),
        r.opt_number(state, "crossMaintenanceMarginUsed", 0.0),
        r.opt_number(state, "withdrawable", 0.0),
        len(positions) if isinstance(positions, list) else 0,
        [],
        [],
        [],
    )


_ARRAYS_AT = ACCOUNT_COLUMNS.index("position_coins")
_COIN, _SZI, _MARK = (POSITION_COLUMNS.index(c) for c in ("coin", "szi", "mark_px"))


def with_positions(account_row: tuple, position_rows: list[tuple]) -> tuple:
    """The account snapshot row with its open positions' (szi != 0) coin, szi and mark price as
    parallel arrays: the columns the tracking-error models read instead of regrouping
    position_snapshots rows per snapshot."""
    open_rows = [row for row in position_rows if row[_SZI] != 0]
    return account_row[:_ARRAYS_AT] + (
        [row[_COIN] for row in open_rows],
        [row[_SZI] for row in open_rows],
        [row[_MARK] for row in open_rows],
    )


def parse_position(item: dict, account: str, snapshot_at: int) -> tuple:
    pos = r.obj(item, "position")
    szi = r.req_number(pos, "szi")
    value = r.req_number(pos, "positionValue")
    leverage = pos.get("leverage") or {}
    cum = pos.get("cumFunding") or {}
    if not isinstance(leverage, dict) or not isinstance(cum, dict):
        raise r.BadRecord("leverage/cumFunding is not an object")
    return (
        account,
        snapshot_at,
        r.text(pos, "coin"),
        szi,
        r.opt_number(pos, "entryPx", 0.0),
        value,
        abs(value / szi) if szi else 0.0,
        r.req_number(pos, "unrealizedPnl"),
        r.opt_number(pos, "returnOnEquity", 0.0),
        r.opt_number(pos, "liquidationPx", None),
        r.opt_number(pos, "marginUsed", 0.0),
        int(r.opt_number(pos, "maxLeverage", 0.0)),
        r.opt_text(leverage, "type", "") or "",
        r.opt_number(leverage, "value", 0.0),
        r.opt_number(cum, "allTime", 0.0),
        r.opt_number(cum, "sinceOpen", 0.0),
        r.opt_number(cum, "sinceChange", 0.0),
    )


def parse_open_order(order: dict, account: str, snapshot_at: int) -> tuple:
    (
        oid,
        placed,
        coin,
        side,
        limit_px,
        sz,
        orig_sz,
        order_type,
        tif,
        reduce_only,
        is_trigger,
        trigger_px,
        _condition,
        _tpsl,
        cloid,
    ) = order_fields(order)
    return (
        account,
        snapshot_at,
        oid,
        placed,
        coin,
        side,
        limit_px,
        sz,
        sz if orig_sz is None else orig_sz,
        order_type,
        tif,
        reduce_only,
        is_trigger,
        trigger_px,
        cloid,
    )


def context_records(meta_and_ctxs: list) -> list[dict]:
    """metaAndAssetCtxs' [meta, ctxs] as one dict per coin (universe entry + its context)."""
    if len(meta_and_ctxs) != 2 or not isinstance(meta_and_ctxs[0], dict):
        raise r.BadRecord("metaAndAssetCtxs is not [meta, assetCtxs]")
    universe = meta_and_ctxs[0].get("universe") or []
    ctxs = meta_and_ctxs[1] or []
    return [
        {
            **(ctx if isinstance(ctx, dict) else {"ctx": ctx}),
            "meta": asset if isinstance(asset, dict) else {},
        }
        for asset, ctx in zip(universe, ctxs)
    ]


def parse_context(rec: dict, snapshot_at: int) -> tuple:
    meta = rec.get("meta") or {}
    impact = rec.get("impactPxs") or [None, None]
    if not isinstance(impact, list) or len(impact) != 2:
        raise r.BadRecord("impactPxs is not [bid, ask]")
    return (
        snapshot_at,
        r.text(meta, "name"),
        r.req_number(rec, "markPx"),
        r.opt_number(rec, "midPx", None),
        r.req_number(rec, "oraclePx"),
        r.req_number(rec, "funding"),
        r.req_number(rec, "openInterest"),
        r.opt_number(rec, "prevDayPx", 0.0),
        r.opt_number(rec, "dayNtlVlm", 0.0),
        r.opt_number(rec, "premium", None),
        None if impact[0] is None else r.number(impact[0], "impactPxs[0]"),
        None if impact[1] is None else r.number(impact[1], "impactPxs[1]"),
        int(r.opt_number(meta, "maxLeverage", 0.0)),
        int(r.opt_number(meta, "szDecimals", 0.0)),
    )


def mid_records(mids: dict) -> list[dict]:
    return [{"coin": coin, "mid": px} for coin, px in mids.items()]


def parse_mid(rec: dict, snapshot_at: int) -> tuple:
    return (snapshot_at, r.text(rec, "coin"), r.positive(r.req_number(rec, "mid"), "mid"))
